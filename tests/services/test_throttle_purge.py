"""Rate-limit counters nobody touched for over a month are deleted at the next
successful login, so the table stays small on a site where nobody signs up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import accounts, throttle
from course.services.limits import SIGNUP_PER_ADDRESS
from course.store.throttle import ThrottleCounter
from tests.factories import PASSWORD, make_user


def _counters(session: Session) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(ThrottleCounter)) or 0


def test_stale_counters_go_at_the_next_login(session: Session, clock: FixedClock) -> None:
    make_user(session, clock, "owner@example.org")
    with session.begin():
        for i in range(5):
            throttle.take(session, f"old:{i}", SIGNUP_PER_ADDRESS, clock.now())
    assert _counters(session) == 5
    clock.advance(timedelta(days=40))
    user = accounts.authenticate(session, clock, "owner@example.org", PASSWORD, "10.0.0.1")
    assert user is not None
    with session.begin():
        oldest = session.scalar(select(func.min(ThrottleCounter.last_at)))
    assert oldest == clock.now()  # the five old counters are gone; this login's remain
    assert _counters(session) < 5
