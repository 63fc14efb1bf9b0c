"""Engines and sessions: SQLite in WAL mode with a busy timeout, or PostgreSQL (psycopg 3)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Set only while read_only() starts a transaction; the SQLite begin hook reads it.
_READ_ONLY: ContextVar[bool] = ContextVar("course_read_only", default=False)


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy
    # timeout instead of failing with "database is locked" when one upgrades its lock.
    # Transactions marked read-only (see read_only) need no lock: WAL readers never wait.
    if _READ_ONLY.get():
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the project's connection settings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        # Let SQLAlchemy, not pysqlite, decide when transactions start.
        event.listen(engine, "connect", _disable_pysqlite_transactions)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _disable_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def read_only(session: Session) -> None:
    """Mark the session's new transaction as a reader: call first, right after begin().

    On SQLite it then starts without taking the write lock, so pages and the per-request
    user lookup never queue behind writers. Elsewhere it changes nothing.
    """
    token = _READ_ONLY.set(True)
    try:
        session.connection()
    finally:
        _READ_ONLY.reset(token)
