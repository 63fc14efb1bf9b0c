"""FSRS scheduling through the ``fsrs`` package; fsrs types never leave this package.

Every call passes the card id, the review time and the parameters explicitly (fsrs
would otherwise read the clock). Interval fuzz uses fsrs's own fuzzing; tests and
simulations turn it off (``fuzz=False``) to get the exact, repeatable schedule.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import fsrs

from course.review.policy import ReviewPolicy
from course.review.rating import Rating

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.Scheduler().parameters)
DEFAULT_POLICY = ReviewPolicy()


class CardPhase(enum.IntEnum):
    """Where a card is in FSRS (same values as ``fsrs.State``, stored as a number)."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def in_steps(self) -> bool:
        """Learning or relearning: due in minutes, not days."""
        return self is not CardPhase.REVIEW


LEARNING, REVIEW, RELEARNING = CardPhase.LEARNING, CardPhase.REVIEW, CardPhase.RELEARNING


@dataclass(frozen=True)
class CardState:
    """The memory state of one card, as stored in the database."""

    state: int = LEARNING
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None


@dataclass(frozen=True)
class ReviewEvent:
    """One review, kept in full so parameters can be fitted later."""

    rating: Rating
    reviewed_at: datetime
    duration_ms: int


@lru_cache(maxsize=64)
def _scheduler(
    parameters: tuple[float, ...],
    desired_retention: float,
    fuzz: bool,
    learning_steps: tuple[timedelta, ...] = DEFAULT_POLICY.learning_steps,
    relearning_steps: tuple[timedelta, ...] = DEFAULT_POLICY.relearning_steps,
) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=parameters,
        desired_retention=desired_retention,
        learning_steps=learning_steps,
        relearning_steps=relearning_steps,
        enable_fuzzing=fuzz,
    )


def _card(card_id: int, state: CardState, now: datetime) -> fsrs.Card:
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due or now,
        last_review=state.last_review,
    )


def review(
    card_id: int,
    state: CardState,
    rating: Rating,
    now: datetime,
    *,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
    desired_retention: float = 0.9,
    fuzz: bool = True,
    duration_ms: int = 0,
    policy: ReviewPolicy = DEFAULT_POLICY,
) -> tuple[CardState, ReviewEvent]:
    """Review a card at ``now`` (aware UTC) and return its new state and the event.

    The policy's learning and relearning steps are fsrs's own (``Scheduler``'s
    ``learning_steps`` / ``relearning_steps``): a card in steps is due minutes later.
    """
    scheduler = _scheduler(
        tuple(parameters),
        desired_retention,
        fuzz,
        policy.learning_steps,
        policy.relearning_steps,
    )
    card, _log = scheduler.review_card(
        _card(card_id, state, now), fsrs.Rating(int(rating)), now, duration_ms or None
    )
    new = CardState(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )
    return new, ReviewEvent(rating, now, duration_ms)


def retrievability(
    state: CardState, at: datetime, parameters: Sequence[float] = DEFAULT_PARAMETERS
) -> float:
    """Predicted probability of recall at ``at`` (0 for a card never reviewed)."""
    if state.stability is None or state.last_review is None:
        return 0.0
    scheduler = _scheduler(tuple(parameters), 0.9, False)
    return float(scheduler.get_card_retrievability(_card(0, state, at), at))


def retrievabilities(
    states: Sequence[CardState], at: datetime, parameters: Sequence[float] = DEFAULT_PARAMETERS
) -> list[float]:
    """Retrievability of many cards at ``at``, through fsrs with one reused card object
    (dashboards ask for hundreds of thousands)."""
    scheduler = _scheduler(tuple(parameters), 0.9, False)
    probe = fsrs.Card(card_id=0, due=at)
    result = []
    for state in states:
        if state.stability is None or state.last_review is None:
            result.append(0.0)
            continue
        probe.stability, probe.last_review = state.stability, state.last_review
        result.append(float(scheduler.get_card_retrievability(probe, at)))
    return result
