"""The rungs of ``bench/floor_ladder.py``: small Flask apps, each one layer above the last.

None of them uses the project's code (only ``course/cli/server.py`` serves them, loaded
as ``bench/hello_app.py`` loads it): they measure what the bare stack costs, so the
project's answer path can be compared with what the same libraries do at least.

* ``post-nothing``: a POST with a small form body; the view reads the form field and
  returns a short text.
* ``floor``: a whole answer on the bare stack. Flask's signed session cookie; flask-login
  loads the learner by id; flask-wtf's ``CSRFProtect`` checks the token; the question and
  the learner's FSRS card are read (one statement); the answer is graded (normalised
  string compare) and reviewed with ``fsrs`` (a ``Card`` with an explicit ``card_id``:
  without one py-fsrs sleeps a millisecond to make its id unique); then one
  ``BEGIN IMMEDIATE`` transaction inserts the response, inserts or updates the card and
  inserts the review log; the response is a small HTML feedback page (a Jinja template).
  The database is SQLite through the standard ``sqlite3`` module, one connection opened
  per worker and kept (WAL, ``synchronous=FULL`` as the project's default, or NORMAL with
  ``--synchronous``; busy timeout, foreign keys on); reads run outside any transaction
  (autocommit), so they never take the write lock. ``--write-lock poll`` makes the
  writer poll for the lock (:func:`begin_immediate`) instead of SQLite's busy handler.
* ``sqlalchemy-core``: the same statements as SQLAlchemy 2 Core statements on ``Table``
  objects, through an ``Engine`` with a ``QueuePool``: a connection checked out per
  request (on first use) and returned at the end of it. The reads run in a deferred
  ``BEGIN`` (SQLAlchemy always begins a transaction), committed before the writes take
  the write lock with ``BEGIN IMMEDIATE`` (set by the engine's ``begin`` event, the way
  SQLAlchemy documents for pysqlite).
* ``sqlalchemy-orm``: the same through an ORM ``Session`` per request
  (``sessionmaker(engine, expire_on_commit=False)``): the learner loaded with
  ``session.get`` on a mapped class, the card read and the three writes as Core
  statements executed by the session. The session holds a connection per transaction,
  so the read and the write transaction each check one out.

On PostgreSQL (``--database postgresql://…``; :func:`create_database` makes the same
tables there, ``SERIAL`` ids, naive UTC ``timestamp`` columns):

* ``floor`` is :class:`PgRawStore`: psycopg 3, one connection per worker kept in
  autocommit mode, so every statement is one round trip and commits itself: the user
  read, the card read, and the three writes as ONE statement with data-modifying CTEs
  (``--pg-writes cte``, the default; ``_PG_ANSWER``), or ``BEGIN``, the three statements,
  ``COMMIT`` (``--pg-writes transaction``, for comparison).
* ``sqlalchemy-core`` and ``sqlalchemy-orm`` are the same stores as on SQLite, on a
  ``postgresql+psycopg`` engine whose connections are in autocommit mode as the floor's
  (no begin hook: there is no write lock to take); the writes are the same one statement
  built with Core (``_PG_CORE_ANSWER``), or the transaction (:func:`_pg_write`).

Served like the hello: ``python bench/ladder_apps.py --rung floor --database PATH-OR-URL
serve --port N --workers 2`` (``serve --port --workers`` last, as ``course serve`` takes them, so
:func:`tests.servers.serve` starts it). :func:`create_database` makes a rung's database.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hmac
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast
from unittest import mock

import fsrs
import psycopg
from flask import Flask, abort, g, redirect, render_template, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_wtf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import QueuePool
from werkzeug.wrappers import Response as WerkzeugResponse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hello_app import server  # course/cli/server.py, loaded from its file

RUNGS = ("post-nothing", "floor", "sqlalchemy-core", "sqlalchemy-orm")
# The same key in every worker (each worker signs cookies the other must accept); a bench
# secret, for loopback runs only.
SECRET_KEY = "floor-ladder-bench-secret"
PASSWORD = "ladder password"
BUSY_TIMEOUT_MS = 15_000
SYNCHRONOUS = ("FULL", "NORMAL")  # FULL: the project's default, an fsync per commit
WRITE_LOCKS = ("busy-timeout", "poll")
# PostgreSQL: an answer's three writes as one statement (data-modifying CTEs), or as three
# statements in an explicit BEGIN … COMMIT.
PG_WRITES = ("cte", "transaction")
# Polling for the write lock: the first and the longest pause between tries.
POLL_PAUSES = (50e-6, 200e-6)


def answer_of(question_id: int) -> str:
    """The expected answer of a question (the pool builds right and wrong answers)."""
    return f"Answer {question_id}"


def normalise(text: str) -> str:
    """Case and spacing do not matter, as in a short-text question."""
    return " ".join(text.split()).casefold()


# --- schema (one for every rung) ---------------------------------------------------


class Base(DeclarativeBase):
    pass


class LearnerRow(UserMixin, Base):  # type: ignore[misc]
    """A learner as the ORM rung loads it (the other rungs build :class:`Learner`)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String, unique=True)
    password: Mapped[str] = mapped_column(String)


users = cast(Table, LearnerRow.__table__)
questions = Table(
    "questions",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("prompt", String, nullable=False),
    Column("answer", String, nullable=False),
)
cards = Table(
    "cards",
    Base.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("question_id", ForeignKey("questions.id"), primary_key=True),
    Column("state", Integer, nullable=False),
    Column("step", Integer),
    Column("stability", Float),
    Column("difficulty", Float),
    Column("due", DateTime, nullable=False),
    Column("last_review", DateTime),
)
responses = Table(
    "responses",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("question_id", ForeignKey("questions.id"), nullable=False),
    Column("given", String, nullable=False),
    Column("correct", Integer, nullable=False),
    Column("answered_at", DateTime, nullable=False),
)
review_logs = Table(
    "review_logs",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("question_id", ForeignKey("questions.id"), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("reviewed_at", DateTime, nullable=False),
)


def is_postgres(location: str | Path) -> bool:
    """A rung's database is a SQLite file's path or a ``postgresql://`` URL."""
    return str(location).startswith("postgresql://")


def sqlalchemy_url(location: str | Path) -> str:
    """SQLAlchemy's URL for a rung's database (psycopg 3 as PostgreSQL's driver)."""
    if is_postgres(location):
        return "postgresql+psycopg://" + str(location).removeprefix("postgresql://")
    return f"sqlite:///{location}"


def create_database(location: str | Path, learners: int, question_count: int) -> list[str]:
    """A rung's schema with ``learners`` accounts and ``question_count`` questions, in a
    SQLite file or an empty PostgreSQL database; the learners' emails. The same tables on
    both: on PostgreSQL the integer primary keys of ``responses`` and ``review_logs`` are
    ``SERIAL``, the datetimes ``timestamp`` (naive UTC, as on SQLite) and the cards' primary
    key (user_id, question_id) is the unique key their upsert's ``ON CONFLICT`` names.
    On SQLite, WAL is set here (it stays with the file)."""
    engine = create_engine(sqlalchemy_url(location))
    Base.metadata.create_all(engine)
    emails = [f"learner-{i}@example.org" for i in range(learners)]
    with engine.begin() as conn:
        if not is_postgres(location):
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.execute(
            insert(users),
            [{"id": i + 1, "email": e, "password": PASSWORD} for i, e in enumerate(emails)],
        )
        conn.execute(
            insert(questions),
            [
                {"id": q, "prompt": f"Question {q}?", "answer": answer_of(q)}
                for q in range(1, question_count + 1)
            ],
        )
    engine.dispose()
    return emails


def row_counts(location: str | Path) -> tuple[int, int]:
    """(responses, review logs) in a rung's database."""
    if is_postgres(location):
        with psycopg.connect(str(location), autocommit=True, connect_timeout=5) as pg:
            found = pg.execute(
                "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM review_logs)"
            ).fetchone()
        assert found is not None
        return int(found[0]), int(found[1])
    with contextlib.closing(sqlite3.connect(location, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        (answers,) = conn.execute("SELECT count(*) FROM responses").fetchone()
        (logs,) = conn.execute("SELECT count(*) FROM review_logs").fetchone()
    return int(answers), int(logs)


# --- what every store does ---------------------------------------------------------


@dataclass
class Learner(UserMixin):  # type: ignore[misc]
    id: int
    email: str


@dataclass
class CardRow:
    """The question's answer and the learner's FSRS card (state None: never reviewed)."""

    answer: str
    state: int | None
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None


@dataclass
class Answer:
    """What an answer stores: the response, the reviewed card and its rating."""

    user_id: int
    question_id: int
    given: str
    correct: bool
    card: fsrs.Card
    rating: int
    at: datetime


class Store(Protocol):
    def user(self, user_id: str) -> Any: ...
    def password_of(self, email: str) -> tuple[int, str] | None: ...
    def card(self, user_id: int, question_id: int) -> CardRow | None: ...
    def record(self, answer: Answer) -> None: ...
    def end_request(self, exc: BaseException | None) -> None: ...


def _utc(value: datetime | None) -> datetime | None:
    """SQLAlchemy's SQLite DateTime gives naive datetimes back; fsrs wants aware ones."""
    return value.replace(tzinfo=UTC) if value is not None else None


# --- floor: the sqlite3 module, one connection per worker ---------------------------

_RAW_CARD = (
    "SELECT q.answer, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review "
    "FROM questions q LEFT JOIN cards c ON c.question_id = q.id AND c.user_id = ? "
    "WHERE q.id = ?"
)
_RAW_RESPONSE = (
    "INSERT INTO responses (user_id, question_id, given, correct, answered_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_RAW_CARD_UPSERT = (
    "INSERT INTO cards (user_id, question_id, state, step, stability, difficulty, due, "
    "last_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, question_id) DO "
    "UPDATE SET state = excluded.state, step = excluded.step, stability = excluded.stability, "
    "difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review"
)
_RAW_LOG = "INSERT INTO review_logs (user_id, question_id, rating, reviewed_at) VALUES (?, ?, ?, ?)"


@dataclass(frozen=True)
class Database:
    """A rung's database (a SQLite file's path or a ``postgresql://`` URL); on SQLite, how
    its connections commit and take the write lock; on PostgreSQL, how an answer writes."""

    location: str
    synchronous: str = "FULL"
    write_lock: str = "busy-timeout"  # or "poll"
    pg_writes: str = "cte"  # or "transaction"

    @property
    def postgres(self) -> bool:
        return is_postgres(self.location)


def _pragmas(db: Database, dbapi_connection: sqlite3.Connection) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly
    busy_ms = 0 if db.write_lock == "poll" else BUSY_TIMEOUT_MS
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={busy_ms}",
        "foreign_keys=ON",
        f"synchronous={db.synchronous}",
    ):
        dbapi_connection.execute(f"PRAGMA {pragma}")


class RawStore:
    """The ``floor`` rung: plain SQL on a connection the worker opens once and keeps."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def conn(self) -> sqlite3.Connection:
        # Opened in the worker, after gunicorn forked it (never shared across a fork).
        if self._conn is None or self._pid != os.getpid():
            self._conn = sqlite3.connect(self.db.location, isolation_level=None)
            _pragmas(self.db, self._conn)
            self._pid = os.getpid()
        return self._conn

    def user(self, user_id: str) -> Learner | None:
        row = self.conn().execute("SELECT id, email FROM users WHERE id = ?", (int(user_id),))
        found = row.fetchone()
        return Learner(found[0], found[1]) if found else None

    def password_of(self, email: str) -> tuple[int, str] | None:
        cursor = self.conn().execute("SELECT id, password FROM users WHERE email = ?", (email,))
        found = cursor.fetchone()
        return (found[0], found[1]) if found else None

    def card(self, user_id: int, question_id: int) -> CardRow | None:
        found = self.conn().execute(_RAW_CARD, (user_id, question_id)).fetchone()
        if found is None:
            return None
        due, last = (datetime.fromisoformat(v) if v else None for v in found[5:7])
        return CardRow(found[0], found[1], found[2], found[3], found[4], due, last)

    def record(self, answer: Answer) -> None:
        conn = self.conn()
        card, who, stamp = answer.card, (answer.user_id, answer.question_id), answer.at.isoformat()
        last = card.last_review.isoformat() if card.last_review else None
        begin_immediate(conn, self.db)
        try:
            conn.execute(_RAW_RESPONSE, (*who, answer.given, int(answer.correct), stamp))
            conn.execute(
                _RAW_CARD_UPSERT,
                (
                    *who,
                    int(card.state),
                    card.step,
                    card.stability,
                    card.difficulty,
                    card.due.isoformat(),
                    last,
                ),
            )
            conn.execute(_RAW_LOG, (*who, answer.rating, stamp))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def end_request(self, exc: BaseException | None) -> None:
        """The connection stays open for the next request."""


def begin_immediate(conn: sqlite3.Connection, db: Database) -> None:
    """Take the write lock. With ``busy-timeout`` SQLite waits for it itself: its busy
    handler sleeps 1, 2, 5, 10 ms… between tries, long next to the other worker's hold of
    a few hundred microseconds. With ``poll`` (the connection's busy timeout is 0) the
    lock is tried again every 50–200 µs, for as long as the busy timeout would wait."""
    if db.write_lock != "poll":
        conn.execute("BEGIN IMMEDIATE")
        return
    pause, give_up = POLL_PAUSES[0], time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() > give_up:
                raise
        time.sleep(pause)
        pause = min(2 * pause, POLL_PAUSES[1])


# --- floor on PostgreSQL: psycopg 3, one autocommit connection per worker ----------

_PG_USER = "SELECT id, email FROM users WHERE id = %s"
_PG_PASSWORD = "SELECT id, password FROM users WHERE email = %s"
_PG_CARD = _RAW_CARD.replace("?", "%s")
_PG_RESPONSE = (
    "INSERT INTO responses (user_id, question_id, given, correct, answered_at) "
    "VALUES (%(a_user)s, %(a_question)s, %(a_given)s, %(a_correct)s, %(a_at)s)"
)
_PG_CARD_UPSERT = (
    "INSERT INTO cards (user_id, question_id, state, step, stability, difficulty, due, "
    "last_review) VALUES (%(a_user)s, %(a_question)s, %(a_state)s, %(a_step)s, "
    "%(a_stability)s, %(a_difficulty)s, %(a_due)s, %(a_last)s) "
    "ON CONFLICT (user_id, question_id) DO UPDATE SET state = excluded.state, "
    "step = excluded.step, stability = excluded.stability, "
    "difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review"
)
_PG_LOG = (
    "INSERT INTO review_logs (user_id, question_id, rating, reviewed_at) "
    "VALUES (%(a_user)s, %(a_question)s, %(a_rating)s, %(a_at)s)"
)
# The three writes in one statement: data-modifying CTEs run once each, whether or not the
# outer statement reads them; the log's INSERT … SELECT FROM r, c inserts one row, as the
# response's INSERT and the card's upsert each return one.
_PG_ANSWER = (
    f"WITH r AS ({_PG_RESPONSE} RETURNING id), c AS ({_PG_CARD_UPSERT} RETURNING user_id) "
    "INSERT INTO review_logs (user_id, question_id, rating, reviewed_at) "
    "SELECT %(a_user)s, %(a_question)s, %(a_rating)s, %(a_at)s FROM r, c"
)


def _pg_params(answer: Answer) -> dict[str, Any]:
    """An answer's writes' parameters on PostgreSQL (one dict for the one statement or the
    three): naive UTC datetimes, as the ``timestamp`` columns keep them."""
    card, naive = answer.card, answer.at.replace(tzinfo=None)
    return {
        "a_user": answer.user_id,
        "a_question": answer.question_id,
        "a_given": answer.given,
        "a_correct": int(answer.correct),
        "a_at": naive,
        "a_state": int(card.state),
        "a_step": card.step,
        "a_stability": card.stability,
        "a_difficulty": card.difficulty,
        "a_due": card.due.replace(tzinfo=None),
        "a_last": card.last_review.replace(tzinfo=None) if card.last_review else None,
        "a_rating": answer.rating,
    }


class PgRawStore:
    """The ``floor`` rung on PostgreSQL: plain SQL on a psycopg connection the worker opens
    once and keeps, in autocommit mode, so each statement is one round trip and commits
    itself. An answer is the login's user read, the card read and one write: the three
    writes as one statement (``cte``), or in ``BEGIN``, three statements, ``COMMIT``
    (``transaction``: five round trips for the writes, for comparison)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: psycopg.Connection[Any] | None = None
        self._pid = 0

    def conn(self) -> psycopg.Connection[Any]:
        # Opened in the worker, after gunicorn forked it (never shared across a fork).
        if self._conn is None or self._pid != os.getpid():
            self._conn = psycopg.connect(self.db.location, autocommit=True)
            self._pid = os.getpid()
        return self._conn

    def user(self, user_id: str) -> Learner | None:
        found = self.conn().execute(_PG_USER, (int(user_id),)).fetchone()
        return Learner(found[0], found[1]) if found else None

    def password_of(self, email: str) -> tuple[int, str] | None:
        found = self.conn().execute(_PG_PASSWORD, (email,)).fetchone()
        return (found[0], found[1]) if found else None

    def card(self, user_id: int, question_id: int) -> CardRow | None:
        found = self.conn().execute(_PG_CARD, (user_id, question_id)).fetchone()
        if found is None:
            return None
        answer, state, step, stability, difficulty, due, last = found
        return CardRow(answer, state, step, stability, difficulty, _utc(due), _utc(last))

    def record(self, answer: Answer) -> None:
        conn, params = self.conn(), _pg_params(answer)
        if self.db.pg_writes == "cte":
            conn.execute(_PG_ANSWER, params)
            return
        with conn.transaction():  # BEGIN … COMMIT (ROLLBACK if a statement fails)
            conn.execute(_PG_RESPONSE, params)
            conn.execute(_PG_CARD_UPSERT, params)
            conn.execute(_PG_LOG, params)

    def end_request(self, exc: BaseException | None) -> None:
        """The connection stays open for the next request."""


# --- SQLAlchemy: Core and ORM ------------------------------------------------------

# Set while a write transaction begins: the engine's begin hook then takes the write lock.
_IMMEDIATE: ContextVar[bool] = ContextVar("ladder_immediate", default=False)


@contextlib.contextmanager
def _write_lock() -> Iterator[None]:
    token = _IMMEDIATE.set(True)
    try:
        yield
    finally:
        _IMMEDIATE.reset(token)


def _on_connect(db: Database, dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    _pragmas(db, dbapi_connection)  # and pysqlite leaves BEGIN to the begin hook


def _on_begin(db: Database, conn: Connection) -> None:
    if not _IMMEDIATE.get():
        conn.exec_driver_sql("BEGIN")
    elif db.write_lock == "poll":
        dbapi_connection = conn.connection.dbapi_connection
        assert isinstance(dbapi_connection, sqlite3.Connection)
        begin_immediate(dbapi_connection, db)
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(db: Database) -> Engine:
    """The SQLAlchemy rungs' engine. On PostgreSQL its connections are in autocommit
    mode, as the floor's: an answer takes the floor's round trips, and the step between
    the rungs is SQLAlchemy's own cost."""
    if db.postgres:
        url = sqlalchemy_url(db.location)
        return create_engine(url, poolclass=QueuePool, isolation_level="AUTOCOMMIT")
    engine = create_engine(sqlalchemy_url(db.location), poolclass=QueuePool)
    event.listen(engine, "connect", functools.partial(_on_connect, db))
    event.listen(engine, "begin", functools.partial(_on_begin, db))
    return engine


_USER = select(users.c.id, users.c.email).where(users.c.id == bindparam("user_id"))
_PASSWORD = select(users.c.id, users.c.password).where(users.c.email == bindparam("email"))
_CARD = (
    select(
        questions.c.answer,
        cards.c.state,
        cards.c.step,
        cards.c.stability,
        cards.c.difficulty,
        cards.c.due,
        cards.c.last_review,
    )
    .select_from(
        questions.outerjoin(
            cards,
            and_(cards.c.question_id == questions.c.id, cards.c.user_id == bindparam("user_id")),
        )
    )
    .where(questions.c.id == bindparam("question_id"))
)
_RESPONSE = insert(responses)
_card_insert = sqlite_insert(cards)
_CARD_UPSERT = _card_insert.on_conflict_do_update(
    index_elements=[cards.c.user_id, cards.c.question_id],
    set_={
        name: _card_insert.excluded[name]
        for name in ("state", "step", "stability", "difficulty", "due", "last_review")
    },
)
_LOG = insert(review_logs)


# PostgreSQL: the same writes as Core statements, and as one statement with two
# data-modifying CTEs; the parameters are :func:`_pg_params`'.
_A = {
    name: bindparam(name, type_=kind)
    for name, kind in (
        ("a_user", Integer()),
        ("a_question", Integer()),
        ("a_given", String()),
        ("a_correct", Integer()),
        ("a_at", DateTime()),
        ("a_state", Integer()),
        ("a_step", Integer()),
        ("a_stability", Float()),
        ("a_difficulty", Float()),
        ("a_due", DateTime()),
        ("a_last", DateTime()),
        ("a_rating", Integer()),
    )
}
_PG_CORE_RESPONSE = insert(responses).values(
    user_id=_A["a_user"],
    question_id=_A["a_question"],
    given=_A["a_given"],
    correct=_A["a_correct"],
    answered_at=_A["a_at"],
)
_pg_card_insert = pg_insert(cards).values(
    user_id=_A["a_user"],
    question_id=_A["a_question"],
    state=_A["a_state"],
    step=_A["a_step"],
    stability=_A["a_stability"],
    difficulty=_A["a_difficulty"],
    due=_A["a_due"],
    last_review=_A["a_last"],
)
_PG_CORE_CARD_UPSERT = _pg_card_insert.on_conflict_do_update(
    index_elements=[cards.c.user_id, cards.c.question_id],
    set_={
        name: _pg_card_insert.excluded[name]
        for name in ("state", "step", "stability", "difficulty", "due", "last_review")
    },
)
_PG_CORE_LOG = insert(review_logs).values(
    user_id=_A["a_user"],
    question_id=_A["a_question"],
    rating=_A["a_rating"],
    reviewed_at=_A["a_at"],
)
_pg_r = _PG_CORE_RESPONSE.returning(responses.c.id).cte("r")
_pg_c = _PG_CORE_CARD_UPSERT.returning(cards.c.user_id).cte("c")
_PG_CORE_ANSWER = (
    insert(review_logs)
    .from_select(
        ["user_id", "question_id", "rating", "reviewed_at"],
        select(_A["a_user"], _A["a_question"], _A["a_rating"], _A["a_at"])
        .select_from(_pg_r)
        .select_from(_pg_c),
    )
    .add_cte(_pg_r, _pg_c)  # WITH … before the INSERT: PostgreSQL wants them at the top
)


def _pg_write(execute: Callable[..., Any], answer: Answer, mode: str) -> None:
    """An answer's writes on PostgreSQL through ``execute`` (a Core connection's or an ORM
    session's), whose connection is in autocommit mode: the one statement, or ``BEGIN``,
    the three statements, ``COMMIT``."""
    params = _pg_params(answer)
    if mode == "cte":
        execute(_PG_CORE_ANSWER, params)
        return
    execute(text("BEGIN"))
    try:
        execute(_PG_CORE_RESPONSE, params)
        execute(_PG_CORE_CARD_UPSERT, params)
        execute(_PG_CORE_LOG, params)
        execute(text("COMMIT"))
    except BaseException:
        execute(text("ROLLBACK"))
        raise


def _write_params(answer: Answer) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The three writes' parameters for the SQLAlchemy rungs (naive UTC datetimes, as
    SQLAlchemy's SQLite DateTime stores them)."""
    card, naive = answer.card, answer.at.replace(tzinfo=None)
    last = card.last_review.replace(tzinfo=None) if card.last_review else None
    who = {"user_id": answer.user_id, "question_id": answer.question_id}
    return (
        {**who, "given": answer.given, "correct": int(answer.correct), "answered_at": naive},
        {
            **who,
            "state": int(card.state),
            "step": card.step,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "due": card.due.replace(tzinfo=None),
            "last_review": last,
        },
        {**who, "rating": answer.rating, "reviewed_at": naive},
    )


def _card_row(found: Any) -> CardRow | None:
    if found is None:
        return None
    return CardRow(
        found.answer,
        found.state,
        found.step,
        found.stability,
        found.difficulty,
        _utc(found.due),
        _utc(found.last_review),
    )


class CoreStore:
    """The ``sqlalchemy-core`` rung: one pooled connection per request."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.engine = make_engine(db)

    def conn(self) -> Connection:
        conn: Connection | None = g.get("ladder_conn")
        if conn is None:
            conn = g.ladder_conn = self.engine.connect()
        return conn

    def user(self, user_id: str) -> Learner | None:
        found = self.conn().execute(_USER, {"user_id": int(user_id)}).first()
        return Learner(found.id, found.email) if found else None

    def password_of(self, email: str) -> tuple[int, str] | None:
        found = self.conn().execute(_PASSWORD, {"email": email}).first()
        return (found.id, found.password) if found else None

    def card(self, user_id: int, question_id: int) -> CardRow | None:
        params = {"user_id": user_id, "question_id": question_id}
        return _card_row(self.conn().execute(_CARD, params).first())

    def record(self, answer: Answer) -> None:
        if self.db.postgres:
            _pg_write(self.conn().execute, answer, self.db.pg_writes)
            return
        response, card_values, log = _write_params(answer)
        conn = self.conn()
        conn.commit()  # the reads' deferred transaction: it held no lock
        with _write_lock(), conn.begin():
            conn.execute(_RESPONSE, response)
            conn.execute(_CARD_UPSERT, card_values)
            conn.execute(_LOG, log)

    def end_request(self, exc: BaseException | None) -> None:
        conn: Connection | None = g.pop("ladder_conn", None)
        if conn is not None:
            conn.close()  # back to the pool (rolled back if a transaction is open)


class OrmStore:
    """The ``sqlalchemy-orm`` rung: an ORM session per request."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sessions = sessionmaker(make_engine(db), expire_on_commit=False)

    def session(self) -> Session:
        session: Session | None = g.get("ladder_session")
        if session is None:
            session = g.ladder_session = self.sessions()
        return session

    def user(self, user_id: str) -> LearnerRow | None:
        return self.session().get(LearnerRow, int(user_id))

    def password_of(self, email: str) -> tuple[int, str] | None:
        found = self.session().execute(_PASSWORD, {"email": email}).first()
        return (found.id, found.password) if found else None

    def card(self, user_id: int, question_id: int) -> CardRow | None:
        params = {"user_id": user_id, "question_id": question_id}
        return _card_row(self.session().execute(_CARD, params).first())

    def record(self, answer: Answer) -> None:
        if self.db.postgres:
            _pg_write(self.session().execute, answer, self.db.pg_writes)
            return
        response, card_values, log = _write_params(answer)
        session = self.session()
        session.commit()  # the reads' deferred transaction: it held no lock
        with _write_lock(), session.begin():
            session.execute(_RESPONSE, response)
            session.execute(_CARD_UPSERT, card_values)
            session.execute(_LOG, log)

    def end_request(self, exc: BaseException | None) -> None:
        session: Session | None = g.pop("ladder_session", None)
        if session is not None:
            session.close()


STORES: dict[str, Callable[[Database], Store]] = {
    "floor": RawStore,
    "sqlalchemy-core": CoreStore,
    "sqlalchemy-orm": OrmStore,
}


# --- the apps ----------------------------------------------------------------------

TEMPLATES = {
    "login.html": (
        "<!doctype html><title>Log in</title><form method=post>"
        '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
        "<input name=email><input name=password type=password><button>Log in</button></form>"
    ),
    "question.html": (
        "<!doctype html><title>Question {{ id }}</title><form method=post "
        'action="{{ url_for("answer", question_id=id) }}">'
        '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
        "<label>Question {{ id }}? <input name=answer></label><button>Answer</button></form>"
    ),
    "feedback.html": (
        "<!doctype html><title>Feedback</title><main>"
        "{% if correct %}<p class=right>Right.</p>"
        "{% else %}<p class=wrong>Not quite: the answer is {{ answer }}.</p>{% endif %}"
        "<p>You answered <q>{{ given }}</q>.</p>"
        "<p>Next review: <time>{{ due.strftime('%Y-%m-%d %H:%M') }}</time></p>"
        '<a href="{{ url_for("question", question_id=next_id) }}">Next question</a></main>'
    ),
}


def _livez(app: Flask) -> None:
    @app.get("/livez")
    def livez() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"Content-Type": "text/plain"}


def post_nothing_app() -> Flask:
    app = Flask(__name__)
    _livez(app)

    @app.post("/answer/<int:question_id>")
    def answer(question_id: int) -> tuple[str, int, dict[str, str]]:
        given = request.form.get("answer", "")  # the body is parsed, as every rung's is
        return f"received {len(given)}", 200, {"Content-Type": "text/plain"}

    return app


def answer_app(store: Store) -> Flask:
    """The whole answer on ``store``; the rungs above ``post-nothing`` differ only there."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET_KEY
    app.jinja_loader = DictLoader(TEMPLATES)
    CSRFProtect(app)
    logins = LoginManager(app)
    logins.login_view = "login"
    logins.user_loader(store.user)
    app.teardown_appcontext(store.end_request)
    scheduler = fsrs.Scheduler()
    _livez(app)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str | WerkzeugResponse:
        if request.method == "GET":
            return render_template("login.html")
        found = store.password_of(request.form.get("email", ""))
        if found is None or not hmac.compare_digest(found[1], request.form.get("password", "")):
            abort(403)
        login_user(Learner(found[0], request.form["email"]))
        return redirect("/questions/1")

    @app.get("/questions/<int:question_id>")
    @login_required  # type: ignore[untyped-decorator]
    def question(question_id: int) -> str:
        return render_template("question.html", id=question_id)

    @app.post("/answer/<int:question_id>")
    @login_required  # type: ignore[untyped-decorator]
    def answer(question_id: int) -> str:
        user_id = int(current_user.id)
        row = store.card(user_id, question_id)
        if row is None:
            abort(404)
        given = request.form.get("answer", "")
        correct = normalise(given) == normalise(row.answer)
        if row.state is None:
            card = fsrs.Card(card_id=question_id)
        else:
            card = fsrs.Card(
                card_id=question_id,
                state=fsrs.State(row.state),
                step=row.step,
                stability=row.stability,
                difficulty=row.difficulty,
                due=row.due,
                last_review=row.last_review,
            )
        rating = fsrs.Rating.Good if correct else fsrs.Rating.Again
        now = datetime.now(UTC)
        card, _log = scheduler.review_card(card, rating, review_datetime=now)
        store.record(Answer(user_id, question_id, given, correct, card, int(rating), now))
        return render_template(
            "feedback.html",
            correct=correct,
            given=given,
            answer=row.answer,
            due=card.due,
            next_id=question_id + 1,
        )

    return app


def create_app(rung: str, db: Database | None) -> Flask:
    if db is None:
        return post_nothing_app()
    if rung == "floor" and db.postgres:
        return answer_app(PgRawStore(db))
    return answer_app(STORES[rung](db))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rung", choices=RUNGS, required=True)
    parser.add_argument(
        "--database",
        help="the rung's SQLite file or postgresql:// URL (not for post-nothing)",
    )
    parser.add_argument("--synchronous", choices=SYNCHRONOUS, default="FULL")
    parser.add_argument("--write-lock", choices=WRITE_LOCKS, default="busy-timeout")
    parser.add_argument("--pg-writes", choices=PG_WRITES, default="cte")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.rung != "post-nothing" and not args.database:
        parser.error(f"--rung {args.rung} needs --database")
    db = None
    if args.rung != "post-nothing":
        db = Database(args.database, args.synchronous, args.write_lock, args.pg_writes)
    app = create_app(args.rung, db)
    # The options are run_gunicorn's, as for the hello; only the app it loads is swapped.
    with mock.patch.object(server._Gunicorn, "load", lambda _self: app):
        server.run_gunicorn(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
