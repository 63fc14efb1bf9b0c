"""Outages and durability through the app (THREATS 26, 35, 36, 37, 47, 48, 56):
the designed 503 page without the database, "cannot save right now" for a full or
read-only store with nothing half-written, health saying which, and logs without
SQL parameters."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from course.store.attempts import Response
from course.store.engine import StorageProblem, make_engine, make_sessionmaker, storage_problem
from course.web.db import get_session
from tests.factories import KEYS, USING_PG, AuthActions, attempt_id_from

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
DEAD_URL = (
    "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    if USING_PG
    else "sqlite:////nonexistent-folder/for/course.db"
)


def use_engine(app: Flask, engine: Engine) -> None:
    """Point the running app at another engine (the database "goes away" or changes)."""
    app.extensions["course_engine"] = engine
    app.extensions["course_sessions"] = make_sessionmaker(engine)


@pytest.fixture
def learner(app: Flask) -> tuple[FlaskClient, int]:
    client = app.test_client()
    AuthActions(client).signup("outage@example.org")
    start = AuthActions(client).post(f"{QUIZ}/start", {}, token_from=QUIZ)
    return client, attempt_id_from(start.headers["Location"])


def count_responses(session: Session) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(Response)) or 0


def test_logged_in_user_gets_the_503_page_and_recovers(
    app: Flask, engine: Engine, learner: tuple[FlaskClient, int]
) -> None:
    """THREATS 47 and 35: no bare "Internal Server Error"; back by itself afterwards."""
    client, attempt = learner
    token = AuthActions(client).csrf(f"/attempts/{attempt}")
    dead = make_engine(DEAD_URL)
    use_engine(app, dead)
    try:
        for path in ("/review", f"/attempts/{attempt}", "/classes", "/"):
            page = client.get(path)
            html = page.get_data(as_text=True)
            assert page.status_code == 503, path
            assert "database cannot be reached" in html and "Back to the course" in html
            assert "Internal Server Error" not in html and "Traceback" not in html
            assert "Log in" not in html  # it must not read as if the learner were logged out
            assert page.headers["Retry-After"] == "30"
        answer = client.post(
            f"/attempts/{attempt}/questions/{KEYS['manchuria-garrison']}",
            data={f"q-{KEYS['manchuria-garrison']}": "the Kwantung Army", "csrf_token": token},
        )
        assert answer.status_code == 503
        assert "the Kwantung Army</textarea>" in unescape(answer.get_data(as_text=True))
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["database"].startswith("unreachable")
    finally:
        dead.dispose()
        use_engine(app, engine)
    assert client.get("/healthz").status_code == 200
    assert client.get("/review").status_code == 200


LONG = "Kwantung Army, the Japanese force in Manchuria. " * 38  # under the 2,000 limit
QID = {
    f"q-{KEYS['manchuria-garrison']}": "manchuria-garrison",
    f"q-{KEYS['north-of-japan']}": "north-of-japan",
    f"q-{KEYS['soviet-name-for-war']}-0": "soviet-name-for-war",
}
LONG_FIELDS = list(QID)


def _limit_pages(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    pages = cursor.execute("PRAGMA page_count").fetchone()[0]
    cursor.execute(f"PRAGMA max_page_count={pages}")
    cursor.close()


@pytest.mark.skipif(USING_PG, reason="a full disk is simulated with SQLite's max_page_count")
def test_disk_full_is_cannot_save_and_nothing_half_written(
    app: Flask,
    engine: Engine,
    session: Session,
    database_url: str,
    learner: tuple[FlaskClient, int],
) -> None:
    """THREATS 48 and 37: "cannot save right now", not "cannot reach"; health says disk_full."""
    client, attempt = learner
    token = AuthActions(client).csrf(f"/attempts/{attempt}")
    before = count_responses(session)
    full = make_engine(database_url)
    event.listen(full, "connect", _limit_pages)
    use_engine(app, full)
    try:
        # Long answers need new pages, and the disk has none left: within a few answers
        # one cannot be saved. Each is either stored whole or refused whole.
        statuses = []
        for field in LONG_FIELDS:
            page = client.post(
                f"/attempts/{attempt}/questions/{KEYS[QID[field]]}",
                data={field: LONG, "csrf_token": token},
            )
            statuses.append(page.status_code)
            if page.status_code != 302:
                break
        html = unescape(page.get_data(as_text=True))
        assert statuses[-1] == 503 and set(statuses[:-1]) <= {302}, statuses
        assert "cannot be saved right now" in html and "storage is full" in html
        assert "cannot be reached" not in html
        assert LONG in html  # shown back, not lost
        stored = count_responses(session)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "disk_full"
        assert client.get(f"/attempts/{attempt}").status_code == 200  # reading still works
    finally:
        full.dispose()
        use_engine(app, engine)
    assert stored == before + len(statuses) - 1  # nothing half-written
    assert count_responses(session) == stored
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert client.get("/healthz").status_code == 200


def _read_only_engine(database_url: str) -> Engine:
    if USING_PG:
        return make_engine(
            database_url, connect_args={"options": "-c default_transaction_read_only=on"}
        )
    engine = make_engine(database_url)

    @event.listens_for(engine, "connect")
    def _query_only(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only=ON")

    return engine


def test_read_only_database_is_cannot_save(
    app: Flask,
    engine: Engine,
    session: Session,
    database_url: str,
    learner: tuple[FlaskClient, int],
) -> None:
    """THREATS 48 and 37 on both databases: a read-only store refuses writes clearly."""
    client, attempt = learner
    token = AuthActions(client).csrf("/review")
    before = count_responses(session)
    read_only = _read_only_engine(database_url)
    use_engine(app, read_only)
    try:
        page = client.post(
            f"/attempts/{attempt}/questions/{KEYS['north-of-japan']}",
            data={f"q-{KEYS['north-of-japan']}": "Sakhalin", "csrf_token": token},
        )
        html = page.get_data(as_text=True)
        assert page.status_code == 503 and "storage is read-only" in html
        limits = client.post("/review/settings", data={"new_per_day": "5", "csrf_token": token})
        assert limits.status_code == 503
        health = client.get("/healthz").get_json()
        assert health["status"] == "unavailable" and health["database"] == "read_only"
    finally:
        read_only.dispose()
        use_engine(app, engine)
    assert count_responses(session) == before


@pytest.mark.parametrize(
    ("sqlstate", "name", "expected"),
    [
        ("53100", "", StorageProblem.DISK_FULL),
        ("25006", "", StorageProblem.READ_ONLY),
        ("", "SQLITE_FULL", StorageProblem.DISK_FULL),
        ("", "SQLITE_READONLY", StorageProblem.READ_ONLY),
        ("", "SQLITE_READONLY_DBMOVED", StorageProblem.READ_ONLY),
        ("08006", "", None),
        ("", "SQLITE_CANTOPEN", None),
    ],
)
def test_storage_problems_are_classified(sqlstate: str, name: str, expected: object) -> None:
    class Driver(Exception):
        pass

    orig = Driver("x")
    orig.sqlstate = sqlstate  # type: ignore[attr-defined]
    orig.sqlite_errorname = name  # type: ignore[attr-defined]
    assert storage_problem(OperationalError("stmt", {}, orig)) == expected


@pytest.mark.skipif(USING_PG, reason="SQLite's write lock")
def test_writers_wait_for_the_lock_instead_of_failing(
    app: Flask, engine: Engine, learner: tuple[FlaskClient, int]
) -> None:
    """THREATS 36: a writer holding SQLite's lock makes others wait, never a 500/503."""
    client, _ = learner
    token = AuthActions(client).csrf("/review")
    holder = engine.connect()
    holder.begin()  # BEGIN IMMEDIATE: another process is writing
    release = threading.Timer(1.0, lambda: (holder.rollback(), holder.close()))
    release.start()
    started = time.perf_counter()
    page = client.post("/review/settings", data={"new_per_day": "7", "csrf_token": token})
    release.join()
    assert page.status_code == 302
    assert time.perf_counter() - started >= 0.9  # it waited for the lock, then wrote
    results: list[int] = []

    def write(n: int) -> None:
        other = app.test_client()
        AuthActions(other).signup(f"writer{n}@example.org")
        for _ in range(5):
            results.append(
                AuthActions(other).post("/review/settings", {"new_per_day": str(n)}).status_code
            )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302] * 30


@pytest.fixture
def failing_routes(app: Flask) -> Iterator[Flask]:
    secret = "secret-param@example.org"

    def bad_sql() -> str:
        get_session().execute(
            text("SELECT nosuchcolumn FROM users WHERE email = :e"), {"e": secret}
        )
        return "unreachable"

    def duplicate() -> str:
        session = get_session()
        with session.begin():
            for _ in range(2):
                session.execute(
                    text(
                        "INSERT INTO classes (course_id, name, instructor_id, join_code, "
                        "joining_open, created_at) VALUES ('ww2-soviet-union', :n, 1, :c, "
                        "true, '2026-01-01')"
                    ),
                    {"n": secret, "c": "SECRETCODE"},
                )
        return "unreachable"

    app.add_url_rule("/bad-sql", "bad_sql", bad_sql)
    app.add_url_rule("/duplicate", "duplicate", duplicate)
    yield app


def test_database_errors_show_and_log_no_sql_or_values(
    failing_routes: Flask, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """THREATS 26 and 56: no traceback, SQL, path or configuration on the page; no SQL
    parameters (emails, answers) in the log, on SQLite and PostgreSQL."""
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    AuthActions(client).signup("param@example.org")
    for path in ("/bad-sql", "/duplicate"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 500, path
        for leak in ("Traceback", "SELECT", "INSERT", "nosuchcolumn", "secret-param", "/work"):
            assert leak not in html, (path, leak)
        assert app.config["SECRET_KEY"] not in html
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "database error" in logged
    assert "secret-param" not in logged and "SECRETCODE" not in logged
    assert "param@example.org" not in logged
    assert app.extensions["course_engine"].hide_parameters
    assert not app.debug
