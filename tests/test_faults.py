"""Faults against the real server (THREATS 34): SIGKILL during a stream of answers loses
no acknowledged answer and leaves no attempt half-written.

Runs on SQLite, and on PostgreSQL in the PostgreSQL pass (``COURSE_TEST_DATABASE_URL``).
``COURSE_SIGKILL_RUNS`` sets how many times (default 2 per database)."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import threading
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from course.store.attempts import Response
from course.store.engine import make_engine, make_sessionmaker
from tests.factories import answer_path, bundled_questions, form_answer
from tests.servers import course, free_port, instance_env, serve, stop

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
RUNS = int(os.environ.get("COURSE_SIGKILL_RUNS", "2"))


class Browser:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(
        self, method: str, path: str, form: dict[str, object] | None = None
    ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = urllib.parse.urlencode(form or {}, doseq=True) if form is not None else None
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookie = header.split(";", 1)[0]
        conn.close()
        return response.status, response.headers.get("Location", ""), page

    def token(self, path: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.request("GET", path)[2])
        assert match
        return match.group(1)


@pytest.mark.parametrize("run", range(RUNS))
def test_sigkill_loses_no_acknowledged_answer(tmp_path: Path, database_url: str, run: int) -> None:
    env = instance_env(tmp_path)
    if database_url.startswith("postgres"):
        env["DATABASE_URL"] = database_url  # emptied by the fixture
    else:
        database_url = f"sqlite:///{tmp_path / 'course.db'}"
    course(env, "init", "--no-demo")
    course(env, "create-user", "k@example.org", "--password", "a long enough password")
    port = free_port()
    proc = serve(env, port)
    browser = Browser(port)
    browser.request(
        "POST",
        "/login",
        {
            "email": "k@example.org",
            "password": "a long enough password",
            "csrf_token": browser.token("/login"),
        },
    )
    _, location, _ = browser.request("POST", f"{QUIZ}/start", {"csrf_token": browser.token(QUIZ)})
    attempt = location.rstrip("/").rsplit("/", 1)[-1]
    token = browser.token(f"/attempts/{attempt}")
    questions = list(bundled_questions().items())
    acknowledged = []
    for qid, question in questions[:10]:
        status, _, _ = browser.request(
            "POST",
            answer_path(attempt, qid),
            {**form_answer(question), "csrf_token": token},
        )
        if status == 302:
            acknowledged.append(qid)
    in_flight = threading.Thread(target=lambda: _ignore(browser, attempt, questions[10], token))
    in_flight.start()
    os.killpg(proc.pid, signal.SIGKILL)  # the master and its worker, no clean shutdown
    proc.wait(timeout=10)
    in_flight.join(timeout=15)
    assert len(acknowledged) == 10
    engine = make_engine(database_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    session = make_sessionmaker(engine)()
    with session.begin():
        stored = session.scalar(select(func.count()).select_from(Response)) or 0
    assert 10 <= stored <= 11  # every acknowledged answer; the in-flight one whole or absent
    engine.dispose()
    restarted = serve(env, port)  # and the app comes back on the same data
    try:
        again = Browser(port)
        assert again.request("GET", "/healthz")[0] == 200
    finally:
        stop(restarted)


def _ignore(browser: Browser, attempt: str, item: tuple[str, object], token: str) -> None:
    qid, question = item
    # The server dies mid-request: the client sees no acknowledgement.
    with contextlib.suppress(OSError):
        browser.request(
            "POST",
            answer_path(attempt, qid),
            {**form_answer(question), "csrf_token": token},  # type: ignore[arg-type]
        )
