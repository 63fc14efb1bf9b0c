"""The rows the misconception report and the learners' confusions read: questions typed
from their newest revision, the class's answers classified by what they show, lessons'
headings, the served ``course.yaml``. Queries only; the assembly is in
:mod:`course.services.misconceptions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.content.model import AnyQuestion
from course.services import misconception_rules as rules
from course.services.misconception_rules import LessonInfo
from course.services.questions import question_for
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import latest_changes
from course.store.classes import Membership
from course.store.content import ContentFile, LessonRow, QuestionRevision, QuestionRow, QuizRow
from course.store.users import User


@dataclass(frozen=True)
class QuestionRef:
    id: int
    slug: str
    quiz: QuizRow
    question: AnyQuestion


@dataclass(frozen=True)
class GivenAnswer:
    user_id: int
    question: QuestionRef
    answered_at: datetime
    seen: rules.Seen


def course_yaml(session: Session, course_id: str) -> bytes | None:
    """The served ``course.yaml`` (its newest version; None if removed or absent), read
    alone: the results page must not load every lesson's text for it."""
    return session.scalar(
        select(ContentFile.data)
        .where(ContentFile.course_id == course_id, ContentFile.path == "course.yaml")
        .order_by(ContentFile.revision.desc())
        .limit(1)
    )


def lessons_of(session: Session, course_id: str) -> dict[str, LessonInfo]:
    rows = session.execute(
        select(LessonRow.slug, LessonRow.title, LessonRow.toc).where(
            LessonRow.course_id == course_id
        )
    ).all()
    return {
        slug: LessonInfo(slug, title, tuple((str(t), str(a)) for _lvl, t, a in toc or []))
        for slug, title, toc in rows
    }


def questions_of(session: Session, quizzes: list[QuizRow]) -> dict[int, QuestionRef]:
    by_id = {q.id: q for q in quizzes}
    rows = session.execute(
        select(QuestionRow.id, QuestionRow.slug, QuestionRow.quiz_id)
        .where(QuestionRow.quiz_id.in_(list(by_id)), QuestionRow.retired_at.is_(None))
        .order_by(QuestionRow.quiz_id, QuestionRow.position)
    ).all()
    newest = (
        select(func.max(QuestionRevision.id))
        .where(QuestionRevision.question_id.in_([r.id for r in rows]))
        .group_by(QuestionRevision.question_id)
    )
    revisions = {
        qid: (rid, definition)
        for rid, qid, definition in session.execute(
            select(
                QuestionRevision.id, QuestionRevision.question_id, QuestionRevision.definition
            ).where(QuestionRevision.id.in_(newest))
        )
    }
    found = {}
    for qid, slug, quiz_id in rows:
        if qid in revisions:
            rid, definition = revisions[qid]
            typed = question_for(session, rid, definition)
            found[qid] = QuestionRef(qid, slug, by_id[quiz_id], typed)
    return found


def class_answers(
    session: Session, class_id: int, questions: dict[int, QuestionRef]
) -> list[GivenAnswer]:
    members = select(Membership.user_id).where(Membership.class_id == class_id)
    current = latest_changes()
    rows = session.execute(
        select(
            Attempt.user_id,
            Response.question_id,
            Response.raw,
            func.coalesce(current.c.score, Response.score),
            Response.answered_at,
        )
        .join(Attempt, Attempt.id == Response.attempt_id)
        .outerjoin(current, current.c.response_id == Response.id)
        .where(
            Attempt.status == AttemptStatus.SUBMITTED,
            Attempt.user_id.in_(members),
            Response.question_id.in_(list(questions)),
        )
        .order_by(Response.answered_at, Response.id)
    ).all()
    return [
        GivenAnswer(user, questions[qid], at, rules.seen_in(questions[qid].question, raw, score))
        for user, qid, raw, score, at in rows
    ]


def names_of(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.email).where(User.id.in_(user_ids))
    )
    return {uid: name or email for uid, name, email in rows}
