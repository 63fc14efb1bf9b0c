"""Today's review queue from plain card data: most overdue first, within daily limits.

A learner's day starts at 04:00 in their time zone (like Anki), so a review done at
01:00 still counts for the evening before. "Due today" means due before the next
day start for a card in review; a card in (re)learning steps is due to the minute:
it is offered only once its step has passed, among the other due cards, and early
(within the learn-ahead limit) only when nothing else is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from course.review.scheduler import DEFAULT_PARAMETERS, CardPhase, CardState, retrievability

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


# Learning ahead never shows a card sooner than this after its last answer.
MIN_SETTLE = timedelta(minutes=1)


@dataclass(frozen=True)
class DueCard:
    card_id: int
    state: CardState
    is_new: bool  # not yet seen on the review page


@dataclass(frozen=True)
class Plan:
    """What the review page can show now.

    Attributes:
        cards: the cards to review now, in order (the first is shown next).
        next_ready: when ``cards`` is empty but a (re)learning card is waiting for its
            step beyond the learn-ahead limit: when it becomes ready.
    """

    cards: list[DueCard]
    next_ready: datetime | None = None


def in_steps(state: CardState) -> bool:
    """The card is in (re)learning steps: due to the minute, not to the day."""
    return CardPhase(state.state).in_steps


def plan(
    due: Sequence[DueCard],
    now: datetime,
    *,
    new_left: int,
    reviews_left: int,
    learn_ahead: timedelta = timedelta(minutes=20),
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
    last_card_id: int | None = None,
) -> Plan:
    """Order today's cards lowest retrievability first, within the daily limits.

    ``due`` holds the cards due before the learner's next day start. Cards in review
    are all offerable; a card in (re)learning steps only once its due time has passed.
    A card just answered has a high retrievability, so it comes after the other due
    cards. New cards count against ``new_left``; every card counts against
    ``reviews_left`` except cards already in steps on the review page (stopping them
    half-way through their steps would waste the reviews already spent).

    With nothing offerable, a (re)learning card is offered early if it is due within
    ``learn_ahead`` and has settled: half its step (at least ``MIN_SETTLE``) has passed
    since it was answered; otherwise the plan says when the first one will be ready. The
    card answered last (``last_card_id``) is never learned ahead: that would show the
    same card twice in a row, answered from short-term memory.
    """
    ready = [c for c in due if not in_steps(c.state) or _due(c) <= now]
    ranked = sorted(ready, key=lambda c: (retrievability(c.state, now, parameters), c.card_id))
    chosen: list[DueCard] = []
    new_taken = counted = 0
    for card in ranked:
        exempt = in_steps(card.state) and not card.is_new
        if not exempt and counted >= reviews_left:
            continue
        if card.is_new:
            if new_taken >= new_left:
                continue
            new_taken += 1
        counted += 0 if exempt else 1
        chosen.append(card)
    if chosen:
        return Plan(chosen)
    waiting = sorted(
        (c for c in due if in_steps(c.state) and _due(c) > now),
        key=lambda c: (_due(c), c.card_id),
    )
    waiting = [c for c in waiting if _allowed(c, new_left, reviews_left)]
    if not waiting:
        return Plan([])
    ready_at = {c.card_id: _ahead_from(c, learn_ahead, last_card_id) for c in waiting}
    ahead = [c for c in waiting if ready_at[c.card_id] <= now]
    if ahead:
        return Plan(ahead[:1])
    return Plan([], next_ready=min(ready_at.values()))


def _ahead_from(card: DueCard, learn_ahead: timedelta, last_card_id: int | None) -> datetime:
    """When a waiting card may be learned ahead: ``learn_ahead`` before its due time, but
    not before half its step has passed (and at least ``MIN_SETTLE``) since it was last
    answered, so its answer is no longer in short-term memory; the card answered last
    only when due."""
    due = _due(card)
    last = card.state.last_review
    if card.card_id == last_card_id or last is None:
        return due
    settled = last + max(MIN_SETTLE, (due - last) / 2)
    return min(due, max(due - learn_ahead, settled))


def _due(card: DueCard) -> datetime:
    assert card.state.due is not None
    return card.state.due


def _allowed(card: DueCard, new_left: int, reviews_left: int) -> bool:
    # A waiting card is in steps: exempt from the limits once introduced.
    return not card.is_new or (new_left > 0 and reviews_left > 0)
