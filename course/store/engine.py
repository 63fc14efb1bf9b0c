"""Engines and sessions: SQLite in WAL mode with a busy timeout, or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from contextvars import ContextVar
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
# FULL: a transaction is on disk (WAL fsynced) before COMMIT returns, so an answer the
# learner saw acknowledged survives a power cut. NORMAL may lose the last commits.
SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")
# Below this much free space next to the SQLite file, health reports the disk as full.
MIN_FREE_BYTES = 16 * 1024 * 1024
# PostgreSQL SQLSTATEs meaning "cannot store now": disk_full, insufficient_resources,
# read_only_sql_transaction.
_PG_DISK_FULL = {"53100", "53000"}
_PG_READ_ONLY = {"25006"}


class StorageProblem(StrEnum):
    """Why the database refuses writes while it still answers reads."""

    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"


def storage_problem(exc: BaseException) -> StorageProblem | None:
    """Classify a DBAPI error (or SQLAlchemy's wrapper of one) as a storage problem."""
    orig = getattr(exc, "orig", exc)
    name = str(getattr(orig, "sqlite_errorname", ""))
    state = str(getattr(orig, "sqlstate", "") or "")
    if name == "SQLITE_FULL" or state in _PG_DISK_FULL:
        return StorageProblem.DISK_FULL
    if name.startswith("SQLITE_READONLY") or state in _PG_READ_ONLY:
        return StorageProblem.READ_ONLY
    return None


# SQLite reports mistakes in a statement (no such table or column, syntax) as an
# OperationalError too; those are bugs, not outages.
_SQLITE_NOT_OUTAGES = {"SQLITE_ERROR", "SQLITE_MISUSE", "SQLITE_RANGE"}


def is_outage(exc: BaseException) -> bool:
    """Is this DBAPI error the database being unreachable or unusable for a while?"""
    if not isinstance(exc, OperationalError):
        return False
    name = getattr(exc.orig, "sqlite_errorname", None)
    return name is None or str(name) not in _SQLITE_NOT_OUTAGES


def _sqlite_pragmas(synchronous: str, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


# Set only while read_only() or statements_alone() starts a transaction; the begin hooks
# read it: None for a writer, "read" for a reader, "stream" for a reader that fetches
# rows in batches, "alone" for a writer whose every statement stands alone.
_KIND: ContextVar[str | None] = ContextVar("course_transaction_kind", default=None)
_READERS = ("read", "stream")


def _sqlite_begin(conn: Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy
    # timeout instead of failing with "database is locked" when one upgrades its lock.
    # Transactions marked read-only (see read_only) need no lock: WAL readers never wait.
    if _KIND.get() in _READERS:
        conn.exec_driver_sql("BEGIN")
    elif not _begin_immediate_soon(conn.connection.dbapi_connection):
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to the busy timeout


def _postgres_begin(conn: Connection) -> None:
    # psycopg runs in autocommit, so a transaction starts only here. A reader (see
    # read_only) gets none: under READ COMMITTED, PostgreSQL's default, every statement
    # sees its own snapshot inside a transaction too, so leaving BEGIN and COMMIT out
    # changes no result and saves two round trips per read.
    # A reader that fetches in batches (yield_per) needs one all the same: psycopg's
    # server-side cursor lives in a transaction. Neither does a writer whose statements
    # each stand alone (statements_alone).
    kind = _KIND.get()
    conn.info["course_reader"] = kind in _READERS  # the tests check readers never write
    if kind not in ("read", "alone"):
        conn.exec_driver_sql("BEGIN")


# How long a writer polls for the write lock before it waits on SQLite's busy timeout,
# and its first and longest pause between tries.
WRITE_LOCK_POLL_SECONDS = 0.05
_POLL_FIRST_PAUSE = 50e-6
_POLL_LONGEST_PAUSE = 200e-6
_SQLITE_BUSY = 5


def _begin_immediate_soon(dbapi_connection: Any) -> bool:
    """Try to take SQLite's write lock by polling it briefly; True when it is taken.

    SQLite's own busy handler sleeps 1 ms, then 2, 5, 10 ms... between tries: far longer
    than the few hundred microseconds another worker's answer holds the lock for, so two
    workers writing at once spend much of their time asleep (profiled: 80 % of the time
    a worker spent in BEGIN IMMEDIATE was in the busy handler). Polling every
    ``_POLL_FIRST_PAUSE`` to ``_POLL_LONGEST_PAUSE`` takes the lock soon after it is
    free. After ``WRITE_LOCK_POLL_SECONDS`` (a long writer, such as a sync) the caller
    falls back to the busy timeout; on any error but "busy" too, so errors surface as
    before.
    """
    if dbapi_connection is None:
        return False
    pause = _POLL_FIRST_PAUSE
    deadline = time.monotonic() + WRITE_LOCK_POLL_SECONDS
    try:
        dbapi_connection.execute("PRAGMA busy_timeout=0")
    except sqlite3.Error:
        return False  # the fallback raises the error as SQLAlchemy wraps it
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return True
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", None) != _SQLITE_BUSY:
                    return False
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, _POLL_LONGEST_PAUSE)
    finally:
        with contextlib.suppress(sqlite3.Error):
            dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def make_engine(url: str, sqlite_synchronous: str = "FULL", **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the project's connection settings.

    SQL parameters never appear in error messages or logs (they hold learners' answers
    and emails). A new SQLite file is created readable by its owner only; SQLite gives
    its -wal and -shm files the same mode.
    """
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _create_private_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        # Let SQLAlchemy, not pysqlite, decide when transactions start.
        event.listen(engine, "connect", _disable_pysqlite_transactions)
        event.listen(engine, "connect", partial(_sqlite_pragmas, sqlite_synchronous))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    # The driver never starts a transaction by itself; _postgres_begin does, for writers.
    kwargs.setdefault("isolation_level", "AUTOCOMMIT")
    engine = create_engine(url, **kwargs)
    if kwargs["isolation_level"] == "AUTOCOMMIT":
        event.listen(engine, "begin", _postgres_begin)
    event.listen(engine, "checkout", _ping_if_idle)
    event.listen(engine, "checkin", _note_checkin)
    return engine


# A pooled PostgreSQL connection is pinged before use only when it sat idle this long:
# a connection in steady use needs no extra round trip per request (pool_pre_ping would
# add one), while one that idled through a server restart is replaced before it fails.
# A disconnect met in use still invalidates the whole pool (SQLAlchemy does that).
PING_AFTER_IDLE_SECONDS = 5.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["course_idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    since = record.info.get("course_idle_since")
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
        return  # just connected, or in steady use
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:  # any failure: let the pool replace this connection
        raise DisconnectionError() from exc


def _disable_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def engine_of(session: Session) -> Engine:
    """The engine behind a session, whether it is bound to an engine or to a connection
    (the web keeps one connection per request)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def is_sqlite(session: Session) -> bool:
    """Does the session's database take one writer at a time (SQLite)?"""
    return engine_of(session).dialect.name == "sqlite"


def read_only(session: Session, *, batches: bool = False) -> None:
    """Mark the session's new transaction as a reader: call first, right after begin().

    On SQLite it then starts without taking the write lock, so pages and the per-request
    user lookup never queue behind writers. On PostgreSQL its statements run without a
    transaction (no BEGIN, no COMMIT: each statement has its own snapshot either way
    under READ COMMITTED), so a reader must not write, nor rely on a row lock it takes.
    ``batches``: the reader fetches rows in batches (``yield_per``), which on PostgreSQL
    takes a transaction.
    """
    _start(session, "stream" if batches else "read")


def statements_alone(session: Session) -> None:
    """Mark the session's new transaction as a writer whose every statement stands
    alone (each is all or nothing by itself, and none relies on another having run):
    call first, right after begin(). On PostgreSQL its statements then run without a
    transaction (no BEGIN, no COMMIT round trips); on SQLite it is an ordinary writer.
    """
    _start(session, "alone")


def _start(session: Session, kind: str) -> None:
    token = _KIND.set(kind)
    try:
        session.connection()
    finally:
        _KIND.reset(token)


def sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL (not in-memory, not a ``file:`` URI)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(database)


def _create_private_file(url: str) -> None:
    path = sqlite_path(url)
    if path is None or not path.parent.is_dir():
        return
    # An empty file is a valid new SQLite database; creating it here fixes its mode.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def probe_storage(engine: Engine) -> StorageProblem | None:
    """Can the database take writes? Checked without changing any data.

    SQLite: free space beside the file, the page limit, and a header write that is
    rolled back (it fails on a read-only file or connection). PostgreSQL: whether the
    server accepts writes (a standby or ``default_transaction_read_only`` does not);
    a full PostgreSQL disk shows only when a write fails.
    """
    try:
        with engine.connect() as connection:
            transaction = connection.begin()  # SQLite: BEGIN IMMEDIATE, itself a write
            try:
                return _probe(connection)
            finally:
                transaction.rollback()
    except DBAPIError as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        return problem


def _probe(connection: Connection) -> StorageProblem | None:
    if connection.dialect.name != "sqlite":
        flag = connection.execute(text("SELECT current_setting('transaction_read_only')"))
        return StorageProblem.READ_ONLY if flag.scalar() == "on" else None
    path = sqlite_path(connection.engine.url.render_as_string(hide_password=False))
    if path is not None and shutil.disk_usage(path.parent).free < MIN_FREE_BYTES:
        return StorageProblem.DISK_FULL
    pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar() or 0)
    limit = int(connection.exec_driver_sql("PRAGMA max_page_count").scalar() or 0)
    free = int(connection.exec_driver_sql("PRAGMA freelist_count").scalar() or 0)
    if limit and pages >= limit and not free:
        return StorageProblem.DISK_FULL
    version = int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    connection.exec_driver_sql(f"PRAGMA user_version={version}")
    return None
