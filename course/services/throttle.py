"""Rate limits shared by every app process, kept in the database.

A limit is ``(max events, window)`` per key (an account, an address). Events older
than the window are deleted as new ones arrive, so the table stays small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from course.errors import TooManyRequests
from course.store.attempts import ThrottleHit


@dataclass(frozen=True)
class Limit:
    max_events: int
    window: timedelta
    what: str  # for the message: "failed logins for this account"


LOGIN_PER_ACCOUNT = Limit(5, timedelta(minutes=15), "failed logins for this account")
LOGIN_PER_ADDRESS = Limit(20, timedelta(minutes=15), "failed logins from your address")
SIGNUP_PER_ADDRESS = Limit(10, timedelta(hours=1), "sign-ups from your address")


def check(session: Session, key: str, limit: Limit, now: datetime) -> None:
    """Raise :class:`TooManyRequests` when ``key`` used up ``limit``; call inside a transaction."""
    since = now - limit.window
    rows = session.execute(
        select(func.count(), func.min(ThrottleHit.at)).where(
            ThrottleHit.key == key, ThrottleHit.at > since
        )
    ).one()
    count, oldest = rows
    if count >= limit.max_events and oldest is not None:
        retry = max(1, math.ceil((oldest + limit.window - now).total_seconds()))
        minutes = max(1, math.ceil(retry / 60))
        raise TooManyRequests(
            f"Too many {limit.what}. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            retry,
        )


def hit(session: Session, key: str, limit: Limit, now: datetime) -> None:
    """Count one event for ``key``; call inside a transaction."""
    session.execute(
        delete(ThrottleHit).where(ThrottleHit.key == key, ThrottleHit.at <= now - limit.window)
    )
    session.add(ThrottleHit(key=key, at=now))


def clear(session: Session, key: str) -> None:
    session.execute(delete(ThrottleHit).where(ThrottleHit.key == key))
