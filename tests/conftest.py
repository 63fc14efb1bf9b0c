"""Shared fixtures: a migrated database per test (SQLite copy or PostgreSQL truncate),
the app, its test client and CLI runner, an injected clock, and an auth helper."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import passwords
from course.services.content_sync import sync_root
from course.settings import Settings
from course.store.engine import make_engine, make_sessionmaker
from course.store.migrate import upgrade
from course.store.models import Base
from course.web.app import create_app
from tests.factories import PG_URL, REPO, USING_PG, AuthActions


@pytest.fixture(autouse=True)
def _cheap_password_hashes() -> None:
    """argon2 at its minimum cost: tests check behaviour, not hashing strength
    (bench/logins.py measures the real parameters)."""
    passwords.configure(passwords.MINIMUM)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a SQLite file to copy, or the PostgreSQL test database."""
    if USING_PG:
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "course.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> str:
    if USING_PG:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    target = tmp_path / "course.db"
    shutil.copy(_template_db, target)
    return f"sqlite:///{target}"


_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE)\b", re.I)
_LOCKS = re.compile(r"\bFOR (UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)\b")


def _readers_never_write(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    """On PostgreSQL a reader (store.engine.read_only) runs without a transaction, so a
    write in it would be committed at once, whatever happens next: fail the test."""
    if conn.info.get("course_reader") and (_WRITES.match(statement) or _LOCKS.search(statement)):
        raise AssertionError(f"a read_only transaction wrote: {statement[:200]}")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    if eng.dialect.name == "postgresql":
        event.listen(eng, "before_cursor_execute", _readers_never_write)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    s = make_sessionmaker(engine)()
    yield s
    s.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        content_path=REPO,
        password_hash=passwords.MINIMUM,
        # Scenarios move the clock by days with the learner still logged in (as with
        # "keep me logged in"); tests/web/test_sessions.py checks the real lifetimes.
        session_idle_minutes=60 * 24 * 365,
        session_max_days=3650,
    )


@pytest.fixture
def synced(session: Session, clock: FixedClock) -> None:
    """The bundled course loaded into the test database."""
    sync_root(session, clock, REPO)


@pytest.fixture
def app(settings: Settings, engine: Engine, synced: None, clock: FixedClock) -> Flask:
    application = create_app(settings, engine, clock)
    application.config.update(TESTING=True)
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
