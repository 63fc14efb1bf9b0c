"""What the progress figures mean, from the FSRS card states: one definition for the
learner's progress page and the instructor's dashboards.

* **Learned**: a card in the *review* phase whose stability is at least
  ``LEARNED_STABILITY_DAYS`` (a week). Stability is the number of days after which
  FSRS predicts 90 % recall, so a learned question is one the learner is predicted to
  still know a week after the last review. A card still in its learning steps, or
  relearning after a lapse, is not learned whatever its last score was; a right answer
  on the first try is not enough either (its stability starts at a few days).
* **Predicted recall** is shown for the learner's next day, then a week and a month of
  days later, assuming no review in between. Right after a review recall is 1 by
  definition, so "now" would say nothing. Time is counted in the learner's days (they
  start at 04:00 in their time zone), as FSRS and Anki count it: fsrs rounds elapsed
  time down to whole days, so a card reviewed this evening is one day old tomorrow and
  eight days old a week later, whatever the hour.
* **Due today**: due before the next day start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from course.review.queue import day_bounds, learner_day
from course.review.scheduler import DEFAULT_PARAMETERS, REVIEW, CardState, retrievability

LEARNED_STABILITY_DAYS = 7.0
# Recall is predicted for these learner days, counted from today: tomorrow, a week
# later, a month later.
HORIZON_DAYS = (1, 7, 30)
HORIZON_NAMES = ("tomorrow", "in 7 days", "in 30 days")


def is_learned(state: CardState) -> bool:
    """Whether a card counts as learned: in review with a stability of a week or more."""
    return (
        state.state == REVIEW
        and state.stability is not None
        and state.stability >= LEARNED_STABILITY_DAYS
    )


def recall_on(
    state: CardState, day: date, timezone: str, parameters: Sequence[float] = DEFAULT_PARAMETERS
) -> float:
    """Predicted recall of a card on the learner's ``day``: FSRS retrievability after
    the number of learner days between its last review and ``day``."""
    if state.last_review is None:
        return 0.0
    elapsed = max(0, (day - learner_day(state.last_review, timezone)).days)
    return retrievability(state, state.last_review + timedelta(days=elapsed), parameters)


@dataclass(frozen=True)
class Memory:
    """A set of cards (a lesson's, or a course's) summed up by the definitions above."""

    cards: int
    learned: int
    due_today: int
    recall: tuple[float | None, ...]  # mean predicted recall at each of ``horizons``

    @property
    def recall_tomorrow(self) -> float | None:
        return self.recall[0]


def summarize(
    states: Sequence[CardState],
    now: datetime,
    timezone: str,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
) -> Memory:
    """Count learned and due cards and average predicted recall at each horizon."""
    _start, next_start = day_bounds(now, timezone)
    today = learner_day(now, timezone)
    recall: list[float | None] = []
    for days in HORIZON_DAYS:
        day = today + timedelta(days=days)
        values = [recall_on(s, day, timezone, parameters) for s in states]
        recall.append(sum(values) / len(values) if values else None)
    return Memory(
        cards=len(states),
        learned=sum(1 for s in states if is_learned(s)),
        due_today=sum(1 for s in states if s.due is not None and s.due < next_start),
        recall=tuple(recall),
    )


def combine(parts: Sequence[Memory]) -> Memory:
    """One summary of several (a learner's lessons, a class's learners): counts add up,
    recall is the mean over all their cards."""
    cards = sum(p.cards for p in parts)
    recall: list[float | None] = []
    for i in range(len(HORIZON_DAYS)):
        weighted = [(p.recall[i], p.cards) for p in parts if p.recall[i] is not None]
        total = sum(n for _, n in weighted)
        recall.append(sum(r * n for r, n in weighted if r is not None) / total if total else None)
    return Memory(
        cards=cards,
        learned=sum(p.learned for p in parts),
        due_today=sum(p.due_today for p in parts),
        recall=tuple(recall),
    )
