"""The one answer pipeline: grade → rating → card → log, inside the caller's transaction.

Immediate quiz answers, end-of-quiz answers and review answers all come through
:func:`grade` and :func:`record_review`; the callers differ only in what they store
beside (a response row for a quiz answer, nothing for a review answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.content.model import AnyQuestion
from course.errors import InvalidInput
from course.grading.registry import grade_response
from course.grading.result import FormatError, Grade, ResponseRejected
from course.review.policy import ReviewPolicy, is_leech
from course.review.rating import Confidence, Rating, quick_threshold_ms, rating_for
from course.review.scheduler import DEFAULT_PARAMETERS, CardPhase, CardState, review
from course.store import review as store
from course.store.content import CourseRow
from course.store.review import ReviewSource, Suspension


@dataclass(frozen=True)
class CourseReview:
    """A course's review settings, as the answer path needs them."""

    course_id: str
    desired_retention: float = 0.9
    policy: ReviewPolicy = field(default_factory=ReviewPolicy)


def course_review(session: Session, course_id: str) -> CourseReview:
    """The review settings of a course (the defaults for an unknown course)."""
    row = session.execute(
        select(
            CourseRow.desired_retention,
            CourseRow.learning_steps,
            CourseRow.relearning_steps,
            CourseRow.learn_ahead_minutes,
            CourseRow.leech_lapses,
        ).where(CourseRow.id == course_id)
    ).one_or_none()
    if row is None:
        return CourseReview(course_id)
    return CourseReview(course_id, row[0], ReviewPolicy.from_minutes(*row[1:]))


def grade(question: AnyQuestion, raw: Any | FormatError) -> Grade | FormatError:
    """Grade a parsed response; a forged one is refused (400), never stored."""
    if isinstance(raw, FormatError):
        return raw
    try:
        return grade_response(question, raw)
    except ResponseRejected as exc:
        raise InvalidInput(f"The answer could not be accepted: {exc}.") from exc


def state_of(card: Any) -> CardState:
    """The memory state of a stored card row."""
    return CardState(
        card.state, card.step, card.stability, card.difficulty, card.due, card.last_review
    )


def is_lapse(rating: Rating, before: CardState | None) -> bool:
    """A lapse is forgetting a card that was known: a miss at the first answer or in
    review. Misses during (re)learning steps are not lapses (Anki counts the same way),
    so one bad afternoon does not make a leech."""
    return rating is Rating.AGAIN and (before is None or before.state == CardPhase.REVIEW)


@dataclass(frozen=True)
class Recorded:
    """A review as stored."""

    card_id: int
    log_id: int
    rating: Rating
    due: datetime
    suspended: bool  # the card just became a leech and left the queue


LOOK_UP: Any = object()
"""``card=LOOK_UP``: read the learner's card (the caller has not read it already)."""


@dataclass(frozen=True)
class PlannedReview:
    """A review computed but not yet stored (see :func:`store_review`)."""

    card_id: int | None  # None: the answer creates the card
    card: dict[str, Any]  # the card's columns to write
    expected_reps: int | None  # update only if the card still has this many reviews
    log: dict[str, Any]  # the review log row, without its card id
    rating: Rating
    due: datetime
    suspended: bool


def plan_review(
    session: Session,
    now: datetime,
    course: CourseReview,
    *,
    user_id: int,
    question_id: int,
    score: float,
    confidence: Confidence | None,
    duration_ms: int,
    source: ReviewSource,
    fuzz: bool = True,
    card: Any = LOOK_UP,
    expected_reps: int | None = None,
) -> PlannedReview:
    """Rate the answer and schedule the learner's card, writing nothing.

    ``card`` is the card row the caller read (None: the learner has none yet), or
    ``LOOK_UP``. Reads at most the course's parameters (cached) and, for a quick sure
    answer, the learner's recent durations.
    """
    if card is LOOK_UP:
        card = store.card_for(session, user_id, question_id)
    quick = 0
    if score >= 1.0 and confidence is Confidence.SURE:
        quick = quick_threshold_ms(store.recent_durations(session, user_id))
    rating = rating_for(score, confidence, duration_ms, quick)
    before = state_of(card) if card is not None else None
    new = _reviewed(session, course, card.id if card else 0, before, rating, now, duration_ms, fuzz)
    lapse = is_lapse(rating, before)
    lapses = (card.lapses if card is not None else 0) + lapse
    leech = lapse and is_leech(lapses, course.policy.leech_lapses)
    values: dict[str, Any] = {**_columns(new), "lapses": lapses}
    if leech:
        values["suspended"] = Suspension.LEECH
    if card is None:
        values.update(
            user_id=user_id,
            question_id=question_id,
            course_id=course.course_id,
            reps=1,
            introduced_at=now if source is ReviewSource.REVIEW else None,
            active=True,
        )
    else:
        values["reps"] = card.reps + 1
        if source is ReviewSource.REVIEW and card.introduced_at is None:
            values["introduced_at"] = now
    log = {
        "user_id": user_id,
        "course_id": course.course_id,
        "rating": int(rating),
        "reviewed_at": now,
        "duration_ms": duration_ms,
        "source": source,
        "score": score,
        "confidence": confidence.value if confidence else None,
        **_previous(before),
    }
    assert new.due is not None
    return PlannedReview(
        card.id if card is not None else None, values, expected_reps, log, rating, new.due, leech
    )


def store_review(
    session: Session, plan: PlannedReview, *, unsuspended: bool = False
) -> Recorded | None:
    """Write a planned review: the card (inserted or updated) and its log row.

    Returns None, writing nothing, when the card no longer has ``expected_reps``
    reviews (someone reviewed it meanwhile), or with ``unsuspended`` when it has been
    set aside meanwhile. A card created meanwhile makes the insert fail with
    IntegrityError (the (user, question) pair is unique).
    """
    if plan.card_id is None:
        card_id = store.insert_card(session, plan.card)
    else:
        card_id = plan.card_id
        if not store.update_card(
            session, card_id, plan.card, plan.expected_reps, unsuspended=unsuspended
        ):
            return None
    log_id = store.insert_log(session, {**plan.log, "card_id": card_id})
    return Recorded(card_id, log_id, plan.rating, plan.due, plan.suspended)


def record_review(
    session: Session,
    now: datetime,
    course: CourseReview,
    *,
    user_id: int,
    question_id: int,
    score: float,
    confidence: Confidence | None,
    duration_ms: int,
    source: ReviewSource,
    fuzz: bool = True,
    card: Any = LOOK_UP,
    expected_reps: int | None = None,
) -> Recorded | None:
    """Review the learner's card for a question (creating it at the first answer).

    Returns None when ``expected_reps`` no longer matches (a concurrent double submit);
    nothing is written then.
    """
    plan = plan_review(
        session,
        now,
        course,
        user_id=user_id,
        question_id=question_id,
        score=score,
        confidence=confidence,
        duration_ms=duration_ms,
        source=source,
        fuzz=fuzz,
        card=card,
        expected_reps=expected_reps,
    )
    return store_review(session, plan)


def _reviewed(
    session: Session,
    course: CourseReview,
    card_id: int,
    before: CardState | None,
    rating: Rating,
    now: datetime,
    duration_ms: int,
    fuzz: bool,
) -> CardState:
    parameters = store.course_parameters(session, course.course_id) or DEFAULT_PARAMETERS
    new, _event = review(
        card_id,
        before or CardState(due=now),
        rating,
        now,
        parameters=parameters,
        desired_retention=course.desired_retention,
        fuzz=fuzz,
        duration_ms=duration_ms,
        policy=course.policy,
    )
    return new


def _columns(state: CardState) -> dict[str, Any]:
    return {
        "state": state.state,
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": state.due,
        "last_review": state.last_review,
    }


def _previous(before: CardState | None) -> dict[str, Any]:
    if before is None:
        return {}
    return {f"prev_{name}": value for name, value in _columns(before).items()}


def previous_state(log: Any) -> CardState | None:
    """The card's state before a logged review (None: the review created the card)."""
    if log.prev_state is None:
        return None
    return CardState(
        log.prev_state,
        log.prev_step,
        log.prev_stability,
        log.prev_difficulty,
        log.prev_due,
        log.prev_last_review,
    )


def rerate(
    session: Session, course: CourseReview, card: Any, log: Any, rating: Rating, fuzz: bool = True
) -> Recorded:
    """Replace a logged review's rating: the card is recomputed from its state before
    that review, at the review's own time; the log row is updated, not duplicated."""
    before = previous_state(log)
    old_lapse = is_lapse(Rating(log.rating), before)
    new = _reviewed(
        session, course, card.id, before, rating, log.reviewed_at, log.duration_ms, fuzz
    )
    lapse = is_lapse(rating, before)
    lapses = card.lapses - old_lapse + lapse
    leech = lapse and is_leech(lapses, course.policy.leech_lapses)
    store.update_card(
        session,
        card.id,
        {**_columns(new), "lapses": lapses, "suspended": Suspension.LEECH if leech else None},
    )
    store.update_log_rating(session, log.id, int(rating))
    assert new.due is not None
    return Recorded(card.id, log.id, rating, new.due, leech)


def undo(session: Session, card: Any, log: Any) -> None:
    """Restore the card exactly as it was before a logged review and delete the log."""
    before = previous_state(log)
    assert before is not None
    lapse = is_lapse(Rating(log.rating), before)
    values: dict[str, Any] = {
        **_columns(before),
        "reps": card.reps - 1,
        "lapses": card.lapses - lapse,
        "suspended": None,
    }
    if card.introduced_at is not None and card.introduced_at == log.reviewed_at:
        values["introduced_at"] = None
    store.update_card(session, card.id, values)
    store.delete_log(session, log.id)
