"""90 days of simulated learners: which answer → rating mapping keeps more in memory?

Each simulated learner has a *true* memory per card that follows FSRS itself (the
default FSRS-6 parameters, through ``fsrs``): at each answer the learner recalls the
card with the true retrievability. What the app sees is only the graded answer and the
optional confidence:

* recalled: right (92 %) or a slip that earns partial credit (8 %); "I'm sure" 70 % of
  the time, no confidence otherwise;
* not recalled: a lucky guess on a choice question (1 in 4; half the questions are
  choice, half typed), half-knowledge that earns partial credit (15 %), or wrong;
  "I'm guessing" 75 % of the time, no confidence otherwise.

The true memory is updated with what really happened (recalled: Good; not: Again, the
learner then reads the right answer), the app's card with the rating the mapping gives.
Both mappings run the same learners with the same seed, through the app's own
scheduler wrapper (``course.review.scheduler.review``, learning steps 1 and 10 minutes,
relearning 10 minutes, fuzz off) and day boundaries.

A learner studies once a day at 18:00 UTC: 10 new questions a day for the first 30 days
(a quiz answer right after reading the lesson is recalled 70 % of the time), then every
due card; a card waiting for its step is answered when ready if that is within 20
minutes (learn-ahead), else the next day. Answers take 20 seconds.

Printed per mapping: mean true recall of all introduced cards at the day's start
(days 31–90), recall at day 90, recall when a card in review is answered (what FSRS
aims to hold at the desired retention, 0.9), answers per learner per day, and the
answers spent per card still recalled at day 90.

Run: ``.venv/bin/python bench/review_mapping.py [--learners 100] [--seed 11]``.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from course.review.rating import (  # noqa: E402
    Confidence,
    Rating,
    previous_rating_for,
    rating_for,
)
from course.review.scheduler import (  # noqa: E402
    CardPhase,
    CardState,
    retrievabilities,
    review,
)

DAYS = 90
NEW_PER_DAY = 10
NEW_DAYS = 30
SESSION_AT = 18  # hour, UTC
ANSWER = timedelta(seconds=20)
LEARN_AHEAD = timedelta(minutes=20)
START = datetime(2026, 1, 5, tzinfo=UTC)
Mapping = Callable[[float, Confidence | None, int, int], Rating]


def all_again(score: float, confidence: Confidence | None, ms: int, quick: int) -> Rating:
    """Candidate: any partial answer rates Again too, guessed or not."""
    if score < 1.0:
        return Rating.AGAIN
    return rating_for(score, confidence, ms, quick)


# name → (mapping, desired retention)
MAPPINGS: dict[str, tuple[Mapping, float]] = {
    "before: partial or guessed → Hard": (previous_rating_for, 0.9),
    "before, desired retention 0.92": (previous_rating_for, 0.92),
    "now: guessed → Again, partial → Hard": (rating_for, 0.9),
    "partial or guessed → Again": (all_again, 0.9),
}
TRUTH = fsrs.Scheduler(enable_fuzzing=False)


@dataclass
class SimCard:
    id: int
    choice: bool  # a choice question (guessable) rather than typed
    state: CardState
    truth: fsrs.Card


@dataclass
class Totals:
    answers: int = 0
    review_answers: int = 0
    review_recalled: int = 0
    recall_days: list[float] = field(default_factory=list)
    recall_end: list[float] = field(default_factory=list)
    kept_end: float = 0.0
    # What the app predicts minus the truth, per card and day (calibration).
    bias: list[float] = field(default_factory=list)
    abs_error: list[float] = field(default_factory=list)


def true_recall(card: SimCard, at: datetime) -> float:
    if card.truth.stability is None:
        return 0.0
    return float(TRUTH.get_card_retrievability(card.truth, at))


def answer(
    card: SimCard,
    now: datetime,
    rnd: random.Random,
    mapping: tuple[Mapping, float],
    totals: Totals,
) -> None:
    """One answer: the learner recalls (or not) from true memory; the app rates it."""
    first = card.truth.stability is None
    recalled = rnd.random() < (0.7 if first else true_recall(card, now))
    if recalled:
        score = 1.0 if rnd.random() < 0.92 else 0.5
        confidence = Confidence.SURE if rnd.random() < 0.7 else None
    else:
        luck = rnd.random()
        if card.choice and luck < 0.25:
            score = 1.0
        elif luck < 0.40:
            score = 0.5
        else:
            score = 0.0
        confidence = Confidence.GUESSED if rnd.random() < 0.75 else None
    in_review = card.state.state == CardPhase.REVIEW and card.state.stability is not None
    totals.answers += 1
    if in_review:
        totals.review_answers += 1
        totals.review_recalled += recalled
    rate, retention = mapping
    rating = rate(score, confidence, 0, 0)
    card.state, _ = review(
        card.id, card.state, rating, now, desired_retention=retention, fuzz=False
    )
    truth_rating = fsrs.Rating.Good if recalled else fsrs.Rating.Again
    card.truth, _ = TRUTH.review_card(card.truth, truth_rating, now)


def session(
    cards: list[SimCard],
    start: datetime,
    rnd: random.Random,
    m: tuple[Mapping, float],
    t: Totals,
) -> None:
    """One study session: every card due today; cards in steps when ready (or within the
    learn-ahead limit when nothing else is left, never the card just answered)."""
    now, day_end, last = start, start + timedelta(hours=10), -1
    while True:
        ready = [
            c
            for c in cards
            if c.state.due is not None
            and (
                c.state.due <= now or (c.state.state == CardPhase.REVIEW and c.state.due < day_end)
            )
        ]
        if not ready:
            waiting = [
                c
                for c in cards
                if c.state.state != CardPhase.REVIEW
                and c.id != last
                and c.state.due is not None
                and c.state.due <= now + LEARN_AHEAD
            ]
            if not waiting:
                return
            ready = [min(waiting, key=lambda c: (c.state.due, c.id))]
        card = min(ready, key=lambda c: (c.state.due, c.id))
        answer(card, now, rnd, m, t)
        last = card.id
        now += ANSWER


def learner(seed: int, mapping: tuple[Mapping, float], totals: Totals) -> None:
    rnd = random.Random(seed)
    cards: list[SimCard] = []
    for day in range(DAYS):
        at = START + timedelta(days=day, hours=SESSION_AT)
        if cards and day >= NEW_DAYS:
            truths = [true_recall(c, at) for c in cards]
            totals.recall_days.append(sum(truths) / len(cards))
            predicted = retrievabilities([c.state for c in cards], at)
            errors = [p - t for p, t in zip(predicted, truths, strict=True)]
            totals.bias.append(sum(errors) / len(errors))
            totals.abs_error.append(sum(abs(e) for e in errors) / len(errors))
        if day < NEW_DAYS:
            for _ in range(NEW_PER_DAY):
                card = SimCard(
                    len(cards) + 1,
                    rnd.random() < 0.5,
                    CardState(due=at),
                    fsrs.Card(card_id=len(cards) + 1, due=at),
                )
                cards.append(card)
                answer(card, at, rnd, mapping, totals)  # the quiz answer
                at += ANSWER
        session(cards, at, rnd, mapping, totals)
    end = START + timedelta(days=DAYS, hours=SESSION_AT)
    recalls = [true_recall(c, end) for c in cards]
    totals.recall_end.append(sum(recalls) / len(recalls))
    totals.kept_end += sum(recalls)


def run(learners: int, seed: int) -> dict[str, dict[str, float]]:
    """The figures of every mapping for ``learners`` learners seeded from ``seed``."""
    results = {}
    for name, mapping in MAPPINGS.items():
        totals = Totals()
        for i in range(learners):
            learner(seed * 100_003 + i, mapping, totals)
        results[name] = {
            "recall_days_31_90": sum(totals.recall_days) / len(totals.recall_days),
            "recall_day_90": sum(totals.recall_end) / len(totals.recall_end),
            "recall_when_reviewed": totals.review_recalled / max(1, totals.review_answers),
            "answers_per_day": totals.answers / learners / DAYS,
            "answers_per_card_kept": totals.answers / max(1.0, totals.kept_end),
            "bias": sum(totals.bias) / len(totals.bias),
            "abs_error": sum(totals.abs_error) / len(totals.abs_error),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    results = run(args.learners, args.seed)
    print(f"{args.learners} learners, {DAYS} days, seed {args.seed}")
    header = (
        f"{'mapping':40} {'recall d31-90':>14} {'recall d90':>11} "
        f"{'at review':>10} {'answers/day':>12} {'answers/kept':>13} "
        f"{'pred. bias':>11} {'pred. |err|':>12}"
    )
    print(header)
    for name, r in results.items():
        print(
            f"{name:40} {r['recall_days_31_90']:>14.1%} {r['recall_day_90']:>11.1%} "
            f"{r['recall_when_reviewed']:>10.1%} {r['answers_per_day']:>12.1f} "
            f"{r['answers_per_card_kept']:>13.2f} {r['bias']:>+11.1%} {r['abs_error']:>12.1%}"
        )


if __name__ == "__main__":
    main()
