"""Regrade stored answers against the newest version of their questions.

An instructor who fixes a wrong answer key syncs the content, then regrades: every
stored response is graded again from the raw answer the learner gave, attempt totals
and pass marks are recomputed, and the report says whose scores changed.

The response rows are never modified: each changed score appends a ``ScoreChange``
(who, when, old, new, why), which the learner and the instructor see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.errors import InvalidInput, NotFound
from course.grading.registry import grade_response
from course.grading.result import FormatError, Grade, ResponseRejected
from course.services import audit
from course.services import questions as qs
from course.services.audit import Actor, CurrentGrade, current_grades
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import ChangeKind, ScoreChange, changes_for_attempts
from course.store.content import QuestionRevision, QuestionRow, QuizRow
from course.store.users import User


@dataclass(frozen=True)
class Change:
    email: str
    attempt_id: int
    question: str
    old_score: float
    new_score: float
    old_passed: bool
    new_passed: bool


@dataclass(frozen=True)
class RegradeReport:
    checked: int
    changes: tuple[Change, ...]
    unreadable: int  # stored answers the new version cannot read (kept as they were)
    # Scores the new version would lower, kept as they were (``Request.allow_lower``
    # False): (email, attempt id, question, score kept, score the new version gives).
    kept: tuple[tuple[str, int, str, float, float], ...] = ()
    # attempt id → (the learner's display name, the attempt's number as they count it),
    # for the attempts of ``changes`` and ``kept``.
    learners: Mapping[int, tuple[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """Who regrades, when and why (written into every score change's audit row)."""

    actor: Actor
    now: datetime
    reason: str
    allow_lower: bool = True  # False: a score the new version lowers keeps its old value
    kind: ChangeKind = ChangeKind.REGRADE  # as the audit rows record it


def regrade(
    session: Session,
    course_id: str,
    quiz_slug: str,
    question_slug: str | None = None,
    dry_run: bool = False,
    *,
    request: Request,
) -> RegradeReport:
    """Grade every stored answer of a quiz (or one question) again with the newest revision.

    Raises:
        NotFound: no such quiz or question.
        InvalidInput: no reason given.
    """
    if not request.reason.strip():
        raise InvalidInput("Say why you regrade (--reason): learners see it beside the change.")
    with session.begin():
        return _regrade(session, course_id, quiz_slug, question_slug, dry_run, request)


def _regrade(
    session: Session,
    course_id: str,
    quiz_slug: str,
    question_slug: str | None,
    dry_run: bool,
    request: Request,
) -> RegradeReport:
    quiz = session.scalar(
        select(QuizRow).where(QuizRow.course_id == course_id, QuizRow.slug == quiz_slug)
    )
    if quiz is None:
        raise NotFound(f"No quiz '{quiz_slug}' in course '{course_id}'.")
    query = select(QuestionRow).where(QuestionRow.quiz_id == quiz.id)
    if question_slug is not None:
        query = query.where(QuestionRow.slug == question_slug)
    rows = session.scalars(query).all()
    if not rows:
        raise NotFound(f"No question '{question_slug}' in quiz '{quiz_slug}'.")
    latest = dict(
        session.execute(
            select(QuestionRevision.question_id, func.max(QuestionRevision.id))
            .where(QuestionRevision.question_id.in_([r.id for r in rows]))
            .group_by(QuestionRevision.question_id)
        ).all()
    )
    by_id = {r.id: r for r in rows}
    responses = session.execute(
        select(Response, Attempt, User.email, User.display_name)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .where(Response.question_id.in_(list(by_id)))
        .order_by(Response.id)
    ).all()
    history = changes_for_attempts(session, sorted({a.id for _r, a, _e, _n in responses}))
    current = current_grades(history)
    newest = {c.response_id: c for c in history}
    kept_rows: list[tuple[Response, CurrentGrade]] = []
    regraded: list[tuple[Response, Attempt, str, Grade, int]] = []
    kept: list[tuple[str, int, str, float, float]] = []
    unreadable = 0
    learners: dict[int, tuple[str, int]] = {}
    for response, attempt, email, name in responses:
        if response.raw is None:
            continue  # left blank: still no answer
        row = by_id[response.question_id]
        question = qs.question_for(session, latest[row.id], row.definition)
        try:
            grade = grade_response(question, response.raw)
        except ResponseRejected:
            grade = FormatError("rejected")
        if isinstance(grade, FormatError):
            unreadable += 1
            continue
        now = _grade_of(response, current)
        if not request.allow_lower and grade.points < now.points - 1e-9:
            kept.append((email, attempt.id, row.slug, now.score, grade.score))
            learners[attempt.id] = (name, attempt.number)
            kept_rows.append((response, now))
        elif abs(grade.score - now.score) > 1e-9 or grade.max_points != now.max_points:
            regraded.append((response, attempt, email, grade, latest[row.id]))
            learners[attempt.id] = (name, attempt.number)
    changes = _apply(session, quiz, regraded, by_id, current, dry_run, request)
    if not dry_run:
        _record_kept(session, kept_rows, newest, request)
    return RegradeReport(len(responses), tuple(changes), unreadable, tuple(kept), learners)


def _already_kept(newest: ScoreChange | None) -> bool:
    """The response's newest change is already a kept score (a regrade run again)."""
    return (
        newest is not None
        and newest.kind is ChangeKind.REGRADE
        and abs(newest.new_score - newest.old_score) <= 1e-9
    )


def _record_kept(
    session: Session,
    kept: list[tuple[Response, CurrentGrade]],
    newest: dict[int, ScoreChange],
    request: Request,
) -> None:
    """Scores the new key would lower, kept: an audit row each with the same old and
    new score, so the learner sees that the key changed and their score stayed (once,
    however often the regrade runs). It records no revision: the grade is still the one
    of the revision they answered."""
    for response, now in kept:
        if _already_kept(newest.get(response.id)):
            continue
        audit.record(
            session,
            request.now,
            response,
            now,
            now,
            kind=request.kind,
            actor=request.actor,
            reason=f"{request.reason} (the new key gives less; your score was kept)",
        )


def _grade_of(response: Response, current: dict[int, CurrentGrade]) -> CurrentGrade:
    found = current.get(response.id)
    if found is not None:
        return found
    return CurrentGrade(response.score, response.points, response.max_points, response.feedback)


def _apply(
    session: Session,
    quiz: QuizRow,
    regraded: list[tuple[Response, Attempt, str, Grade, int]],
    by_id: dict[int, QuestionRow],
    current: dict[int, CurrentGrade],
    dry_run: bool,
    request: Request,
) -> list[Change]:
    """New totals for each affected attempt; stored unless ``dry_run``."""
    new_points = {r.id: g.points for r, _a, _e, g, _rev in regraded}
    attempts = {a.id: a for _r, a, _e, _g, _rev in regraded}
    pass_mark = float(quiz.settings["pass_mark"])
    passed: dict[int, tuple[bool, bool]] = {}  # attempt id → (before, after)
    totals: dict[int, float] = {}
    for attempt in attempts.values():
        rows = session.scalars(select(Response).where(Response.attempt_id == attempt.id)).all()
        totals[attempt.id] = sum(new_points.get(r.id, _grade_of(r, current).points) for r in rows)
        after = audit.passes(totals[attempt.id], attempt.max_points, pass_mark)
        passed[attempt.id] = (attempt.passed, after)
    changes = [
        Change(
            email,
            attempt.id,
            by_id[response.question_id].slug,
            _grade_of(response, current).score,
            grade.score,
            *passed[attempt.id],
        )
        for response, attempt, email, grade, _rev in regraded
    ]
    if dry_run:
        return changes
    for response, _attempt, _email, grade, revision in regraded:
        new = CurrentGrade(grade.score, grade.points, grade.max_points, qs.feedback_json(grade))
        audit.record(
            session,
            request.now,
            response,
            _grade_of(response, current),
            new,
            kind=request.kind,
            actor=request.actor,
            reason=request.reason,
            revision_id=revision,
        )
    for attempt in attempts.values():
        if attempt.status is AttemptStatus.SUBMITTED:
            attempt.points, attempt.passed = totals[attempt.id], passed[attempt.id][1]
    return changes
