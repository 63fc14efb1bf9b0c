"""Simulated learners whose memory follows FSRS with known parameters, reviewed the way
the app reviews them.

Each learner studies once a day in a session at about the same local time (some days
skipped). New questions arrive as quiz answers; every card then goes through the app's
schedule: ``fsrs`` with the *default* parameters and learning steps (1 and 10 minutes,
relearning 10 minutes), so a card is reviewed several times on its first day. Whether the
learner recalls it is drawn from ``fsrs``'s retrievability of a second card that follows
the learner's *true* parameters. That memory card lives on the learner's day clock (whole
learner days between days, minutes within one), the clock the optimizer counts in, so
the true parameters are the best model of these logs that FSRS has.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import fsrs

from course.review.optimize import Review
from course.review.queue import learner_day

# A population that forgets faster than the defaults assume early on and keeps cards
# longer once learned, with a steeper forgetting curve (w20).
TRUE_PARAMETERS: tuple[float, ...] = (
    0.6, 2.4, 4.5, 15.0, 5.8, 0.9, 2.4, 0.02, 1.5, 0.25, 1.1, 1.7, 0.09, 0.35, 2.0,
    0.45, 2.4, 0.6, 0.15, 0.1, 0.25,
)  # fmt: skip

FIRST_RATINGS = ((fsrs.Rating.Again, 0.3), (fsrs.Rating.Hard, 0.1), (fsrs.Rating.Good, 0.5),
                 (fsrs.Rating.Easy, 0.1))  # fmt: skip
RECALL_RATINGS = ((fsrs.Rating.Hard, 0.15), (fsrs.Rating.Good, 0.75), (fsrs.Rating.Easy, 0.1))
MEMORY_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Learner:
    timezone: str
    study_at: time  # local time their daily session starts, give or take 45 minutes


# Sessions that straddle midnight UTC (so UTC dates would count days wrong), one before
# the 04:00 day start (it belongs to the evening before), and one plain UTC learner.
LEARNERS = (
    Learner("America/Los_Angeles", time(16, 30)),  # UTC−8 (−7 in summer)
    Learner("Asia/Tokyo", time(8, 45)),  # UTC+9
    Learner("Europe/Berlin", time(2, 30)),
    Learner("UTC", time(19, 0)),
)


def _pick(rnd: random.Random, weighted: tuple[tuple[fsrs.Rating, float], ...]) -> fsrs.Rating:
    ratings, weights = zip(*weighted, strict=True)
    return rnd.choices(ratings, weights)[0]


@dataclass
class _Card:
    app: fsrs.Card
    memory: fsrs.Card
    memory_minute: int = 0


class _Simulation:
    def __init__(self, true: fsrs.Scheduler, rnd: random.Random) -> None:
        self.app = fsrs.Scheduler(enable_fuzzing=False)  # defaults and learning steps
        self.true = true
        self.rnd = rnd

    def memory_time(self, card: _Card, day: date) -> datetime:
        """The memory card's clock: whole days between learner days, and a minute more for
        each review of the card (so the time between two days is never a day short)."""
        card.memory_minute += 1
        return MEMORY_EPOCH + timedelta(days=day.toordinal(), minutes=card.memory_minute)

    def review(self, card: _Card, now: datetime, zone: str, first: bool) -> fsrs.Rating:
        memory_now = self.memory_time(card, learner_day(now, zone))
        if first:
            rating = _pick(self.rnd, FIRST_RATINGS)
        else:
            recall = self.true.get_card_retrievability(card.memory, memory_now)
            recalled = self.rnd.random() < recall
            rating = _pick(self.rnd, RECALL_RATINGS) if recalled else fsrs.Rating.Again
        card.app, _ = self.app.review_card(card.app, rating, now)
        card.memory, _ = self.true.review_card(card.memory, rating, memory_now)
        return rating


def simulate_learner(
    learner: Learner,
    parameters: tuple[float, ...],
    *,
    seed: int,
    first_card: int,
    cards: int = 24,
    days: int = 100,
    new_per_day: int = 3,
) -> list[Review]:
    """One learner's review log (card ids from ``first_card``), as the app would keep it."""
    rnd = random.Random(seed)
    true = fsrs.Scheduler(
        parameters=parameters, enable_fuzzing=False, learning_steps=(), relearning_steps=()
    )
    sim = _Simulation(true, rnd)
    zone = ZoneInfo(learner.timezone)
    start = date(2026, 1, 5) + timedelta(days=rnd.randrange(60))
    deck: dict[int, _Card] = {}
    log: list[Review] = []
    for offset in range(days):
        if rnd.random() < 0.15:
            continue  # a day off
        local_start = datetime.combine(start + timedelta(days=offset), learner.study_at, zone)
        now = (local_start + timedelta(minutes=rnd.uniform(-45, 45))).astimezone(UTC)
        end = now + timedelta(minutes=40)
        for _ in range(min(new_per_day, cards - len(deck))):  # quiz answers: first reviews
            card_id = first_card + len(deck)
            card = deck[card_id] = _Card(
                fsrs.Card(card_id=card_id, due=now), fsrs.Card(card_id=card_id, due=MEMORY_EPOCH)
            )
            now += timedelta(seconds=rnd.uniform(20, 90))
            rating = sim.review(card, now, learner.timezone, first=True)
            log.append(Review(card_id, int(rating), now, learner.timezone))
        while True:  # the review page: whatever is due, until the session ends
            due = [(c.app.due, i) for i, c in deck.items() if c.app.due <= end]
            if not due:
                break
            when, card_id = min(due)
            now = max(now, when) + timedelta(seconds=rnd.uniform(10, 40))
            if now > end:
                break
            rating = sim.review(deck[card_id], now, learner.timezone, first=False)
            log.append(Review(card_id, int(rating), now, learner.timezone))
    return log


def simulate(
    parameters: tuple[float, ...], learners: int, *, seed: int, cards: int = 24, days: int = 100
) -> list[list[Review]]:
    """Logs of ``learners`` learners cycling through :data:`LEARNERS`, one list each."""
    return [
        simulate_learner(
            LEARNERS[n % len(LEARNERS)],
            parameters,
            seed=seed * 10_000 + n,
            first_card=n * cards,
            cards=cards,
            days=days,
        )
        for n in range(learners)
    ]
