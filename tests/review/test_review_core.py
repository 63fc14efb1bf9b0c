"""The review core: rating table, fsrs equivalence, a 90-day learner, queue and days."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import fsrs
import pytest

from course.review import queue, retention
from course.review.policy import ReviewPolicy
from course.review.rating import Confidence, Rating, quick_threshold_ms, rating_for
from course.review.scheduler import CardPhase, CardState, retrievability, review

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("score", "confidence", "duration", "expected"),
    [
        (0.0, None, 5000, Rating.AGAIN),
        (0.4, Confidence.SURE, 1000, Rating.AGAIN),
        (0.5, None, 5000, Rating.HARD),  # partly right: mostly a recall with a slip
        (0.75, Confidence.SURE, 1000, Rating.HARD),
        (0.75, Confidence.GUESSED, 1000, Rating.AGAIN),  # a guess is not a recall
        (1.0, Confidence.GUESSED, 1000, Rating.AGAIN),  # not even a lucky one
        (1.0, None, 1000, Rating.GOOD),
        (1.0, Confidence.SURE, 9000, Rating.GOOD),
        (1.0, Confidence.SURE, 1000, Rating.EASY),
        (1.0, Confidence.SURE, 0, Rating.GOOD),  # unknown time is never "quick"
    ],
)
def test_rating_table(
    score: float, confidence: Confidence | None, duration: int, expected: Rating
) -> None:
    assert rating_for(score, confidence, duration, quick_ms=4000) == expected


def test_quick_threshold_is_relative_to_the_learner() -> None:
    assert quick_threshold_ms([1000, 2000]) == 8000  # too little history: fixed default
    assert quick_threshold_ms([10_000] * 10) == 6000
    assert quick_threshold_ms([2_000] * 10) == 1200


def test_states_equal_calling_fsrs_directly() -> None:
    """Golden sequence with fuzz off: our wrapper changes nothing of fsrs's schedule."""
    ratings = [
        Rating.GOOD,
        Rating.GOOD,
        Rating.AGAIN,
        Rating.HARD,
        Rating.GOOD,
        Rating.EASY,
        Rating.GOOD,
        Rating.AGAIN,
        Rating.GOOD,
    ]
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=7, due=T0)
    state = CardState(due=T0)
    now = T0
    for rating in ratings:
        card, _ = scheduler.review_card(card, fsrs.Rating(int(rating)), now)
        state, event = review(7, state, rating, now, fuzz=False)
        assert event.rating == rating and event.reviewed_at == now
        assert (state.state, state.step, state.due, state.last_review) == (
            int(card.state),
            card.step,
            card.due,
            card.last_review,
        )
        assert state.stability == pytest.approx(card.stability)
        assert state.difficulty == pytest.approx(card.difficulty)
        now = card.due + timedelta(hours=1)


def test_ninety_days_of_a_learner() -> None:
    """Reviewing whenever due for 90 days: intervals grow on success, shrink on failure."""
    state = CardState(due=T0)
    now = T0
    log: list[tuple[Rating, float]] = []  # (rating, days until the next review)
    plan = iter([Rating.GOOD] * 4 + [Rating.AGAIN] + [Rating.GOOD] * 10)
    while now <= T0 + timedelta(days=90):
        rating = next(plan)
        state, _ = review(1, state, rating, now, fuzz=False)
        assert state.due is not None and state.due > now
        log.append((rating, (state.due - now).total_seconds() / 86400))
        now = state.due
    intervals = [days for _, days in log]
    failure = [r for r, _ in log].index(Rating.AGAIN)
    before = intervals[1:failure]
    assert before == sorted(before) and before[-1] > 10 * before[0]  # success: growth
    assert intervals[failure] < 1 < intervals[failure - 1]  # failure: back to minutes
    after = intervals[failure + 1 :]
    assert after == sorted(after) and after[0] < intervals[failure - 1]  # regrows from less
    assert len(log) >= 8


def test_desired_retention_changes_intervals() -> None:
    state = CardState(due=T0)
    for _ in range(3):
        state, _ = review(1, state, Rating.GOOD, state.due or T0, fuzz=False)
    now = state.due or T0
    strict, _ = review(1, state, Rating.GOOD, now, desired_retention=0.95, fuzz=False)
    loose, _ = review(1, state, Rating.GOOD, now, desired_retention=0.8, fuzz=False)
    assert strict.due and loose.due and strict.due < loose.due


def test_retrievability_decays() -> None:
    state, _ = review(1, CardState(due=T0), Rating.GOOD, T0, fuzz=False)
    state, _ = review(1, state, Rating.GOOD, state.due or T0, fuzz=False)
    at = state.last_review or T0
    now, week, month = (retrievability(state, at + timedelta(days=d)) for d in (0, 7, 30))
    assert 0.99 <= now <= 1.0 and now > week > month > 0
    assert retrievability(CardState(), T0) == 0.0


@pytest.mark.parametrize(
    ("moment", "timezone", "day"),
    [
        (datetime(2026, 3, 2, 11, 59, tzinfo=UTC), "America/Los_Angeles", date(2026, 3, 1)),
        (datetime(2026, 3, 2, 12, 0, tzinfo=UTC), "America/Los_Angeles", date(2026, 3, 2)),
        (datetime(2026, 3, 1, 18, 59, tzinfo=UTC), "Asia/Tokyo", date(2026, 3, 1)),
        (datetime(2026, 3, 1, 19, 0, tzinfo=UTC), "Asia/Tokyo", date(2026, 3, 2)),
        (datetime(2026, 3, 2, 3, 59, tzinfo=UTC), "UTC", date(2026, 3, 1)),
    ],
)
def test_day_starts_at_four_local(moment: datetime, timezone: str, day: date) -> None:
    """UTC−8 and UTC+9 learners see their own day (04:00 local is the boundary)."""
    assert queue.learner_day(moment, timezone) == day


def test_dst_never_skips_or_doubles_a_day() -> None:
    tz = "Europe/Berlin"  # DST starts 29 March 2026, ends 25 October 2026
    for start in (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)):
        days = [queue.learner_day(start + timedelta(hours=h), tz) for h in range(0, 24 * 5)]
        distinct = sorted(set(days))
        assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(distinct))
        for d in distinct[1:-1]:
            begin, end = queue.day_start(d, tz), queue.day_start(d + timedelta(days=1), tz)
            assert timedelta(hours=23) <= end - begin <= timedelta(hours=25)


def test_plan_orders_by_retrievability_and_applies_limits() -> None:
    def card(card_id: int, stability: float, days_ago: float, new: bool) -> queue.DueCard:
        last = T0 - timedelta(days=days_ago)
        state = CardState(2, None, stability, 5.0, last + timedelta(days=stability), last)
        return queue.DueCard(card_id, state, new)

    cards = [
        card(1, 10, 12, False),
        card(2, 2, 20, False),
        card(3, 5, 6, True),
        card(4, 1, 30, True),
        card(5, 3, 4, False),
    ]
    ordered = queue.plan(cards, T0, new_left=10, reviews_left=10).cards
    values = [retrievability(c.state, T0) for c in ordered]
    assert values == sorted(values) and next(c.card_id for c in ordered) == 4
    limited = queue.plan(cards, T0, new_left=1, reviews_left=3).cards
    assert len(limited) == 3 and sum(c.is_new for c in limited) == 1


def test_forecast_counts_per_learner_day() -> None:
    dues = [
        T0 - timedelta(days=3),
        T0 + timedelta(hours=1),
        T0 + timedelta(days=1, hours=1),
        T0 + timedelta(days=20),
    ]
    days = retention.forecast(dues, T0, "UTC", days=14)
    assert len(days) == 14 and days[0] == (date(2026, 3, 2), 2) and days[1][1] == 1
    assert sum(n for _, n in days) == 3


def _learning(card_id: int, due: datetime, phase: int = 1, new: bool = False) -> queue.DueCard:
    """A card in (re)learning steps, just answered, due at ``due``."""
    state = CardState(phase, 0, 3.0, 5.0, due, T0 - timedelta(seconds=30))
    return queue.DueCard(card_id, state, new)


def _in_review(card_id: int, days_ago: float) -> queue.DueCard:
    last = T0 - timedelta(days=days_ago)
    return queue.DueCard(
        card_id, CardState(2, None, 2.0, 5.0, last + timedelta(days=2), last), False
    )


def test_a_card_in_steps_waits_for_its_step_among_other_cards() -> None:
    missed = _learning(1, T0 + timedelta(minutes=10), phase=3)
    others = [_in_review(2, 5), _in_review(3, 4)]
    plan = queue.plan([missed, *others], T0, new_left=5, reviews_left=50)
    assert [c.card_id for c in plan.cards] == [2, 3]  # not offered before its step
    # Ten minutes later it is ready, and comes after cards with lower recall.
    later = T0 + timedelta(minutes=10)
    plan = queue.plan([missed, *others], later, new_left=5, reviews_left=50)
    assert [c.card_id for c in plan.cards] == [2, 3, 1]
    # One second before its step it still waits.
    early = later - timedelta(seconds=1)
    assert 1 not in [
        c.card_id for c in queue.plan([missed, *others], early, new_left=5, reviews_left=50).cards
    ]


def test_learn_ahead_only_when_nothing_else_is_due() -> None:
    soon = _learning(1, T0 + timedelta(minutes=10))  # answered 30 s before T0
    settled = T0 + timedelta(minutes=5)  # half of its 10.5-minute wait has passed
    plan = queue.plan([soon], settled, new_left=5, reviews_left=50)
    assert [c.card_id for c in plan.cards] == [1] and plan.next_ready is None
    plan = queue.plan(
        [soon], settled, new_left=5, reviews_left=50, learn_ahead=timedelta(minutes=2)
    )
    assert plan.cards == [] and plan.next_ready == T0 + timedelta(minutes=8)
    # With another card due, the waiting one is never learned ahead.
    plan = queue.plan(
        [soon, _in_review(2, 5)],
        settled,
        new_left=5,
        reviews_left=50,
        learn_ahead=timedelta(hours=1),
    )
    assert [c.card_id for c in plan.cards] == [2]
    # The card just answered is not learned ahead (it would come twice in a row)...
    plan = queue.plan([soon], settled, new_left=5, reviews_left=50, last_card_id=1)
    assert plan.cards == [] and plan.next_ready == T0 + timedelta(minutes=10)
    # ...but another waiting card is, once it has settled.
    other = _learning(3, T0 + timedelta(minutes=15))
    plan = queue.plan([soon, other], settled, new_left=5, reviews_left=50, last_card_id=1)
    assert plan.cards == [] and plan.next_ready == T0 + timedelta(minutes=7, seconds=15)
    later = T0 + timedelta(minutes=7, seconds=15)
    plan = queue.plan([soon, other], later, new_left=5, reviews_left=50, last_card_id=1)
    assert [c.card_id for c in plan.cards] == [3]


def test_a_card_missed_moments_ago_is_not_learned_ahead() -> None:
    """The answer is still on screen: even with nothing else due and a long learn-ahead
    limit, a missed card waits half its step, and at least a minute (a 1-minute step:
    its whole step)."""
    one_minute = _learning(1, T0 + timedelta(seconds=30))  # 1-minute step, 30 s ago
    plan = queue.plan([one_minute], T0, new_left=5, reviews_left=50)
    assert plan.cards == [] and plan.next_ready == T0 + timedelta(seconds=30)
    ten = _learning(2, T0 + timedelta(minutes=9, seconds=30))  # 10-minute step
    plan = queue.plan([ten], T0, new_left=5, reviews_left=50, learn_ahead=timedelta(hours=1))
    assert plan.cards == [] and plan.next_ready == T0 + timedelta(minutes=4, seconds=30)
    assert queue.plan(
        [ten], T0 + timedelta(minutes=4, seconds=30), new_left=5, reviews_left=50
    ).cards == [ten]


def test_cards_in_steps_are_not_cut_by_the_review_limit() -> None:
    missed = _learning(1, T0 - timedelta(minutes=1), phase=3)
    plan = queue.plan([missed, _in_review(2, 5)], T0, new_left=0, reviews_left=0)
    assert [c.card_id for c in plan.cards] == [1]


def test_learning_steps_come_from_the_policy() -> None:
    policy = ReviewPolicy.from_minutes([5, 30], [15], 20, 8)
    state, _ = review(1, CardState(due=T0), Rating.AGAIN, T0, fuzz=False, policy=policy)
    assert state.state == CardPhase.LEARNING and state.due == T0 + timedelta(minutes=5)
    state, _ = review(1, state, Rating.GOOD, T0 + timedelta(minutes=5), fuzz=False, policy=policy)
    assert state.due == T0 + timedelta(minutes=35)
    state, _ = review(1, state, Rating.GOOD, T0 + timedelta(minutes=35), fuzz=False, policy=policy)
    assert state.state == CardPhase.REVIEW
    lapsed, _ = review(1, state, Rating.AGAIN, T0 + timedelta(days=3), fuzz=False, policy=policy)
    assert lapsed.state == CardPhase.RELEARNING
    assert lapsed.due == T0 + timedelta(days=3, minutes=15)
