"""Fit FSRS parameters from review logs with fsrs-rs (the engine Anki uses).

A review history becomes fsrs-rs "items": for every review after a card's first, the
ratings so far with the days between them. Fitted parameters are checked against the
``fsrs`` package: replaying histories in ``fsrs`` must give the same memory states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import fsrs
import fsrs_rs_python as rs

from course.review.scheduler import DEFAULT_PARAMETERS

MIN_ITEMS = 400  # fewer than this and a fit is mostly noise


@dataclass(frozen=True)
class Review:
    card_id: int
    rating: int
    at: datetime


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse_bins: float


@dataclass(frozen=True)
class Fit:
    parameters: tuple[float, ...]
    items: int
    before: Evaluation
    after: Evaluation
    max_state_difference: float  # relative, fsrs-rs vs fsrs on sample histories


def histories(reviews: Sequence[Review]) -> list[list[tuple[int, int]]]:
    """Per card, (rating, days since the previous review) in time order."""
    by_card: dict[int, list[Review]] = {}
    for review in sorted(reviews, key=lambda r: (r.card_id, r.at)):
        by_card.setdefault(review.card_id, []).append(review)
    result = []
    for card_reviews in by_card.values():
        steps, previous = [], None
        for review in card_reviews:
            days = (review.at.date() - previous.date()).days if previous else 0
            steps.append((review.rating, days))
            previous = review.at
        result.append(steps)
    return result


def items_of(history_list: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """Every prefix of at least two reviews: what the model learns to predict."""
    return [h[:k] for h in history_list for k in range(2, len(h) + 1)]


def _rs_items(items: list[list[tuple[int, int]]]) -> list[rs.FSRSItem]:
    return [rs.FSRSItem([rs.FSRSReview(rating, days) for rating, days in item]) for item in items]


def evaluate(parameters: Sequence[float], items: list[list[tuple[int, int]]]) -> Evaluation:
    """Log loss and RMSE (bins) of ``parameters`` on the items (srs-benchmark's figures)."""
    result = rs.FSRS(list(parameters)).evaluate(_rs_items(items))
    return Evaluation(result.log_loss, result.rmse_bins)


def state_difference(parameters: Sequence[float], items: list[list[tuple[int, int]]]) -> float:
    """Largest relative difference of stability between fsrs-rs and fsrs on ``items``."""
    engine = rs.FSRS(list(parameters))
    scheduler = fsrs.Scheduler(
        parameters=tuple(parameters), enable_fuzzing=False, learning_steps=(), relearning_steps=()
    )
    start = datetime(2000, 1, 1, tzinfo=fsrs.Card().due.tzinfo)
    worst = 0.0
    for item in items:
        card, now = fsrs.Card(card_id=1, due=start), start
        for rating, days in item:
            now += timedelta(days=days)
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), now)
        expected = engine.memory_state(_rs_items([item])[0]).stability
        assert card.stability is not None
        worst = max(worst, abs(card.stability - expected) / max(expected, 1e-9))
    return worst


def fit(reviews: Sequence[Review], current: Sequence[float] = DEFAULT_PARAMETERS) -> Fit | int:
    """Fitted parameters with their evaluation, or the item count when too few."""
    items = items_of(histories(reviews))
    if len(items) < MIN_ITEMS:
        return len(items)
    fitted = tuple(rs.FSRS(list(current)).compute_parameters(_rs_items(items)))
    fsrs.Scheduler(parameters=fitted)  # raises if fsrs would not accept them
    same_day_free = [i for i in items if all(days > 0 for _, days in i[1:])][:200]
    return Fit(
        parameters=fitted,
        items=len(items),
        before=evaluate(current, items),
        after=evaluate(fitted, items),
        max_state_difference=state_difference(fitted, same_day_free),
    )
