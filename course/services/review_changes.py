"""A learner changing their own reviews: re-rate the last answer, undo it, set a card
aside (suspend) or bring it back.

Authorization is here: a card or log that is not the caller's is "not found", never
"forbidden", so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.errors import Conflict, NotFound
from course.review.rating import Rating
from course.services import answering
from course.store import review as store
from course.store.content import QuestionRow, QuizRow
from course.store.review import ReviewCard, ReviewSource, Suspension


@dataclass(frozen=True)
class Rerated:
    """The review after its rating changed."""

    log_id: int
    card_id: int
    rating: Rating
    due: datetime
    leech: bool  # the new rating made the card a leech (it is suspended)
    course_id: str
    lesson_slug: str


def _own_card(session: Session, user_id: int, card_id: int) -> ReviewCard:
    # populate_existing: the answer path updates cards with Core statements.
    card = session.get(ReviewCard, card_id, with_for_update=True, populate_existing=True)
    if card is None or card.user_id != user_id:
        raise NotFound("No such review item.")
    return card


def _lesson_slug(session: Session, question_id: int) -> str:
    slug = session.scalar(
        select(QuizRow.lesson_slug)
        .join(QuestionRow, QuestionRow.quiz_id == QuizRow.id)
        .where(QuestionRow.id == question_id)
    )
    return slug or ""


def _changeable(session: Session, user_id: int, log_id: int) -> tuple[ReviewCard, Any]:
    """The learner's review-page log and its card, if it is still the card's latest."""
    log = store.log_by_id(session, log_id)
    if log is None or log.user_id != user_id:
        raise NotFound("No such review.")
    card = _own_card(session, user_id, log.card_id)
    latest = store.latest_log(session, card.id)
    if (
        log.source is not ReviewSource.REVIEW
        or log.prev_state is None
        or latest is None
        or latest.id != log.id
    ):
        raise Conflict("That review can no longer be changed: the card was reviewed again.")
    return card, log


def rerate(
    session: Session, user_id: int, log_id: int, rating: Rating, fuzz: bool = True
) -> Rerated:
    """Change the rating of the learner's latest review of a card.

    The card is recomputed from its state before that review, at the review's time,
    and the log row is updated: one answer stays one review.

    Raises:
        NotFound: not the caller's review.
        Conflict: the card has been reviewed again since.
    """
    with session.begin():
        card, log = _changeable(session, user_id, log_id)
        course = answering.course_review(session, card.course_id)
        recorded = answering.rerate(session, course, card, log, rating, fuzz)
        return Rerated(
            log.id,
            card.id,
            rating,
            recorded.due,
            recorded.suspended,
            card.course_id,
            _lesson_slug(session, card.question_id),
        )


def undo_last(session: Session, user_id: int, log_id: int | None = None) -> int:
    """Undo the learner's last review-page review (or, given ``log_id``, that review,
    which must still be its card's latest): the card is restored exactly as it was
    before it, and the review is deleted. Returns the card's id.

    Raises:
        NotFound: there is no review to undo (or ``log_id`` is not the caller's).
        Conflict: that card has been reviewed again since (in a quiz).
    """
    with session.begin():
        if log_id is None:
            log = store.latest_review_log(session, user_id)
            if log is None:
                raise NotFound("There is no review to undo.")
            log_id = log.id
        card, log = _changeable(session, user_id, log_id)
        answering.undo(session, card, log)
        return card.id


def set_suspended(session: Session, user_id: int, card_id: int, suspended: bool) -> None:
    """Set a card aside (out of the queue and the forecast) or bring it back.

    Bringing back a leech keeps its lapses: the next lapse suspends it again.

    Raises:
        NotFound: not the caller's card.
    """
    with session.begin():
        card = _own_card(session, user_id, card_id)
        if suspended:
            if card.suspended is None:
                card.suspended = Suspension.LEARNER
        else:
            card.suspended = None


def card_history(session: Session, user_id: int, card_id: int) -> list[tuple[int, datetime]]:
    """(rating, time) of every review of the learner's card, oldest first."""
    with session.begin():
        card = _own_card(session, user_id, card_id)
        return [(log.rating, log.reviewed_at) for log in store.logs_of_card(session, card.id)]
