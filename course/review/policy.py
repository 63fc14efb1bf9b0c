"""A course's review policy: learning steps, learn-ahead limit and the leech rule.

These are course settings (``course.yaml``); the defaults are Anki's. The leech rule
lives here and nowhere else: every page that counts or flags leeches calls
:func:`is_leech` with the course's threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

DEFAULT_LEARNING_MINUTES: tuple[int, ...] = (1, 10)
DEFAULT_RELEARNING_MINUTES: tuple[int, ...] = (10,)
DEFAULT_LEARN_AHEAD_MINUTES = 20
DEFAULT_LEECH_LAPSES = 8


def is_leech(lapses: int, threshold: int = DEFAULT_LEECH_LAPSES) -> bool:
    """A card forgotten ``threshold`` times or more is a leech (0 turns the rule off)."""
    return threshold > 0 and lapses >= threshold


def _minutes(values: Sequence[int]) -> tuple[timedelta, ...]:
    return tuple(timedelta(minutes=m) for m in values)


@dataclass(frozen=True)
class ReviewPolicy:
    """How cards move through learning and when a card counts as a leech.

    Attributes:
        learning_steps: waits between the first answers of a new card before it
            graduates to day intervals.
        relearning_steps: waits after a forgotten card before it returns to review.
        learn_ahead: when nothing else is due, a (re)learning card due within this
            long is shown early rather than making the learner wait.
        leech_lapses: lapses after which a card is suspended as a leech (0: never).
    """

    learning_steps: tuple[timedelta, ...] = field(
        default_factory=lambda: _minutes(DEFAULT_LEARNING_MINUTES)
    )
    relearning_steps: tuple[timedelta, ...] = field(
        default_factory=lambda: _minutes(DEFAULT_RELEARNING_MINUTES)
    )
    learn_ahead: timedelta = timedelta(minutes=DEFAULT_LEARN_AHEAD_MINUTES)
    leech_lapses: int = DEFAULT_LEECH_LAPSES

    @classmethod
    def from_minutes(
        cls,
        learning: Sequence[int],
        relearning: Sequence[int],
        learn_ahead: int,
        leech_lapses: int,
    ) -> ReviewPolicy:
        """The policy from the stored course settings (whole minutes)."""
        return cls(
            _minutes(learning), _minutes(relearning), timedelta(minutes=learn_ahead), leech_lapses
        )
