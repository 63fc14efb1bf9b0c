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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from course.review.queue import day_bounds, learner_day
from course.review.scheduler import DEFAULT_PARAMETERS, REVIEW, CardState, retrievabilities

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


def _on_date(state: CardState, day: date) -> CardState:
    """The card as if last reviewed at midnight UTC of the calendar date ``day``: fsrs
    counts whole days between two moments, so anchoring both ends at the same hour of
    their dates makes it count learner days exactly, DST or not."""
    anchored = datetime.combine(day, time(), tzinfo=UTC)
    return CardState(state.state, state.step, state.stability, state.difficulty, None, anchored)


def recall_on(
    state: CardState, day: date, timezone: str, parameters: Sequence[float] = DEFAULT_PARAMETERS
) -> float:
    """Predicted recall of a card on the learner's ``day``: FSRS retrievability after
    the number of learner days between its last review and ``day``."""
    return recall_by_day([state], [day], timezone, parameters)[0][0]


def recall_by_day(
    states: Sequence[CardState],
    days: Sequence[date],
    timezone: str,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
) -> list[list[float]]:
    """Predicted recall of each card on each of ``days`` (one list per day), through
    fsrs in one batch per day."""
    anchored = [
        _on_date(s, learner_day(s.last_review, timezone)) if s.last_review else s for s in states
    ]
    return [
        retrievabilities(anchored, datetime.combine(day, time(), tzinfo=UTC), parameters)
        for day in days
    ]


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
    return summarize_groups({"": states}, now, timezone, parameters)[""]


def summarize_groups(
    groups: Mapping[str, Sequence[CardState]],
    now: datetime,
    timezone: str,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
) -> dict[str, Memory]:
    """``summarize`` for each group of one learner's cards (a lesson's), with one fsrs
    batch per horizon for all of them."""
    _start, next_start = day_bounds(now, timezone)
    today = learner_day(now, timezone)
    days = [today + timedelta(days=n) for n in HORIZON_DAYS]
    names = list(groups)
    flat = [state for name in names for state in groups[name]]
    by_day = recall_by_day(flat, days, timezone, parameters)
    result = {}
    offset = 0
    for name in names:
        states = groups[name]
        end = offset + len(states)
        result[name] = Memory(
            cards=len(states),
            learned=sum(1 for s in states if is_learned(s)),
            due_today=sum(1 for s in states if s.due is not None and s.due < next_start),
            recall=tuple(
                sum(values[offset:end]) / len(states) if states else None for values in by_day
            ),
        )
        offset = end
    return result


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
