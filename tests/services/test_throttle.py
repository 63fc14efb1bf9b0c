"""Throttle counters: atomic under barrier-released races, any key length, growing
delays (THREATS 1, 43, 46, 50 for the login throttle). Runs on SQLite, and on
PostgreSQL when COURSE_TEST_DATABASE_URL points at one."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import TooManyRequests
from course.services import accounts, throttle
from course.services.accounts import LOGIN_PER_ACCOUNT_ADDRESS, authenticate
from course.store.engine import make_sessionmaker
from course.store.throttle import ThrottleCounter
from tests.factories import make_user

THREADS = 10
HARD = throttle.Limit("test.hard", 5, timedelta(hours=1), "tries")
SLOW = throttle.Limit("test.slow", 3, timedelta(days=1), "tries", delay=timedelta(minutes=1))


def race(engine: Engine, work: Callable[[Session], str]) -> Counter[str]:
    """Run ``work`` in THREADS threads released together; count what each returned."""
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()
    make = make_sessionmaker(engine)

    def run() -> None:
        s = make()
        try:
            barrier.wait()
            outcome = work(s)
        except TooManyRequests:
            outcome = "429"
        except Exception as exc:  # any other failure is the finding
            outcome = f"error {type(exc).__name__}: {exc}"
        finally:
            s.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return Counter(results)


def test_racing_takes_let_exactly_the_limit_through(engine: Engine, clock: FixedClock) -> None:
    """The old check-then-insert let 6 of 5 through on PostgreSQL."""
    for repetition in range(20):

        def take(s: Session, key: str = f"race:{repetition}") -> str:
            with s.begin():
                throttle.take(s, key, HARD, clock.now())
            return "ok"

        assert race(engine, take) == Counter({"ok": 5, "429": 5})


def test_racing_wrong_passwords_get_one_more_try_only(
    engine: Engine, session: Session, clock: FixedClock
) -> None:
    """Four failures so far: of ten simultaneous wrong passwords exactly one is checked."""
    for repetition in range(10):
        email, address = f"race{repetition}@example.org", f"10.1.0.{repetition}"
        make_user(session, clock, email)
        for i in range(LOGIN_PER_ACCOUNT_ADDRESS.free - 1):
            assert authenticate(session, clock, email, f"nope {i}", address) is None

        def attempt(s: Session, email: str = email, address: str = address) -> str:
            user = authenticate(s, clock, email, "wrong again", address)
            return "401" if user is None else "200"

        assert race(engine, attempt) == Counter({"401": 1, "429": THREADS - 1})


@pytest.mark.parametrize("length", [10, 186, 187, 254, 255, 1_000, 10_000])
def test_any_key_length_fits(session: Session, clock: FixedClock, length: int) -> None:
    """THREATS 46: a 200-character key column made long login emails a 500 on PostgreSQL."""
    email = "a" * max(1, length - len("@example.org")) + "@example.org"
    assert authenticate(session, clock, email, "whatever password", "10.0.0.1") is None
    with session.begin():
        keys = session.scalars(select(ThrottleCounter.key)).all()
    assert keys and all(len(k) == 64 for k in keys)


def test_keys_hold_no_email(session: Session, clock: FixedClock) -> None:
    authenticate(session, clock, "secret.person@example.org", "whatever password", "10.0.0.1")
    with session.begin():
        rows = session.execute(select(ThrottleCounter.key)).scalars().all()
    assert not any("secret" in key for key in rows)


def test_delays_grow_and_stay_bounded(session: Session, clock: FixedClock) -> None:
    key = "slow:1"

    def take() -> int:
        try:
            with session.begin():
                throttle.take(session, key, SLOW, clock.now())
        except TooManyRequests as exc:
            return exc.retry_after
        return 0

    assert [take() for _ in range(SLOW.free)] == [0] * SLOW.free
    waits = []
    for _ in range(6):
        wait = take()
        assert wait > 0  # refused, and not counted
        waits.append(wait)
        clock.advance(timedelta(seconds=wait))
        assert take() == 0
    assert waits == [60, 120, 240, 480, 900, 900]  # doubling, capped at 15 minutes
    clock.advance(SLOW.window)
    assert take() == 0  # forgotten after a quiet window


def test_hard_cap_resets_with_the_window(session: Session, clock: FixedClock) -> None:
    for _ in range(HARD.free):
        with session.begin():
            throttle.take(session, "hard:1", HARD, clock.now())
    with pytest.raises(TooManyRequests) as refused, session.begin():
        throttle.take(session, "hard:1", HARD, clock.now())
    assert refused.value.retry_after == 3600
    clock.advance(HARD.window)
    with session.begin():
        throttle.take(session, "hard:1", HARD, clock.now())


def test_stale_counters_are_purged(session: Session, clock: FixedClock) -> None:
    with session.begin():
        throttle.take(session, "old", HARD, clock.now())
    clock.advance(timedelta(days=40))
    with session.begin():
        throttle.take(session, "new", HARD, clock.now())
        throttle.purge(session, clock.now() - timedelta(days=31))
    with session.begin():
        assert session.scalar(select(func.count()).select_from(ThrottleCounter)) == 1


def test_known_addresses_skip_account_wide_counting(session: Session, clock: FixedClock) -> None:
    """THREATS 43 at the service level: failures elsewhere never slow the owner's address."""
    make_user(session, clock, "own@example.org")
    assert authenticate(session, clock, "own@example.org", "a long enough password", "1.1.1.1")
    for i in range(accounts.LOGIN_PER_ACCOUNT.free + 5):
        address = f"203.0.113.{i}"  # an attacker spreading guesses over addresses
        with contextlib.suppress(TooManyRequests):
            authenticate(session, clock, "own@example.org", f"guess {i}", address)
    with pytest.raises(TooManyRequests):
        authenticate(session, clock, "own@example.org", "guess x", "198.51.100.7")
    user = authenticate(session, clock, "own@example.org", "a long enough password", "1.1.1.1")
    assert user is not None


@pytest.mark.parametrize("email", ["nul\x00@example.org", "\x00", "a" * 300 + "\x00@example.org"])
def test_impossible_emails_are_a_failed_login(
    session: Session, clock: FixedClock, email: str
) -> None:
    """PostgreSQL refuses NUL bytes; such an email is never looked up, just refused."""
    assert authenticate(session, clock, email, "whatever password", "10.0.0.1") is None
