"""Rate limits shared by every app process and host, kept in the database.

Each key (an account with an address, an address, an account) has one counter row.
:func:`take` counts an event or refuses it, atomically: the row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL, an IMMEDIATE transaction on SQLite) between
the check and the count, so ten racing requests cannot all see "4 of 5 used".

Two kinds of limit:

- a hard cap (``delay is None``): ``free`` events per fixed ``window``, then refused
  until the window ends (sign-ups per address);
- slowing delays (``delay`` set): ``free`` events, then each further one must wait
  ``delay × 2ⁿ`` (at most ``max_delay``) after the previous one; the count is
  forgotten after ``window`` without events. Nobody is locked out for longer than
  ``max_delay``, so an attacker cannot keep an owner out for good (logins, join codes).

Keys are stored as SHA-256 hashes: any email fits, and no email is kept here.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from course.errors import TooManyRequests
from course.store.throttle import (
    ThrottleCounter,
    hash_key,
    lock_counter,
    read_counter,
    store_counter,
)

log = logging.getLogger("course.security")


@dataclass(frozen=True)
class Limit:
    """How many events a key may have; see the module docstring for the two kinds."""

    name: str  # for logs: "login.account_address"
    free: int
    window: timedelta
    what: str  # for the message: "failed logins for this account"
    delay: timedelta | None = None
    max_delay: timedelta = timedelta(minutes=15)


def _message(limit: Limit, retry: int) -> str:
    if retry < 120:
        when = f"{retry} second{'s' if retry != 1 else ''}"
    else:
        minutes = math.ceil(retry / 60)
        when = f"{minutes} minutes"
    return f"Too many {limit.what}. Try again in {when}."


def _refused(limit: Limit, key: str, until: datetime, now: datetime) -> TooManyRequests:
    retry = max(1, math.ceil((until - now).total_seconds()))
    log.warning(
        "security event=throttled limit=%s key=%s retry_after=%d", limit.name, key[:16], retry
    )
    return TooManyRequests(_message(limit, retry), retry)


def take(session: Session, key: str, limit: Limit, now: datetime) -> None:
    """Count one event for ``key``, or refuse it (uncounted); call inside a transaction.

    Raises:
        TooManyRequests: ``key`` used up ``limit``; ``retry_after`` says for how long.
    """
    hashed = hash_key(key)
    count, start, last = lock_counter(session, hashed, now)
    if limit.delay is None:
        if now >= start + limit.window:
            count, start = 0, now
        if count >= limit.free:
            raise _refused(limit, hashed, start + limit.window, now)
    else:
        if now >= last + limit.window:
            count, start = 0, now
        if count >= limit.free:
            wait = min(limit.max_delay, limit.delay * 2 ** min(count - limit.free, 20))
            if now < last + wait:
                raise _refused(limit, hashed, last + wait, now)
    store_counter(session, hashed, count + 1, start, now)


def refused_for(session: Session, key: str, limit: Limit, now: datetime) -> int | None:
    """Seconds until :func:`take` would accept ``key`` again under a hard cap, or
    ``None`` when it would now (a read: nothing is counted or locked)."""
    assert limit.delay is None, "only hard caps have a known end"
    row = read_counter(session, hash_key(key))
    if row is None or row.count < limit.free or now >= row.window_start + limit.window:
        return None
    until: datetime = row.window_start + limit.window
    return max(1, math.ceil((until - now).total_seconds()))


def refund(session: Session, key: str, now: datetime) -> None:
    """Give back one event counted by :func:`take` (the attempt turned out fine)."""
    hashed = hash_key(key)
    count, start, last = lock_counter(session, hashed, now)
    store_counter(session, hashed, max(0, count - 1), start, last)


def clear(session: Session, key: str) -> None:
    """Forget every event of ``key``."""
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == hash_key(key)))


def mark(session: Session, key: str, now: datetime) -> None:
    """Remember that ``key`` happened at ``now`` (e.g. a good login from an address)."""
    hashed = hash_key(key)
    lock_counter(session, hashed, now)
    store_counter(session, hashed, 0, now, now)


def seen_since(session: Session, key: str, since: datetime) -> bool:
    """Whether :func:`mark` recorded ``key`` after ``since``."""
    row = read_counter(session, hash_key(key))
    return row is not None and row.last_at > since


def purge(session: Session, before: datetime) -> None:
    """Delete counters untouched since ``before`` (keeps the table small)."""
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.last_at < before))
