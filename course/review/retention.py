"""Predicted recall of groups of cards (lessons) over time, and the reviews forecast."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from course.review.queue import learner_day
from course.review.scheduler import DEFAULT_PARAMETERS, CardState, retrievability

HORIZONS_DAYS = (0, 7, 30)


def mean_recall(
    states: Sequence[CardState],
    now: datetime,
    days: int,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
) -> float | None:
    """Mean retrievability of ``states`` ``days`` from now (no reviews in between)."""
    if not states:
        return None
    at = now + timedelta(days=days)
    return sum(retrievability(s, at, parameters) for s in states) / len(states)


def forecast(
    dues: Iterable[datetime], now: datetime, timezone: str, days: int = 14
) -> list[tuple[date, int]]:
    """Reviews falling due on each of the next ``days`` learner days (overdue on day one)."""
    today = learner_day(now, timezone)
    counts: Counter[date] = Counter()
    for due in dues:
        day = max(learner_day(due, timezone), today)
        counts[day] += 1
    return [(today + timedelta(days=i), counts[today + timedelta(days=i)]) for i in range(days)]
