"""Learning steps, re-rating, undo, confidence and leeches through the services, with
the injected clock."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import fsrs
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import Conflict, NotFound
from course.review.rating import Confidence, Rating
from course.services import classes, dashboard, exports, review_changes, reviews
from course.store.attempts import Response
from course.store.content import CourseRow
from course.store.review import ReviewCard, ReviewLog, Suspension
from tests.factories import (
    answer_next_review,
    bundled_questions,
    make_class,
    make_instructor,
    make_learner,
    make_user,
    take_quiz,
)

QUESTIONS = bundled_questions()
COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review")


def answer_item(
    session: Session, clock: FixedClock, user: int, right: bool = True
) -> reviews.ReviewOutcome:
    outcome = answer_next_review(session, clock, user, right)
    assert outcome is not None and outcome.answer is not None
    return outcome


def card_columns(session: Session, card_id: int) -> dict[str, Any]:
    with session.begin():
        card = session.get(ReviewCard, card_id)
        assert card is not None
        session.refresh(card)
        return {name: getattr(card, name) for name in (*COLUMNS, "reps", "lapses", "suspended")}


def replayed(session: Session, card_id: int) -> dict[str, Any]:
    """The card's state recomputed from its review log by fsrs itself (fuzz off)."""
    with session.begin():
        logs = session.scalars(
            select(ReviewLog).where(ReviewLog.card_id == card_id).order_by(ReviewLog.id)
        ).all()
        scheduler = fsrs.Scheduler(enable_fuzzing=False)
        card = fsrs.Card(card_id=card_id, due=logs[0].reviewed_at)
        for log in logs:
            card, _ = scheduler.review_card(card, fsrs.Rating(log.rating), log.reviewed_at)
        return {
            "state": int(card.state),
            "step": card.step,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "due": card.due,
            "last_review": card.last_review,
        }


def stored(session: Session, card_id: int) -> dict[str, Any]:
    return {k: v for k, v in card_columns(session, card_id).items() if k in COLUMNS}


def log_count(session: Session, **where: Any) -> int:
    with session.begin():
        query = select(func.count()).select_from(ReviewLog)
        for key, value in where.items():
            query = query.where(getattr(ReviewLog, key) == value)
        return session.scalar(query) or 0


@pytest.fixture
def learner(session: Session, clock: FixedClock, synced: None) -> int:
    """A learner who answered the whole quiz right (every card in its second learning
    step, due ten minutes after its answer) and then waited eleven minutes."""
    user = make_user(session, clock, "steps@example.org").id
    take_quiz(session, clock, user, fuzz=False)
    clock.advance(timedelta(minutes=11))
    return user


def to_review(session: Session, clock: FixedClock, *, except_card: int | None = None) -> None:
    """Put the learner's cards in review, due an hour ago (other cards of the queue)."""
    with session.begin():
        query = update(ReviewCard).values(state=2, step=None, due=clock.now() - timedelta(hours=1))
        if except_card is not None:
            query = query.where(ReviewCard.id != except_card)
        session.execute(query)


def test_missed_card_waits_for_its_relearning_step(
    session: Session, clock: FixedClock, learner: int
) -> None:
    to_review(session, clock)
    missed = answer_item(session, clock, learner, right=False)
    assert missed.rating is Rating.AGAIN
    assert missed.due == clock.now() + timedelta(minutes=10)
    # Other due cards come first; the missed one is not offered before its step.
    for _ in range(5):
        clock.advance(timedelta(minutes=1))
        shown = answer_item(session, clock, learner)
        assert shown.card_id != missed.card_id
    clock.advance(timedelta(minutes=4, seconds=59))
    assert reviews.next_item(session, clock.now(), learner).card_id != missed.card_id  # type: ignore[union-attr]
    clock.advance(timedelta(seconds=1))
    # Its step has passed: it is the card least likely to be recalled, so it comes next.
    item = reviews.next_item(session, clock.now(), learner)
    assert item is not None and item.card_id == missed.card_id
    assert item.remaining > 1  # among the other due cards


def test_learn_ahead_and_next_card_in(session: Session, clock: FixedClock, learner: int) -> None:
    to_review(session, clock)
    missed = answer_item(session, clock, learner, right=False)
    with session.begin():  # nothing else due today
        session.execute(
            update(ReviewCard)
            .where(ReviewCard.id != missed.card_id)
            .values(due=clock.now() + timedelta(days=3))
        )
    # Within the learn-ahead limit (20 minutes), but just answered: never twice in a row.
    assert reviews.next_item(session, clock.now(), learner) is None
    assert reviews.summary(session, clock.now(), learner).minutes_to_ready(clock.now()) == 10
    with session.begin():  # another card answered since (in a quiz, say)
        other = session.scalar(select(ReviewLog).where(ReviewLog.card_id != missed.card_id))
        assert other is not None
        other.reviewed_at = clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    # Learned ahead only once it has settled: half its 10-minute step after the answer.
    answered = missed.due - timedelta(minutes=10)
    assert reviews.next_item(session, clock.now(), learner) is None
    assert reviews.summary(session, clock.now(), learner).next_ready == answered + timedelta(
        minutes=5
    )
    clock.advance(answered + timedelta(minutes=5) - clock.now())
    item = reviews.next_item(session, clock.now(), learner)
    assert item is not None and item.card_id == missed.card_id  # learned ahead
    with session.begin():
        session.execute(update(CourseRow).values(learn_ahead_minutes=2))
    assert reviews.next_item(session, clock.now(), learner) is None
    summary = reviews.summary(session, clock.now(), learner)
    assert summary.next_ready == missed.due - timedelta(minutes=2)
    assert summary.minutes_to_ready(clock.now()) == 3
    clock.advance(timedelta(minutes=3))  # 2 minutes left: within the learn-ahead limit
    item = reviews.next_item(session, clock.now(), learner)
    assert item is not None and item.card_id == missed.card_id
    with session.begin():
        session.execute(update(CourseRow).values(learn_ahead_minutes=0))
    assert reviews.next_item(session, clock.now(), learner) is None
    clock.advance(timedelta(minutes=2))
    item = reviews.next_item(session, clock.now(), learner)
    assert item is not None and item.card_id == missed.card_id


def test_steps_are_course_settings(session: Session, clock: FixedClock, learner: int) -> None:
    with session.begin():
        session.execute(update(CourseRow).values(relearning_steps=[30]))
    to_review(session, clock)
    missed = answer_item(session, clock, learner, right=False)
    assert missed.due == clock.now() + timedelta(minutes=30)


def test_rerate_updates_the_one_log_row(session: Session, clock: FixedClock, learner: int) -> None:
    outcome = answer_item(session, clock, learner)
    assert outcome.rating is Rating.GOOD
    before = log_count(session)
    for rating in (Rating.AGAIN, Rating.EASY, Rating.HARD):
        rerated = review_changes.rerate(session, learner, outcome.log_id, rating, fuzz=False)
        assert rerated.rating is rating
        assert log_count(session) == before
        with session.begin():
            log = session.get(ReviewLog, outcome.log_id, populate_existing=True)
            assert log is not None and log.rating == rating
        assert stored(session, outcome.card_id) == replayed(session, outcome.card_id)
    assert card_columns(session, outcome.card_id)["reps"] == 2  # the quiz answer and this one


def test_undo_restores_the_card_exactly(session: Session, clock: FixedClock, learner: int) -> None:
    item = reviews.next_item(session, clock.now(), learner)
    assert item is not None
    before = card_columns(session, item.card_id)
    logs = log_count(session)
    outcome = answer_item(session, clock, learner, right=False)
    assert outcome.card_id == item.card_id
    assert card_columns(session, item.card_id) != before
    assert review_changes.undo_last(session, learner) == item.card_id
    assert card_columns(session, item.card_id) == before
    assert stored(session, item.card_id) == replayed(session, item.card_id)
    assert log_count(session) == logs
    # The card is back in the queue and can be answered again.
    again = answer_item(session, clock, learner)
    assert again.card_id == item.card_id
    assert stored(session, item.card_id) == replayed(session, item.card_id)


def test_changes_are_the_learners_own_and_only_while_latest(
    session: Session, clock: FixedClock, learner: int
) -> None:
    other = make_user(session, clock, "other@example.org").id
    with pytest.raises(NotFound):
        review_changes.undo_last(session, other)
    outcome = answer_item(session, clock, learner)
    with pytest.raises(NotFound):
        review_changes.rerate(session, other, outcome.log_id, Rating.EASY)
    with pytest.raises(NotFound):
        review_changes.set_suspended(session, other, outcome.card_id, True)
    quiz_log = None
    with session.begin():
        quiz_log = session.scalar(
            select(ReviewLog.id).where(
                ReviewLog.card_id == outcome.card_id, ReviewLog.source == "quiz"
            )
        )
    with pytest.raises(Conflict):  # a quiz answer is not re-rated on the review page
        review_changes.rerate(session, learner, quiz_log, Rating.EASY)  # type: ignore[arg-type]


def test_confidence_is_stored_and_a_guess_is_not_a_recall(
    session: Session, clock: FixedClock, synced: None
) -> None:
    user = make_user(session, clock, "guess@example.org").id
    take_quiz(session, clock, user, confidence=Confidence.GUESSED, fuzz=False)
    with session.begin():
        confidences = set(session.scalars(select(Response.confidence)))
        log_confidences = set(session.scalars(select(ReviewLog.confidence)))
        ratings = set(session.scalars(select(ReviewLog.rating)))
    assert confidences == {"guessed"} and log_confidences == {"guessed"}
    assert ratings == {int(Rating.AGAIN)}


def test_a_leech_is_suspended_and_leaves_queue_and_forecast(
    session: Session, clock: FixedClock, learner: int
) -> None:
    with session.begin():
        session.execute(update(CourseRow).values(leech_lapses=3))
        session.execute(update(ReviewCard).values(lapses=2))
    to_review(session, clock)
    course = reviews.next_item(session, clock.now(), learner).course_id  # type: ignore[union-attr]
    forecast_before = sum(
        n for _, n in reviews.mastery(session, clock.now(), learner, course).forecast
    )
    leech = answer_item(session, clock, learner, right=False)
    assert leech.leech
    assert card_columns(session, leech.card_id)["suspended"] is Suspension.LEECH
    summary = reviews.summary(session, clock.now(), learner)
    assert [c.card_id for c in summary.suspended] == [leech.card_id] and summary.suspended[0].leech
    forecast = sum(n for _, n in reviews.mastery(session, clock.now(), learner, course).forecast)
    assert forecast == forecast_before - 1
    seen = set()
    while (item := reviews.next_item(session, clock.now(), learner)) is not None:
        seen.add(item.card_id)
        answer_item(session, clock, learner)
    assert leech.card_id not in seen
    # Brought back by the learner, it is due again (its relearning step has passed).
    review_changes.set_suspended(session, learner, leech.card_id, False)
    clock.advance(timedelta(minutes=10))
    assert reviews.next_item(session, clock.now(), learner).card_id == leech.card_id  # type: ignore[union-attr]
    # Re-rating the lapse as Hard takes the leech back.
    review_changes.set_suspended(session, learner, leech.card_id, True)
    assert card_columns(session, leech.card_id)["suspended"] is Suspension.LEARNER
    review_changes.set_suspended(session, learner, leech.card_id, False)
    assert card_columns(session, leech.card_id)["suspended"] is None


def test_confidence_reaches_the_instructor(
    session: Session, clock: FixedClock, synced: None
) -> None:
    teacher = make_instructor(session, clock)
    class_id, code = make_class(session, clock, teacher)
    kim = make_learner(session, clock, "kim@example.org")
    classes.join(session, clock, kim, code)
    take_quiz(session, clock, kim.id, confidence=Confidence.SURE)
    rows = list(csv.reader(io.StringIO(exports.responses(session, teacher, class_id).decode())))
    column = rows[0].index("confidence")
    assert {r[column] for r in rows[1:]} == {"sure"}
    detail = dashboard.learner_detail(session, clock.now(), teacher, class_id, kim.id)
    assert {r.confidence for a in detail.attempts for r in a.responses} == {"sure"}
