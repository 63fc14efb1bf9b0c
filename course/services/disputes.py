"""Disputes: a learner says "I think my answer should count"; an instructor settles it.

A learner disputes their own graded answers only (an attempt that is not theirs is
404), one open dispute per answer and none again once one was declined (the learner
asks the instructor directly then), at most ``DISPUTES_PER_LEARNER`` in 24 hours. The
instructors who run a class of the course that the learner is in (and administrators)
settle it three ways:

- **accept for everyone**: a typed answer joins the answer key as a new content
  version, and every stored answer to the question is regraded with audit rows, never
  lowering a score (``services.keyfix.accept_answer``);
- **accept for this learner**: a ``ScoreChange`` of kind ``dispute`` gives this answer
  full credit; the key is unchanged;
- **decline** with a reply.

Scores change only by appending audit rows; the response is never modified. The
learner sees the outcome and the reply on their results page, never another learner's
answer. The instructor's pages (inbox, detail with the grading trace and similar
answers) are in :mod:`course.services.dispute_views`.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.content.model import TextQuestion
from course.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from course.services import audit, keyfix, throttle
from course.services import questions as qs
from course.services.audit import CurrentGrade, current_grades
from course.services.authz import Actor, require_staff, teaches_learner
from course.services.drafts import position_key
from course.services.limits import DISPUTES_PER_LEARNER
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import ChangeKind, changes_for_attempts
from course.store.classes import ClassRow, Membership
from course.store.content import QuestionRevision, QuizRow
from course.store.disputes import Dispute, DisputeStatus
from course.store.engine import read_only
from course.store.users import Role, User

MAX_COMMENT = 500
MAX_REPLY = 1_000

STATUS_LABELS = {
    DisputeStatus.OPEN: "Waiting for your instructor",
    DisputeStatus.ACCEPTED_FOR_ALL: "Accepted: the answer key now counts this answer",
    DisputeStatus.ACCEPTED: "Accepted: your answer counts",
    DisputeStatus.DECLINED: "Declined",
}


class Resolution(enum.StrEnum):
    FOR_EVERYONE = "everyone"
    FOR_LEARNER = "learner"
    DECLINE = "decline"


@dataclass(frozen=True)
class LearnerDispute:
    """A dispute as its learner sees it: their words, the outcome, the reply."""

    status: DisputeStatus
    comment: str
    reply: str
    created_at: datetime
    resolved_at: datetime | None
    resolver: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class DisputeDraft:
    """A dispute form the service refused, shown again under its answer with the
    learner's words kept and the reason (filled in by the web layer)."""

    key: str
    comment: str
    error: str


@dataclass(frozen=True)
class AttemptDisputes:
    """The learner's disputes in one attempt, by question key (every dispute of the
    answer, newest first), the keys of the answers they may dispute now, those whose
    dispute was declined (never disputed again), and, when the daily limit is used
    up, why the form is not offered."""

    by_key: dict[str, tuple[LearnerDispute, ...]]
    can_dispute: frozenset[str]
    declined: frozenset[str] = frozenset()
    limit_reached: str | None = None
    draft: DisputeDraft | None = None


def wait_in_words(seconds: int) -> str:
    """A wait, humanized: "about 23 hours", "about 1 hour 20 minutes", "5 minutes"."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    hours, rest = divmod(minutes, 60)
    if hours >= 2:
        hours += 1 if rest >= 30 else 0
        return f"about {hours} hours"
    return f"about 1 hour {rest} minutes" if rest else "about 1 hour"


def limit_message(seconds: int) -> str:
    """What a learner who used up the daily disputes reads."""
    n = DISPUTES_PER_LEARNER.free
    return f"You have sent {n} disputes today; you can send more in {wait_in_words(seconds)}."


def _clean(text: str, limit: int, what: str, field: str) -> str:
    cleaned = text.strip()
    if len(cleaned) > limit:
        raise InvalidInput(
            f"Keep the {what} to {limit} characters (it has {len(cleaned)}).", field=field
        )
    return cleaned


def _owned_attempt(session: Session, user_id: int, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound("No such attempt.")
    return attempt


def for_attempt(session: Session, now: datetime, user_id: int, attempt_id: int) -> AttemptDisputes:
    """What the results page shows of disputes: the learner's own, nobody else's."""
    with session.begin():
        read_only(session)
        attempt = _owned_attempt(session, user_id, attempt_id)
        keys = {qid: position_key(i) for i, qid in enumerate(attempt.question_ids)}
        rows = session.scalars(
            select(Dispute).where(Dispute.attempt_id == attempt.id).order_by(Dispute.id.desc())
        ).all()
        by_key: dict[str, tuple[LearnerDispute, ...]] = {}
        for d in rows:
            if d.question_id in keys:
                seen = LearnerDispute(
                    d.status, d.comment, d.reply, d.created_at, d.resolved_at, d.resolver
                )
                by_key[keys[d.question_id]] = (*by_key.get(keys[d.question_id], ()), seen)
        responses = session.scalars(select(Response).where(Response.attempt_id == attempt.id))
        grades = current_grades(changes_for_attempts(session, [attempt.id]))
        open_ones = {keys[d.question_id] for d in rows if d.status is DisputeStatus.OPEN}
        declined = frozenset(
            keys[d.question_id]
            for d in rows
            if d.status is DisputeStatus.DECLINED and d.question_id in keys
        )
        allowed = frozenset(
            keys[r.question_id]
            for r in responses
            if attempt.status is AttemptStatus.SUBMITTED
            and r.question_id in keys
            and r.raw is not None
            and _grade(r, grades).score < 1.0 - 1e-9
            and keys[r.question_id] not in open_ones
            and keys[r.question_id] not in declined
        )
        wait = throttle.refused_for(session, _limit_key(user_id), DISPUTES_PER_LEARNER, now)
        refused = limit_message(wait) if wait is not None else None
        if allowed and refused is None:
            quiz = session.get(QuizRow, attempt.quiz_id)
            if quiz is not None and not _someone_answers(session, user_id, quiz.course_id):
                refused = NOBODY_ANSWERS
    return AttemptDisputes(by_key, allowed, declined, refused)


# Said instead of the form when nobody could answer a dispute (see _someone_answers).
NOBODY_ANSWERS = (
    "Disputes go to the instructor of your class for this course, and you are not in one: "
    "join your instructor's class (ask them for the join code), then you can send one."
)


def _someone_answers(session: Session, user_id: int, course_id: str) -> bool:
    """Would anyone see this learner's dispute of ``course_id``? The instructor of a class
    of that course the learner is in, or an administrator (who sees every dispute)."""
    in_class = session.scalar(
        select(Membership.id)
        .join(ClassRow, ClassRow.id == Membership.class_id)
        .where(Membership.user_id == user_id, ClassRow.course_id == course_id)
        .limit(1)
    )
    if in_class is not None:
        return True
    return session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)) is not None


def _limit_key(user_id: int) -> str:
    return f"dispute:user:{user_id}"


def _grade(response: Response, grades: dict[int, CurrentGrade]) -> CurrentGrade:
    found = grades.get(response.id)
    if found is not None:
        return found
    return CurrentGrade(response.score, response.points, response.max_points, response.feedback)


def open_dispute(
    session: Session, now: datetime, actor: Actor, attempt_id: int, position: int, comment: str
) -> int:
    """The learner disputes their graded answer at ``position`` (1-based) of an attempt.

    Returns:
        The new dispute's id.

    Raises:
        NotFound: not the actor's attempt, or no such question in it.
        InvalidInput: no comment, or one too long.
        Conflict: the attempt is not submitted, the answer is blank or already has full
            credit, or a dispute of it is still open.
        TooManyRequests: too many disputes today.
    """
    text = _clean(comment, MAX_COMMENT, "comment", "comment")
    if not text:
        raise InvalidInput("Say in a few words why your answer should count.", field="comment")
    try:
        with session.begin():
            attempt = _owned_attempt(session, actor.id, attempt_id)
            if not 1 <= position <= len(attempt.question_ids):
                raise NotFound("No such question in this attempt.")
            question_id = attempt.question_ids[position - 1]
            response = session.scalar(
                select(Response).where(
                    Response.attempt_id == attempt.id, Response.question_id == question_id
                )
            )
            _check_disputable(session, attempt, response)
            assert response is not None
            quiz = session.get(QuizRow, attempt.quiz_id)
            assert quiz is not None
            if not _someone_answers(session, actor.id, quiz.course_id):
                raise Conflict(NOBODY_ANSWERS)
            try:
                throttle.take(session, _limit_key(actor.id), DISPUTES_PER_LEARNER, now)
            except TooManyRequests as exc:
                raise TooManyRequests(limit_message(exc.retry_after), exc.retry_after) from exc
            dispute = Dispute(
                response_id=response.id,
                attempt_id=attempt.id,
                user_id=actor.id,
                question_id=question_id,
                revision_id=response.revision_id,
                course_id=quiz.course_id,
                comment=text,
                created_at=now,
                status=DisputeStatus.OPEN,
                open_response_id=response.id,
            )
            session.add(dispute)
            session.flush()
            return dispute.id
    except IntegrityError as exc:  # a racing request opened one first
        raise Conflict("This answer is already disputed; wait for the reply.") from exc


def _check_disputable(session: Session, attempt: Attempt, response: Response | None) -> None:
    if attempt.status is not AttemptStatus.SUBMITTED:
        raise Conflict("Finish the attempt first; then you can dispute a graded answer.")
    if response is None or response.raw is None:
        raise Conflict("That question was left blank: there is no answer to count.")
    grades = current_grades(changes_for_attempts(session, [attempt.id]))
    if _grade(response, grades).score >= 1.0 - 1e-9:
        raise Conflict("That answer already has full credit.")
    pending = session.scalar(select(Dispute.id).where(Dispute.open_response_id == response.id))
    if pending is not None:
        raise Conflict("This answer is already disputed; wait for the reply.")
    declined = session.scalars(
        select(Dispute)
        .where(Dispute.response_id == response.id, Dispute.status == DisputeStatus.DECLINED)
        .order_by(Dispute.id.desc())
        .limit(1)
    ).first()
    if declined is not None and declined.resolved_at is not None:
        raise Conflict(
            f"Your dispute of this answer was declined on "
            f"{declined.resolved_at:%d %b %Y} by {declined.resolver or 'your instructor'}; "
            "ask your instructor directly."
        )


@dataclass(frozen=True)
class Settled:
    """What settling a dispute did."""

    status: DisputeStatus
    score_changed: bool
    also_settled: int = 0  # other open disputes the key fix settled
    regraded: int = 0  # answers the key fix regraded


def handled_dispute(session: Session, actor: Actor, dispute_id: int) -> Dispute:
    """The dispute, if the actor may settle it (else 404: ids cannot be probed)."""
    require_staff(actor)
    dispute = session.get(Dispute, dispute_id)
    if dispute is None or not teaches_learner(session, actor, dispute.user_id, dispute.course_id):
        raise NotFound("No such dispute.")
    return dispute


def _label(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.id)
    return user.email if user is not None else f"user {actor.id}"


def resolve(
    session: Session,
    now: datetime,
    actor: Actor,
    dispute_id: int,
    resolution: Resolution,
    reply: str,
) -> Settled:
    """Settle an open dispute (see the module docstring for the three ways).

    Raises:
        PermissionDenied: a learner. NotFound: not a dispute of the actor's learners.
        Conflict: already settled. InvalidInput: a decline without a reply, a reply too
            long, or "for everyone" on a question whose key cannot take a typed answer.
        ContentInvalid: the key fix would not validate (nothing changed).
    """
    text = _clean(reply, MAX_REPLY, "reply", "reply")
    if resolution is Resolution.DECLINE and not text:
        raise InvalidInput("Say why you decline: the learner reads it.", field="reply")
    if resolution is Resolution.FOR_EVERYONE:
        return _accept_for_everyone(session, now, actor, dispute_id, text)
    with session.begin():
        dispute = handled_dispute(session, actor, dispute_id)
        status = (
            DisputeStatus.DECLINED if resolution is Resolution.DECLINE else DisputeStatus.ACCEPTED
        )
        _settle(session, now, actor, dispute, status, text)
        changed = False
        if resolution is Resolution.FOR_LEARNER:
            why = _reason("Dispute accepted for this answer", text)
            changed = _credit(session, now, actor, dispute.response_id, why)
    return Settled(status, changed)


def _claim(
    session: Session,
    now: datetime,
    actor: Actor,
    dispute: Dispute,
    status: DisputeStatus,
    reply: str,
) -> bool:
    """Settle ``dispute`` if still open (a conditional update: of two instructors
    settling at once, one wins); whether this call settled it."""
    done = session.execute(
        update(Dispute)
        .where(Dispute.id == dispute.id, Dispute.status == DisputeStatus.OPEN)
        .values(
            status=status,
            open_response_id=None,
            reply=reply,
            resolved_at=now,
            resolver_id=actor.id,
            resolver=_label(session, actor)[:200],
        )
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def _settle(
    session: Session,
    now: datetime,
    actor: Actor,
    dispute: Dispute,
    status: DisputeStatus,
    reply: str,
) -> None:
    if not _claim(session, now, actor, dispute, status, reply):
        raise Conflict("This dispute was already settled; reload the page to see how.")


def _credit(session: Session, now: datetime, actor: Actor, response_id: int, why: str) -> bool:
    """Full credit for one response (a ``dispute`` audit row) and the attempt's total
    again; False when it already had full credit."""
    response = session.get(Response, response_id)
    assert response is not None
    changes = changes_for_attempts(session, [response.attempt_id])
    before = _grade(response, current_grades(changes))
    if before.score >= 1.0 - 1e-9:
        return False
    feedback = [{"kind": "correct", "text": "Counted as correct after your dispute."}]
    feedback += [f for f in before.feedback[1:] if f.get("kind") not in ("near_miss",)]
    after = CurrentGrade(1.0, before.max_points, before.max_points, feedback)
    audit.record(
        session,
        now,
        response,
        before,
        after,
        kind=ChangeKind.DISPUTE,
        actor=audit.Actor(_label(session, actor), actor.id),
        reason=why,
    )
    session.flush()
    _retotal(session, response.attempt_id)
    return True


def _retotal(session: Session, attempt_id: int) -> None:
    """The attempt's points and pass mark from its responses' current grades."""
    attempt = session.get(Attempt, attempt_id)
    assert attempt is not None
    quiz = session.get(QuizRow, attempt.quiz_id)
    assert quiz is not None
    grades = current_grades(changes_for_attempts(session, [attempt_id]))
    rows = session.scalars(select(Response).where(Response.attempt_id == attempt_id))
    attempt.points = sum(_grade(r, grades).points for r in rows)
    pass_mark = float(quiz.settings["pass_mark"])
    attempt.passed = audit.passes(attempt.points, attempt.max_points, pass_mark)


def _accept_for_everyone(
    session: Session, now: datetime, actor: Actor, dispute_id: int, reply: str
) -> Settled:
    with session.begin():
        dispute = handled_dispute(session, actor, dispute_id)
        if dispute.status is not DisputeStatus.OPEN:
            raise Conflict("This dispute was already settled; reload the page to see how.")
        response = session.get(Response, dispute.response_id)
        assert response is not None
        definition = session.scalar(
            select(QuestionRevision.definition).where(QuestionRevision.id == dispute.revision_id)
        )
        assert definition is not None
        question = qs.question_for(session, dispute.revision_id, definition)
        if not isinstance(question, TextQuestion) or not isinstance(
            typed := _typed(response.raw), str
        ):
            raise InvalidInput(
                "Only a typed answer to a text question can be added to the key; accept it "
                "for this learner, or fix the key in the quiz file."
            )
        course_id, question_id, response_id = (
            dispute.course_id,
            dispute.question_id,
            dispute.response_id,
        )
    why = _reason(
        f"Dispute accepted: “{typed.strip()}” added to the answer key for everyone", reply
    )
    report = keyfix.accept_answer(
        session, actor, course_id, question_id, typed, now=now, reason=why
    )
    with session.begin():
        dispute = handled_dispute(session, actor, dispute_id)
        # The key is fixed either way; if another instructor settled it meanwhile, their
        # outcome and reply stand.
        _claim(session, now, actor, dispute, DisputeStatus.ACCEPTED_FOR_ALL, reply)
        # The key fix may not reach this answer (a regrade that finds it unreadable):
        # the learner who asked still gets the credit.
        changed = _credit(session, now, actor, response_id, why)
        others = _settle_fixed(session, now, actor, question_id, reply)
    return Settled(
        DisputeStatus.ACCEPTED_FOR_ALL,
        changed or bool(report.raised),
        others,
        len(report.regrade.changes),
    )


def _reason(what: str, reply: str) -> str:
    """The audit row's reason: what was done, then the instructor's reply."""
    return f"{what}. {reply}" if reply else f"{what}."


def _typed(raw: object) -> str | None:
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    return raw if isinstance(raw, str) else None


def _settle_fixed(
    session: Session, now: datetime, actor: Actor, question_id: int, reply: str
) -> int:
    """Other open disputes of the question whose answers the fixed key now accepts."""
    pending = session.scalars(
        select(Dispute).where(
            Dispute.question_id == question_id, Dispute.status == DisputeStatus.OPEN
        )
    ).all()
    settled = 0
    for other in pending:
        response = session.get(Response, other.response_id)
        assert response is not None
        grades = current_grades(changes_for_attempts(session, [response.attempt_id]))
        if _grade(response, grades).score >= 1.0 - 1e-9 and _claim(
            session, now, actor, other, DisputeStatus.ACCEPTED_FOR_ALL, reply
        ):
            settled += 1
    return settled
