"""SQLite locking: writers queue on the busy timeout; readers never wait for a writer."""

from __future__ import annotations

import time

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
