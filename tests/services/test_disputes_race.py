"""THREATS 50 for disputes: ten threads released together dispute the same answer, or
settle the same dispute; exactly one wins, the others get 409, never an error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import Conflict
from course.services import classes, disputes
from course.services.disputes import Resolution
from course.store.audit import ScoreChange
from course.store.disputes import Dispute
from course.store.engine import make_sessionmaker
from tests.factories import KEYS, make_class, make_instructor, make_learner, take_quiz

THREADS = 10
REPS = 5


def race(engine: Engine, work: Callable[[Session], Any]) -> list[Any]:
    """``work(session)`` in ``THREADS`` threads released together, each with its own
    session; the results, or the exceptions raised."""
    barrier = threading.Barrier(THREADS)
    out: list[Any] = [None] * THREADS

    def run(i: int, session: Session) -> None:
        barrier.wait()
        try:
            out[i] = work(session)
        except Exception as exc:  # collected: the test checks each
            out[i] = exc
        finally:
            session.close()

    threads = [
        threading.Thread(target=run, args=(i, make_sessionmaker(engine)())) for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def test_racing_disputes_and_settlements(
    synced: None, engine: Engine, session: Session, clock: FixedClock
) -> None:
    teacher = make_instructor(session, clock)
    kim = make_learner(session, clock, "kim@example.org")
    _class_id, code = make_class(session, clock, teacher)
    classes.join(session, clock, kim, code)
    attempt = take_quiz(session, clock, kim.id, wrong=list(KEYS))
    positions = sorted(int(k) for k in KEYS.values())[:REPS]
    for position in positions:
        opened = race(
            engine,
            lambda s, p=position: disputes.open_dispute(s, clock.now(), kim, attempt, p, "Mine"),
        )
        ids = [r for r in opened if isinstance(r, int)]
        assert len(ids) == 1, opened
        assert all(isinstance(r, Conflict) for r in opened if not isinstance(r, int)), opened
        settled = race(
            engine,
            lambda s, d=ids[0]: disputes.resolve(
                s, clock.now(), teacher, d, Resolution.FOR_LEARNER, "Yes"
            ),
        )
        wins = [r for r in settled if isinstance(r, disputes.Settled)]
        assert len(wins) == 1, settled
        assert all(isinstance(r, Conflict) for r in settled if r not in wins), settled
    with session.begin():
        assert session.scalar(select(func.count(Dispute.id))) == REPS
        assert session.scalar(select(func.count(ScoreChange.id))) == REPS  # one credit each
