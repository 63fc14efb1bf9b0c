"""SQLite locking: writers queue on the busy timeout; readers never wait for a writer."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import Engine, text

from course.store.engine import make_engine, make_sessionmaker, read_only
from tests.factories import USING_PG


def test_reader_does_not_wait_for_a_writer(engine: Engine, database_url: str) -> None:
    if USING_PG:
        return
    writer = make_sessionmaker(engine)()
    other = make_engine(database_url)
    reader = make_sessionmaker(other)()
    try:
        writer.begin()
        writer.execute(
            text(
                "INSERT INTO throttle_counters (key, count, window_start, last_at) "
                "VALUES ('k', 1, '2026-01-01', '2026-01-01')"
            )
        )
        started = time.perf_counter()
        with reader.begin():
            read_only(reader)
            count = reader.execute(text("SELECT count(*) FROM throttle_counters")).scalar()
        assert count == 0  # the uncommitted row is invisible, and nobody waited
        assert time.perf_counter() - started < 1.0
        writer.commit()
    finally:
        writer.close()
        reader.close()
        other.dispose()


def _busy_timeout(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one())


def test_a_writer_polls_then_waits_for_the_lock_and_keeps_its_busy_timeout(
    engine: Engine, database_url: str, monkeypatch: Any
) -> None:
    """A second writer takes the write lock once the first commits, whether it got it
    while polling or only after falling back to the busy timeout, and its connection's
    busy timeout is what it was after either path."""
    if USING_PG:
        return
    from course.store import engine as engine_module

    other = make_engine(database_url)
    try:
        before = _busy_timeout(other)
        assert before == engine_module.SQLITE_BUSY_TIMEOUT_MS
        for poll_seconds in (engine_module.WRITE_LOCK_POLL_SECONDS, 0.0):
            monkeypatch.setattr(engine_module, "WRITE_LOCK_POLL_SECONDS", poll_seconds)
            holder = engine.connect()
            holder.begin()
            holder.execute(
                text(
                    "INSERT INTO throttle_counters (key, count, window_start, last_at) "
                    f"VALUES ('k{poll_seconds}', 1, '2026-01-01', '2026-01-01')"
                )
            )
            # Released while the second writer polls (first pass), or after it fell back.
            release = threading.Timer(0.02 if poll_seconds else 0.2, holder.commit)
            release.start()
            try:
                with other.begin() as conn:  # waits for the holder's commit
                    seen = conn.exec_driver_sql(
                        f"SELECT count(*) FROM throttle_counters WHERE key = 'k{poll_seconds}'"
                    ).scalar_one()
                assert seen == 1  # it began after the holder committed
            finally:
                release.join()
                holder.close()
            assert _busy_timeout(other) == before
    finally:
        other.dispose()


def test_a_broken_connection_fails_as_before_not_in_the_poll(monkeypatch: Any) -> None:
    """Anything but "busy" while polling falls back to SQLAlchemy's own BEGIN, so errors
    keep their usual (wrapped) form."""
    from course.store import engine as engine_module

    class Broken:
        def execute(self, sql: str) -> None:
            raise sqlite3.OperationalError("disk I/O error")

    assert engine_module._begin_immediate_soon(Broken()) is False
    assert engine_module._begin_immediate_soon(None) is False
