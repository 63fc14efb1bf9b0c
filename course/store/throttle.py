"""Rate-limit counters: one row per hashed key, updated atomically."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from course.store.base import Base, UTCDateTime


class ThrottleCounter(Base):
    """Events counted for one key (an account and address, an address, an account).

    ``key`` is the SHA-256 of the readable key, so any email or address fits and no
    email is stored here.
    """

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # for purge()


def hash_key(key: str) -> str:
    """The stored form of a readable key (64 hex characters for any input)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


_LOCK = (
    select(ThrottleCounter.count, ThrottleCounter.window_start, ThrottleCounter.last_at)
    .where(ThrottleCounter.key == bindparam("key"))
    .with_for_update()
)
_READ = select(ThrottleCounter.count, ThrottleCounter.window_start, ThrottleCounter.last_at).where(
    ThrottleCounter.key == bindparam("key")
)


def lock_counter(session: Session, key: str, now: datetime) -> Any:
    """Create the row if missing, then read it locked until the transaction ends.

    PostgreSQL: ``INSERT … ON CONFLICT DO NOTHING`` then ``SELECT … FOR UPDATE``, so
    concurrent checks of one key queue on the row. SQLite: write transactions begin
    IMMEDIATE (see :mod:`course.store.engine`), which serializes them anyway.
    """
    values = {"key": key, "count": 0, "window_start": now, "last_at": now}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(ThrottleCounter).values(values).on_conflict_do_nothing())
    return session.connection().execute(_LOCK, {"key": key}).one()


def read_counter(session: Session, key: str) -> Any:
    """The row for ``key`` (unlocked), or ``None``."""
    return session.connection().execute(_READ, {"key": key}).first()


def store_counter(
    session: Session, key: str, count: int, window_start: datetime, last_at: datetime
) -> None:
    session.execute(
        update(ThrottleCounter)
        .where(ThrottleCounter.key == key)
        .values(count=count, window_start=window_start, last_at=last_at)
    )
