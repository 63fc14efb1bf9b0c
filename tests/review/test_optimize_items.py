"""Training items for fsrs-rs built as Anki builds them, days counted on the learner's day,
and no log the app can write crashes the optimizer."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course.review import optimize
from course.review.optimize import Item, Review, items_of
from course.review.scheduler import DEFAULT_PARAMETERS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LA, TOKYO = ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Tokyo")


def reviews_at(card: int, *moments: tuple[datetime, int], zone: str = "UTC") -> list[Review]:
    return [Review(card, rating, at, zone) for at, rating in moments]


def test_same_day_reviews_stay_in_the_history_but_are_never_a_target() -> None:
    # A quiz answer, the 1- and 10-minute learning steps, then reviews 2 and 7 days later.
    log = reviews_at(
        1,
        (T0, 3),
        (T0 + timedelta(minutes=1), 3),
        (T0 + timedelta(minutes=11), 3),
        (T0 + timedelta(days=2), 1),
        (T0 + timedelta(days=2, minutes=10), 3),
        (T0 + timedelta(days=9), 3),
    )
    items = items_of(log)
    assert [i.reviews for i in items] == [
        ((3, 0), (3, 0), (3, 0), (1, 2)),
        ((3, 0), (3, 0), (3, 0), (1, 2), (3, 0), (3, 7)),
    ]
    assert [i.at for i in items] == [T0 + timedelta(days=2), T0 + timedelta(days=9)]


def test_a_card_seen_on_one_day_only_gives_no_item() -> None:
    assert items_of(reviews_at(1, (T0, 1), (T0 + timedelta(minutes=1), 3))) == []


def test_days_are_counted_on_the_learner_day_in_utc_minus_8() -> None:
    # 16:30 and then 15:30 the next afternoon in Los Angeles: one day later, although both
    # fall on the same UTC date (00:30 and 23:30 UTC, 9 January).
    first = datetime(2026, 1, 8, 16, 30, tzinfo=LA)
    second = datetime(2026, 1, 9, 15, 30, tzinfo=LA)
    assert first.astimezone(UTC).date() == second.astimezone(UTC).date()
    log = reviews_at(1, (first, 3), (second, 3), zone="America/Los_Angeles")
    assert [i.reviews for i in items_of(log)] == [((3, 0), (3, 1))]


def test_days_are_counted_on_the_learner_day_in_utc_plus_9() -> None:
    # 08:50 in Tokyo, then 09:10 two mornings later: two learner days, but three UTC
    # dates apart (23:50 UTC on the 7th, 00:10 UTC on the 10th).
    first = datetime(2026, 1, 8, 8, 50, tzinfo=TOKYO)
    second = datetime(2026, 1, 10, 9, 10, tzinfo=TOKYO)  # two learner days later
    assert (second.astimezone(UTC).date() - first.astimezone(UTC).date()).days == 3
    log = reviews_at(1, (first, 3), (second, 3), zone="Asia/Tokyo")
    assert [i.reviews for i in items_of(log)] == [((3, 0), (3, 2))]


def test_the_day_starts_at_four_in_the_morning() -> None:
    # 23:00 and 03:00 the next date are the same learner day; 03:30 and 04:30 are not.
    evening = datetime(2026, 1, 8, 23, 0, tzinfo=LA)
    night = datetime(2026, 1, 9, 3, 0, tzinfo=LA)
    morning = datetime(2026, 1, 9, 4, 30, tzinfo=LA)
    log = reviews_at(1, (evening, 3), (night, 3), (morning, 3), zone="America/Los_Angeles")
    assert [i.reviews for i in items_of(log)] == [((3, 0), (3, 0), (3, 1))]


def test_unknown_zone_counts_in_utc() -> None:
    log = reviews_at(1, (T0, 3), (T0 + timedelta(days=3), 3), zone="Mars/Olympus_Mons")
    assert [i.reviews for i in items_of(log)] == [((3, 0), (3, 3))]


def test_items_are_in_time_order_and_split_by_time() -> None:
    log = [Review(card, 3, T0 + timedelta(hours=card), "UTC") for card in range(10)] + [
        Review(card, 3, T0 + timedelta(days=1 + card), "UTC") for card in range(10)
    ]
    items = items_of(reversed(log))
    assert [i.card_id for i in items] == list(range(10))
    fit, held_out = optimize.split_by_time(items, 0.3)
    assert len(fit) == 7 and len(held_out) == 3
    assert max(i.at for i in fit) < min(i.at for i in held_out)


def test_auc_matches_counting_pairs() -> None:
    predicted = [0.9, 0.8, 0.8, 0.3, 0.6, 0.8]
    recalled = [True, True, False, False, True, False]
    pairs = [
        1.0 if p > q else 0.5 if p == q else 0.0
        for p, r in zip(predicted, recalled, strict=True)
        for q, s in zip(predicted, recalled, strict=True)
        if r and not s
    ]
    assert optimize.auc(predicted, recalled) == pytest.approx(sum(pairs) / len(pairs))
    assert optimize.auc([0.5, 0.7], [True, True]) is None


def test_calibration_bins_count_every_prediction() -> None:
    predicted = [0.05, 0.95, 1.0, 0.91, 0.55]
    bins = optimize.calibration(predicted, [False, True, True, False, True], bins=10)
    assert [(b.low, b.count) for b in bins] == [(0.0, 1), (0.5, 1), (0.9, 3)]
    top = bins[-1]
    assert top.observed == pytest.approx(2 / 3)
    assert top.predicted == pytest.approx((0.95 + 1.0 + 0.91) / 3)


def test_predictions_are_the_ones_fsrs_rs_scores() -> None:
    """On a single item fsrs-rs's log loss is -log of the probability it gave the outcome,
    so the predictions behind AUC and calibration match the engine's, one by one."""
    rs = optimize.engine()
    model = rs.FSRS(list(DEFAULT_PARAMETERS))
    items = [
        Item(1, ((3, 0), (3, 0), (1, 3)), T0),
        Item(2, ((1, 0), (3, 1), (3, 0), (4, 6)), T0),
        Item(3, ((4, 0), (2, 12)), T0),
        Item(4, ((2, 0), (3, 0), (3, 0), (3, 1), (1, 40)), T0),
    ]
    for item, p in zip(items, optimize.predictions(DEFAULT_PARAMETERS, items), strict=True):
        loss = model.evaluate([optimize._rs_item(rs, item.reviews)]).log_loss
        assert -math.log(p if item.recalled else 1 - p) == pytest.approx(loss, rel=1e-3)


def test_fsrs_replays_histories_with_same_day_reviews() -> None:
    items = [
        Item(1, ((3, 0), (3, 0), (3, 0), (1, 2), (3, 0), (3, 7)), T0),
        Item(2, ((1, 0), (1, 0), (3, 0), (3, 1), (4, 3)), T0),
    ]
    assert optimize.state_difference(DEFAULT_PARAMETERS, items) < 1e-4


def _app_day(start: datetime, gaps: list[int], ratings: list[int]) -> list[datetime]:
    times, now = [], start
    for gap in gaps[: len(ratings)]:
        now += timedelta(seconds=gap)
        times.append(now)
    return times


# Gaps between two reviews of a card the app can log: the same second, learning steps,
# the same evening, the next morning, days, years.
GAPS = st.one_of(
    st.sampled_from([0, 1, 60, 600, 3600, 20 * 3600, 86_400, 3 * 86_400]),
    st.integers(min_value=0, max_value=400 * 86_400),
)
ZONES = st.sampled_from(
    ["UTC", "America/Los_Angeles", "Asia/Tokyo", "Australia/Lord_Howe", "America/Havana",
     "Pacific/Apia", "Asia/Kathmandu", "Europe/Dublin", "America/St_Johns", "Pacific/Kiritimati"]
)  # fmt: skip
# hypothesis takes naive bounds and attaches the zone itself.
EARLIEST, LATEST = datetime(2001, 1, 1), datetime(2090, 1, 1)  # noqa: DTZ001
CARD = st.tuples(
    ZONES,
    st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
    st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=12),
    st.lists(GAPS, min_size=12, max_size=12),
)


def _log(cards: list[tuple[str, datetime, list[int], list[int]]]) -> list[Review]:
    log = []
    for card_id, (zone, start, ratings, gaps) in enumerate(cards):
        times = [start, *_app_day(start, gaps, ratings[1:])]
        log += [Review(card_id, r, at, zone) for r, at in zip(ratings, times, strict=True)]
    return log


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(st.lists(CARD, min_size=1, max_size=40))
def test_no_log_the_app_can_write_crashes_the_optimizer(
    cards: list[tuple[str, datetime, list[int], list[int]]],
) -> None:
    log = _log(cards)
    items = items_of(log)
    assert all(i.reviews[-1][1] > 0 and i.reviews[0][1] == 0 for i in items)
    assert all(all(1 <= r <= 4 and d >= 0 for r, d in i.reviews) for i in items)
    assert [i.at for i in items] == sorted(i.at for i in items)
    # Every step runs on whatever came out, however little: fit, score, calibrate, replay.
    result = optimize.optimize(log, DEFAULT_PARAMETERS, min_items=1, min_held_out=1)
    if isinstance(result, optimize.Outcome):
        for scores in (result.fitted, result.default):
            assert math.isfinite(scores.log_loss) and math.isfinite(scores.rmse_bins)
            assert sum(b.count for b in scores.calibration) == result.held_out_items
    else:
        assert result.fit_items + result.held_out_items == len(items)


def test_an_engine_panic_becomes_a_clear_error() -> None:
    """The panic the app's logs used to cause (an item with no review a day or more after
    the one before), raised by fsrs-rs itself, reaches the caller as FitFailed."""
    rs = optimize.engine()
    model = rs.FSRS(list(DEFAULT_PARAMETERS))
    same_day = [optimize._rs_item(rs, ((3, 0), (3, 0), (3, 2)))] * 600
    same_day += [optimize._rs_item(rs, ((3, 0), (3, 0)))]
    with pytest.raises(optimize.FitFailed, match="delta_t > 0 is required"):
        optimize._guarded("fitting parameters", lambda: model.compute_parameters(same_day))
