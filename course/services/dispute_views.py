"""The instructor's side of disputes: the inbox, and one dispute with all it needs.

A dispute's page shows the question as that learner saw it (the revision the answer
was graded against, options in the learner's order), the raw response, the grading
trace (``course.grading.trace``), the audit trail of the answer's score, and how other
learners answered the same question, grouped the way the grader compares answers, with
counts and their current grades. Those other answers are the actor's own learners'
(all learners for administrators), and only ever shown on these staff pages.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, and_, exists, false, func, select, true
from sqlalchemy.orm import Session

from course.content.model import AnyQuestion, TextQuestion
from course.grading.registry import correct_answer
from course.grading.trace import Trace, explain, group_key
from course.services import questions as qs
from course.services.audit import current_grades, history_views
from course.services.authz import Actor, managed_class, require_staff
from course.services.disputes import handled_dispute
from course.services.drafts import position_key
from course.services.views import QuestionView, ScoreChangeView
from course.store.attempts import Attempt, Response
from course.store.audit import changes_for_attempts, latest_changes
from course.store.classes import ClassRow, Membership
from course.store.content import ContentVersion, QuestionRevision, QuestionRow, QuizRow
from course.store.disputes import Dispute, DisputeStatus
from course.store.engine import read_only
from course.store.users import User

# Other learners' answers read for the similar-answers table, at most.
SIMILAR_ROWS = 5_000
SIMILAR_GROUPS = 12
NEAR_RATIO = 0.8  # a group this close (rapidfuzz ratio of the folded forms) is "near"

# Statuses as instructors read them (learners read ``disputes.STATUS_LABELS``).
STAFF_LABELS = {
    DisputeStatus.OPEN: "Open",
    DisputeStatus.ACCEPTED_FOR_ALL: "Accepted for everyone",
    DisputeStatus.ACCEPTED: "Accepted for this learner",
    DisputeStatus.DECLINED: "Declined",
}


@dataclass(frozen=True)
class InboxItem:
    id: int
    status: DisputeStatus
    learner: str
    email: str
    quiz_title: str
    question: str  # the author's slug: staff pages only
    response_text: str
    comment: str
    created_at: datetime

    @property
    def status_label(self) -> str:
        return STAFF_LABELS[self.status]


@dataclass(frozen=True)
class Inbox:
    title: str
    class_id: int | None
    show_all: bool
    items: tuple[InboxItem, ...]

    @property
    def open_count(self) -> int:
        return sum(1 for i in self.items if i.status is DisputeStatus.OPEN)


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Disputes of learners in a class the actor runs of the dispute's course."""
    if actor.is_admin:
        return true()
    return exists(
        select(Membership.id)
        .join(ClassRow, ClassRow.id == Membership.class_id)
        .where(
            Membership.user_id == Dispute.user_id,
            ClassRow.instructor_id == actor.id,
            ClassRow.course_id == Dispute.course_id,
        )
    )


def inbox(
    session: Session, actor: Actor, class_id: int | None = None, show_all: bool = False
) -> Inbox:
    """Open disputes (``show_all``: settled ones too), newest first: of one class the
    actor runs, or of every learner the actor teaches (administrators: everyone)."""
    with session.begin():
        read_only(session)
        require_staff(actor)
        where: ColumnElement[bool] = _visible(actor)
        title = "Disputes"
        if class_id is not None:
            row = managed_class(session, actor, class_id)
            members = select(Membership.user_id).where(Membership.class_id == row.id)
            where = and_(Dispute.course_id == row.course_id, Dispute.user_id.in_(members))
            title = f"Disputes · {row.name}"
        if not show_all:
            where = and_(where, Dispute.status == DisputeStatus.OPEN)
        rows = session.execute(
            select(Dispute, User.display_name, User.email, QuizRow.title, QuestionRow.slug)
            .join(User, User.id == Dispute.user_id)
            .join(QuestionRow, QuestionRow.id == Dispute.question_id)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .join(Response, Response.id == Dispute.response_id)
            .add_columns(Response.response_text)
            .where(where)
            .order_by(Dispute.id.desc())
            .limit(500)
        ).all()
    items = tuple(
        InboxItem(d.id, d.status, name or email, email, quiz, slug, text, d.comment, d.created_at)
        for d, name, email, quiz, slug, text in rows
    )
    return Inbox(title, class_id, show_all, items)


@dataclass(frozen=True)
class SimilarGroup:
    """Other learners' answers that the grader reads alike."""

    form: str  # the folded form they share
    spellings: tuple[str, ...]  # a few of the ways they were written
    answers: int
    learners: int
    mean_score: float
    full_credit: int  # answers with full credit now
    same: bool  # the disputed answer's own group
    near: bool  # close to the disputed answer's form, not equal


@dataclass(frozen=True)
class OtherDispute:
    """Another dispute of the same answer, with how it ended."""

    id: int
    status: DisputeStatus
    comment: str
    reply: str
    created_at: datetime
    resolved_at: datetime | None
    resolver: str

    @property
    def status_label(self) -> str:
        return STAFF_LABELS[self.status]


@dataclass(frozen=True)
class DisputeDetail:
    id: int
    status: DisputeStatus
    comment: str
    reply: str
    created_at: datetime
    resolved_at: datetime | None
    resolver: str
    learner: str
    email: str
    classes: tuple[tuple[int, str], ...]  # the actor's classes the learner is in
    course_id: str
    quiz_title: str
    question_slug: str
    position: int
    attempt_number: int
    question: QuestionView  # as the learner saw it
    key: str  # the key of that revision, in words
    version_hash: str
    version_published_at: datetime | None
    key_changed: bool  # the question has a newer revision
    raw: str
    response_text: str
    first_points: float
    points: float
    max_points: float
    trace: Trace
    current_trace: Trace | None  # against the newest revision, when it differs
    changes: tuple[ScoreChangeView, ...]
    similar: tuple[SimilarGroup, ...]
    others: int  # other learners' answers read
    accept_for_all: bool  # a typed answer to a text question
    other_disputes: tuple[OtherDispute, ...] = ()  # of the same answer, newest first

    @property
    def status_label(self) -> str:
        return STAFF_LABELS[self.status]

    @property
    def open(self) -> bool:
        return self.status is DisputeStatus.OPEN


def detail(session: Session, actor: Actor, dispute_id: int) -> DisputeDetail:
    """One dispute with the question as seen, the trace and similar answers."""
    with session.begin():
        read_only(session)
        d = handled_dispute(session, actor, dispute_id)
        response = session.get(Response, d.response_id)
        attempt = session.get(Attempt, d.attempt_id)
        user = session.get(User, d.user_id)
        assert response is not None and attempt is not None and user is not None
        row = session.get(QuestionRow, d.question_id)
        assert row is not None
        quiz = session.get(QuizRow, row.quiz_id)
        revision = session.get(QuestionRevision, d.revision_id)
        assert quiz is not None and revision is not None
        question = qs.question_for(session, revision.id, revision.definition)
        newest = _newest(session, d.question_id)
        current_q = qs.question_for(session, newest.id, newest.definition)
        version = session.get(ContentVersion, revision.version_id)
        grades = current_grades(changes_for_attempts(session, [attempt.id]))
        grade = grades.get(response.id)
        position = attempt.question_ids.index(d.question_id) + 1
        audit_rows = [
            c for c in changes_for_attempts(session, [attempt.id]) if c.response_id == response.id
        ]
        similar, others = _similar(session, actor, d, question, response.raw)
        classes = _classes(session, actor, d.user_id, d.course_id)
        siblings = session.scalars(
            select(Dispute)
            .where(Dispute.response_id == d.response_id, Dispute.id != d.id)
            .order_by(Dispute.id.desc())
        ).all()
        return DisputeDetail(
            id=d.id,
            status=d.status,
            comment=d.comment,
            reply=d.reply,
            created_at=d.created_at,
            resolved_at=d.resolved_at,
            resolver=d.resolver,
            learner=user.display_name or user.email,
            email=user.email,
            classes=classes,
            course_id=d.course_id,
            quiz_title=quiz.title,
            question_slug=row.slug,
            position=position,
            attempt_number=attempt.number,
            question=qs.question_view(question, attempt.seed, position_key(position - 1)),
            key=correct_answer(question),
            version_hash=version.content_hash[:12] if version else "",
            version_published_at=version.synced_at if version else None,
            key_changed=newest.id != revision.id,
            raw=json.dumps(response.raw, ensure_ascii=False),
            response_text=response.response_text,
            first_points=response.points,
            points=grade.points if grade else response.points,
            max_points=grade.max_points if grade else response.max_points,
            trace=explain(question, response.raw),
            current_trace=explain(current_q, response.raw) if newest.id != revision.id else None,
            changes=history_views(audit_rows, {response.id: row.slug}),
            similar=similar,
            others=others,
            accept_for_all=isinstance(question, TextQuestion) and d.status is DisputeStatus.OPEN,
            other_disputes=tuple(
                OtherDispute(
                    o.id, o.status, o.comment, o.reply, o.created_at, o.resolved_at, o.resolver
                )
                for o in siblings
            ),
        )


def _newest(session: Session, question_id: int) -> QuestionRevision:
    newest = session.scalar(
        select(QuestionRevision)
        .where(QuestionRevision.question_id == question_id)
        .order_by(QuestionRevision.id.desc())
        .limit(1)
    )
    assert newest is not None
    return newest


def _classes(
    session: Session, actor: Actor, user_id: int, course_id: str
) -> tuple[tuple[int, str], ...]:
    query = (
        select(ClassRow.id, ClassRow.name)
        .join(Membership, Membership.class_id == ClassRow.id)
        .where(Membership.user_id == user_id, ClassRow.course_id == course_id)
        .order_by(ClassRow.id)
    )
    if not actor.is_admin:
        query = query.where(ClassRow.instructor_id == actor.id)
    return tuple((int(i), str(n)) for i, n in session.execute(query))


def _similar(
    session: Session, actor: Actor, d: Dispute, question: AnyQuestion, raw: Any
) -> tuple[tuple[SimilarGroup, ...], int]:
    """Other learners' answers to the question, grouped by their folded form."""
    taught: ColumnElement[bool]
    if actor.is_admin:
        taught = true()
    else:
        mine = (
            select(Membership.user_id)
            .join(ClassRow, ClassRow.id == Membership.class_id)
            .where(ClassRow.instructor_id == actor.id, ClassRow.course_id == d.course_id)
        )
        taught = Attempt.user_id.in_(mine) if actor.is_staff else false()
    current = latest_changes()
    rows = session.execute(
        select(
            Response.raw,
            Response.response_text,
            func.coalesce(current.c.score, Response.score),
            Attempt.user_id,
        )
        .join(Attempt, Attempt.id == Response.attempt_id)
        .outerjoin(current, current.c.response_id == Response.id)
        .where(Response.question_id == d.question_id, Attempt.user_id != d.user_id, taught)
        .where(Response.raw.is_not(None))
        .order_by(Response.id.desc())
        .limit(SIMILAR_ROWS)
    ).all()
    mine_form = group_key(question, raw, "")
    groups: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for other_raw, text, score, user_id in rows:
        groups[group_key(question, other_raw, text)].append((text, float(score), user_id))
    made = [_group(form, members, mine_form) for form, members in groups.items()]
    made.sort(key=lambda g: (not g.same, not g.near, -g.answers, g.form))
    return tuple(made[:SIMILAR_GROUPS]), len(rows)


def _group(form: str, members: list[tuple[str, float, int]], mine: str) -> SimilarGroup:
    spellings: list[str] = []
    for text, _score, _user in members:
        if text not in spellings and len(spellings) < 3:
            spellings.append(text)
    near = form != mine and bool(form) and fuzz.ratio(form, mine) / 100 >= NEAR_RATIO
    return SimilarGroup(
        form=form,
        spellings=tuple(spellings),
        answers=len(members),
        learners=len({u for _t, _s, u in members}),
        mean_score=sum(s for _t, s, _u in members) / len(members),
        full_credit=sum(1 for _t, s, _u in members if s >= 1.0 - 1e-9),
        same=form == mine,
        near=near,
    )
