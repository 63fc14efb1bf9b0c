"""Scale-out (issue 13): two `course serve` processes, as two app hosts would run them,
on one PostgreSQL database. Each has its own instance folder and one worker, so any
state kept in a process (a login, a counter, a cached page) would show here.

- a learner logs in on host A and carries on with the same attempt on host B, and back;
- content published through A (web editor) or by `course sync` is served by both without
  a restart, lesson and course pages included (a cache per process would serve the old);
- failed logins on A count toward the login limit on B.

PostgreSQL only: it runs in the PostgreSQL pass (``COURSE_TEST_DATABASE_URL``) in a
database of its own (``deploy_scaleout_…``), dropped afterwards.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import func, make_url, select

from course.store.attempts import Response
from course.store.engine import make_engine, make_sessionmaker
from course.store.migrate import is_current
from tests.factories import (
    COURSE,
    KEYS,
    PASSWORD,
    PG_URL,
    QUIZ_PAGE,
    REPO,
    USING_PG,
    answer_path,
    attempt_id_from,
    bundled_questions,
    copy_content,
    form_answer,
)
from tests.servers import course, free_port, instance_env, serve, stop

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not USING_PG,
        reason="scale-out needs PostgreSQL: set COURSE_TEST_DATABASE_URL (the PostgreSQL "
        "pass of `make test` does)",
    ),
]

LESSON = "pact-and-winter-war"
# An accepted answer: the redirect to its feedback, or the feedback page itself.
ANSWERED = (200, 302)
OTHER_LESSON = "barbarossa-and-moscow"


class Browser:
    """One browser (its cookies) that can talk to any host of the site."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self, port: int, method: str, path: str, form: dict[str, object] | None = None
    ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            page = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value and "expires=Thu, 01 Jan 1970" not in header:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response.status, response.headers.get("Location", ""), page

    def get(self, port: int, path: str) -> tuple[int, str]:
        status, _, page = self.request(port, "GET", path)
        return status, page

    def post(
        self, port: int, path: str, form: dict[str, object], token_from: str
    ) -> tuple[int, str, str]:
        return self.request(
            port, "POST", path, {**form, "csrf_token": self.token(port, token_from)}
        )

    def token(self, port: int, path: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(port, path)[1])
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, port: int, email: str, password: str = PASSWORD) -> int:
        status, _, _ = self.post(
            port, "/login", {"email": email, "password": password}, token_from="/login"
        )
        return status


@pytest.fixture(scope="module")
def scale_out_url() -> Iterator[str]:
    """A new database on the test server, for this test alone."""
    name = f"deploy_scaleout_{secrets.token_hex(4)}"
    admin = make_url(PG_URL).set(drivername="postgresql", database="test")
    admin_url = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def hosts(
    scale_out_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int, dict[str, str], Path]]:
    """Two app "hosts" (ports A and B) on one database and one content root, shared by
    the tests of this module (each uses its own accounts)."""
    tmp_path = tmp_path_factory.mktemp("scale-out")
    content = copy_content(tmp_path / "content")
    shutil.copy(REPO / "course.yaml", content / "course.yaml")
    secret = secrets.token_urlsafe(32)  # the same SECRET_KEY on every host

    def env_of(host: str) -> dict[str, str]:
        env = instance_env(tmp_path / f"instance-{host}", content)
        env.update(DATABASE_URL=scale_out_url, SECRET_KEY=secret)
        return env

    first = env_of("a")
    course(first, "init")
    course(first, "create-user", "learner@example.org", "--password", PASSWORD)
    course(first, "create-user", "guessed@example.org", "--password", PASSWORD)
    course(first, "create-user", "admin@example.org", "--role", "admin", "--password", PASSWORD)
    port_a, port_b = free_port(), free_port()
    server_a = serve(first, port_a, workers=1)
    try:
        server_b = serve(env_of("b"), port_b, workers=1)
        try:
            yield port_a, port_b, env_of("b"), content
        finally:
            stop(server_b)
    finally:
        stop(server_a)


def next_position(page: str, attempt: int) -> str:
    """The question the attempt page asks next (its form's position)."""
    match = re.search(rf'action="/attempts/{attempt}/questions/(\d+)"', page)
    assert match, "no question form on the attempt page"
    return match.group(1)


def stored_answers(url: str, attempt: int) -> int:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            query = select(func.count()).select_from(Response).where(Response.attempt_id == attempt)
            return int(session.scalar(query) or 0)
    finally:
        engine.dispose()


def test_a_learner_moves_between_hosts(
    hosts: tuple[int, int, dict[str, str], Path], scale_out_url: str
) -> None:
    a, b, _, _ = hosts
    learner = Browser()
    assert learner.login(a, "learner@example.org") == 302
    assert learner.get(b, "/account")[0] == 200  # the login made on A is valid on B

    status, location, _ = learner.post(a, f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    assert status == 302
    attempt = attempt_id_from(location)
    questions = list(bundled_questions().items())
    first, second, third = questions[:3]
    status, _, _ = learner.post(
        a, answer_path(attempt, first[0]), form_answer(first[1]), f"/attempts/{attempt}"
    )
    assert status in ANSWERED

    # B shows the answer given on A and asks the next question.
    status, page = learner.get(b, f"/attempts/{attempt}")
    assert status == 200 and next_position(page, attempt) == KEYS[second[0]]
    assert learner.get(b, f"/attempts/{attempt}?answered={KEYS[first[0]]}")[0] == 200
    status, _, _ = learner.post(
        b, answer_path(attempt, second[0]), form_answer(second[1]), f"/attempts/{attempt}"
    )
    assert status in ANSWERED

    # Back on A: both answers are there and the third question is next.
    status, page = learner.get(a, f"/attempts/{attempt}")
    assert next_position(page, attempt) == KEYS[third[0]]
    assert stored_answers(scale_out_url, attempt) == 2

    # Logging out on B ends the login on A too (one row per login, in the database).
    copied = dict(learner.cookies)
    assert learner.post(b, "/logout", {}, token_from="/")[0] == 302
    stale = Browser()
    stale.cookies = copied
    status, location, _ = stale.request(a, "GET", "/account")
    assert status == 302 and "/login" in location


def lesson_path(slug: str) -> str:
    return f"/courses/{COURSE}/lessons/{slug}"


def pages_show(port: int, browser: Browser, title: str, slug: str) -> None:
    """The lesson page and the course page on ``port`` both show ``title``."""
    status, lesson = browser.get(port, lesson_path(slug))
    assert status == 200 and title in html.unescape(lesson), f"lesson page on {port}"
    status, overview = browser.get(port, f"/courses/{COURSE}/")
    assert status == 200 and title in html.unescape(overview), f"course page on {port}"


def test_content_published_on_one_host_is_served_by_the_other(
    hosts: tuple[int, int, dict[str, str], Path],
) -> None:
    a, b, env_b, content = hosts
    anonymous, learner = Browser(), Browser()
    assert learner.login(b, "learner@example.org") == 302
    old_title = "The pact with Hitler and the Winter War"
    for port in (a, b):  # each host has rendered the pages once (a cache would hold them)
        for browser in (anonymous, learner):
            pages_show(port, browser, old_title, LESSON)

    admin = Browser()
    assert admin.login(a, "admin@example.org") == 302
    edit = f"/teach/courses/{COURSE}/files/lessons/{LESSON}.md/edit"
    status, page = admin.get(a, edit)
    assert status == 200
    text = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))  # type: ignore[union-attr]
    base = re.search(r'name="base" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    web_title = f"Published on host A {secrets.token_hex(3)}"
    assert f"title: {old_title}" in text
    form = {
        "text": text.replace(f"title: {old_title}", f"title: {web_title}"),
        "message": "retitled on host A",
        "base": base,
        "action": "publish",
    }
    status, _, _ = admin.post(a, edit, form, token_from=edit)
    assert status == 302
    for port in (b, a):
        for browser in (anonymous, learner):
            pages_show(port, browser, web_title, LESSON)

    # `course sync` (run beside host B) of a lesson changed on disk: both hosts serve it,
    # and the web edit above is kept.
    path = content / "lessons" / f"{OTHER_LESSON}.md"
    disk_title = f"Synced from disk {secrets.token_hex(3)}"
    original = path.read_text(encoding="utf-8")
    path.write_text(
        re.sub(r"^title: .*$", f"title: {disk_title}", original, count=1, flags=re.M),
        encoding="utf-8",
    )
    course(env_b, "sync")
    for port in (a, b):
        for browser in (anonymous, learner):
            pages_show(port, browser, disk_title, OTHER_LESSON)
            pages_show(port, browser, web_title, LESSON)


def test_failed_logins_on_one_host_count_on_the_other(
    hosts: tuple[int, int, dict[str, str], Path],
) -> None:
    a, b, _, _ = hosts
    guesser = Browser()
    # Five failures for this account from this address are free (LOGIN_PER_ACCOUNT_ADDRESS).
    for _ in range(5):
        assert guesser.login(a, "guessed@example.org", "not the password at all") == 401
    # On B, which has seen none of them, the right password now has to wait as well.
    status, _, page = guesser.post(
        b, "/login", {"email": "guessed@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert status == 429, page
    assert "Too many" in html.unescape(page)


def test_hosts_starting_at_once_migrate_once(scale_out_url: str) -> None:
    """`course serve` migrates at start; several hosts starting together on a new (or
    older) database must not create the same tables twice."""
    fresh = make_url(scale_out_url).set(database=f"deploy_migrate_{secrets.token_hex(4)}")
    admin = fresh.set(drivername="postgresql", database="test").render_as_string(False)
    name = sql.Identifier(str(fresh.database))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    env = {**os.environ, "DATABASE_URL": fresh.render_as_string(hide_password=False)}
    try:
        # Four hosts' `course db upgrade` (what `course serve` runs first) at once.
        starts = [
            subprocess.Popen(
                [sys.executable, "-m", "course.cli", "db", "upgrade"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for _ in range(4)
        ]
        errors = [proc.communicate(timeout=120)[1].decode()[-500:] for proc in starts]
        assert [proc.returncode for proc in starts] == [0] * 4, errors
        engine = make_engine(env["DATABASE_URL"])
        try:
            assert is_current(engine)
        finally:
            engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
