"""The progress definitions (course.review.memory): learned, recall by learner day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from course.review.memory import (
    LEARNED_STABILITY_DAYS,
    Memory,
    combine,
    is_learned,
    recall_on,
    summarize,
    summarize_groups,
)
from course.review.queue import learner_day
from course.review.rating import Rating
from course.review.scheduler import (
    LEARNING,
    RELEARNING,
    REVIEW,
    CardState,
    retrievability,
    review,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "stability", "learned"),
    [
        (REVIEW, LEARNED_STABILITY_DAYS, True),
        (REVIEW, 30.0, True),
        (REVIEW, LEARNED_STABILITY_DAYS - 0.01, False),
        (LEARNING, 30.0, False),  # still in its steps
        (RELEARNING, 30.0, False),  # lapsed: relearning
        (REVIEW, None, False),
    ],
)
def test_learned_is_review_with_a_weeks_stability(
    state: int, stability: float | None, learned: bool
) -> None:
    assert is_learned(CardState(state, None, stability, 5.0)) is learned


def _reviewed(*ratings: Rating, start: datetime = NOW, gap: timedelta = timedelta(0)) -> CardState:
    state, at = CardState(), start
    for rating in ratings:
        state, _ = review(1, state, rating, at, fuzz=False)
        at += gap
    return state


def test_right_answers_within_minutes_are_not_learned() -> None:
    """Two right answers minutes apart (a quiz, then a retry) prove short-term memory."""
    assert not is_learned(_reviewed(Rating.GOOD, Rating.GOOD, gap=timedelta(minutes=10)))


def test_good_reviews_over_days_become_learned() -> None:
    state, at, days = CardState(), NOW, 0
    while not is_learned(state):
        state, _ = review(1, state, Rating.GOOD, at, fuzz=False)
        at = state.due or at
        days += 1
        assert days < 10
    assert state.state == REVIEW and state.stability is not None


def test_recall_tomorrow_is_below_one_right_after_a_miss() -> None:
    """Recall "now" after a review is always 1; tomorrow it is not."""
    missed = _reviewed(Rating.AGAIN)
    summary = summarize([missed], NOW + timedelta(seconds=5), "UTC")
    assert summary.recall[0] is not None and 0.5 < summary.recall[0] < 1.0
    assert summary.recall[0] > summary.recall[1] > summary.recall[2]  # type: ignore[operator]


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Tokyo", "Europe/Berlin"])
def test_recall_counts_learner_days_across_dst(zone: str) -> None:
    """A card reviewed late in the evening is one learner day old tomorrow, whether the
    night has 23 hours (DST starts in Los Angeles on 8 March 2026) or not."""
    evening = datetime(2026, 3, 7, 20, 0, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    state = _reviewed(Rating.GOOD, Rating.GOOD, start=evening, gap=timedelta(minutes=10))
    assert state.last_review is not None
    day = learner_day(state.last_review, zone)
    one_day_later = retrievability(state, state.last_review + timedelta(days=1))
    assert recall_on(state, day, zone) == 1.0
    assert recall_on(state, day + timedelta(days=1), zone) == one_day_later < 1.0
    week = retrievability(state, state.last_review + timedelta(days=7))
    assert recall_on(state, day + timedelta(days=7), zone) == week


def test_summary_counts_and_combines() -> None:
    learned = CardState(REVIEW, None, 10.0, 5.0, NOW + timedelta(days=10), NOW)
    due = CardState(LEARNING, 1, 0.3, 6.0, NOW + timedelta(minutes=10), NOW)
    one = summarize([learned], NOW, "UTC")
    two = summarize([due], NOW, "UTC")
    both = summarize([learned, due], NOW, "UTC")
    assert (both.cards, both.learned, both.due_today) == (2, 1, 1)
    assert combine([one, two]) == Memory(
        2,
        1,
        1,
        tuple(pytest.approx(r) for r in both.recall),  # type: ignore[misc]
    )
    assert summarize([], NOW, "UTC").recall == (None, None, None)


def test_groups_are_summarized_as_one_by_one() -> None:
    states = [
        _reviewed(Rating.GOOD, start=NOW - timedelta(days=n), gap=timedelta(minutes=1))
        for n in range(6)
    ]
    groups = {"a": states[:2], "b": states[2:], "c": []}
    together = summarize_groups(groups, NOW, "Asia/Tokyo")
    for name, group in groups.items():
        alone = summarize(group, NOW, "Asia/Tokyo")
        assert together[name].cards == alone.cards and together[name].learned == alone.learned
        assert together[name].recall == pytest.approx(alone.recall)
