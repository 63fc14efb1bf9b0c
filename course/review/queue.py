"""Today's review queue from plain card data: most overdue first, within daily limits.

A learner's day starts at 04:00 in their time zone (like Anki), so a review done at
01:00 still counts for the evening before. "Due today" means due before the next
day start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from course.review.scheduler import DEFAULT_PARAMETERS, CardState, retrievability

DAY_STARTS_AT = time(4, 0)


def learner_day(moment: datetime, timezone: str) -> date:
    """The learner's day that ``moment`` falls in."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=DAY_STARTS_AT.hour, minutes=DAY_STARTS_AT.minute)).date()


def day_start(day: date, timezone: str) -> datetime:
    """When ``day`` starts (04:00 local), as an aware datetime; DST-safe."""
    return datetime.combine(day, DAY_STARTS_AT, tzinfo=ZoneInfo(timezone))


def day_bounds(moment: datetime, timezone: str) -> tuple[datetime, datetime]:
    """Start of the learner's current day and of the next one."""
    today = learner_day(moment, timezone)
    return day_start(today, timezone), day_start(today + timedelta(days=1), timezone)


@dataclass(frozen=True)
class DueCard:
    card_id: int
    state: CardState
    is_new: bool  # not yet seen on the review page


def plan(
    due: Sequence[DueCard],
    now: datetime,
    *,
    new_left: int,
    reviews_left: int,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
) -> list[DueCard]:
    """Order due cards lowest retrievability first; take at most ``new_left`` new cards
    and ``reviews_left`` cards in all."""
    ranked = sorted(due, key=lambda c: (retrievability(c.state, now, parameters), c.card_id))
    chosen: list[DueCard] = []
    new_taken = 0
    for card in ranked:
        if len(chosen) >= reviews_left:
            break
        if card.is_new:
            if new_taken >= new_left:
                continue
            new_taken += 1
        chosen.append(card)
    return chosen
