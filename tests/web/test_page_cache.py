"""Course and lesson pages cached per content version (issue 13).

Anonymous readers share whole rendered pages; nothing of one reader (name, CSRF token,
flashed message, progress) may reach another. The cache is checked against the
database's content version on every request, so content published through one host is
served by every other host at once, without a restart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, request, request_started, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import authoring
from course.settings import Settings
from course.store.engine import make_engine
from course.web.app import create_app
from tests.factories import COURSE, REPO, AuthActions, make_class, make_instructor, statements

COURSE_PAGE = f"/courses/{COURSE}/"
LESSON_FILE = "lessons/soviet-union-ww2.md"
LESSON_PAGE = f"/courses/{COURSE}/lessons/soviet-union-ww2"
WEB_MARK = "A paragraph published through the first host."
EXTRA_QUIZ = b"""id: extra-quiz
title: Extra questions on the war
lesson: soviet-union-ww2
questions:
  - id: extra-one
    type: true_false
    prompt: Did the Soviet Union declare war on Japan in August 1945?
    answer: true
"""
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def renders(app: Flask) -> Iterator[list[str]]:
    """The names of the templates rendered meanwhile."""
    names: list[str] = []

    def record(_sender: Flask, template: Any, context: dict[str, Any], **_: Any) -> None:
        names.append(str(template.name))

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_pages_are_rendered_once_per_version(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    first = {path: page(client, path) for path in (LESSON_PAGE, COURSE_PAGE)}
    other = app.test_client()  # another visitor
    served: Engine = app.extensions["course_engine"]
    checkouts: list[object] = []
    listener = lambda *_: checkouts.append(1)  # noqa: E731
    event.listen(served, "checkout", listener)
    try:
        with renders(app) as rendered, statements(engine) as run:
            again = {path: page(other, path) for path in (LESSON_PAGE, COURSE_PAGE)}
    finally:
        event.remove(served, "checkout", listener)
    assert again == first
    assert rendered == []  # both pages came from the cache
    assert run == []  # and only the version check ran, outside the ORM
    # One connection per page (the version check's): a hit opens no session of its own.
    assert len(checkouts) == 2


def test_a_logged_in_page_is_never_shared(app: Flask, client: FlaskClient) -> None:
    anonymous = page(client, LESSON_PAGE)  # cached for anonymous readers
    assert "Log in" in anonymous and not TOKEN.search(anonymous)
    lea = AuthActions(app.test_client())
    lea.signup("lea@example.org", display_name="Lea Reader")
    bob = AuthActions(app.test_client())
    bob.signup("bob@example.org", display_name="Bob Student")
    for path in (LESSON_PAGE, COURSE_PAGE):
        for_lea = page(lea.client, path)
        for_bob = page(bob.client, path)
        assert "Lea Reader" in for_lea and "Bob Student" not in for_lea
        assert "Bob Student" in for_bob and "Lea Reader" not in for_bob
        lea_token, bob_token = TOKEN.search(for_lea), TOKEN.search(for_bob)
        assert lea_token and bob_token and lea_token.group(1) != bob_token.group(1)
        # Anonymous readers, before and after, get neither name nor token.
        for html in (page(client, path), page(app.test_client(), path)):
            assert "Lea Reader" not in html and "Bob Student" not in html
            assert not TOKEN.search(html) and "Log in" in html


def test_anonymous_after_logging_out_gets_the_public_page(app: Flask) -> None:
    reader = AuthActions(app.test_client())
    reader.signup("lea@example.org", display_name="Lea Reader")
    assert "Lea Reader" in page(reader.client, COURSE_PAGE)
    assert reader.logout().status_code == 302
    for path in (COURSE_PAGE, LESSON_PAGE):
        html = page(reader.client, path)
        assert "Lea Reader" not in html and not TOKEN.search(html)
        assert "complete ·" not in html  # no progress line


def test_a_flashed_message_is_shown_once_and_never_cached(app: Flask, client: FlaskClient) -> None:
    page(app.test_client(), LESSON_PAGE)  # the public page is cached
    # A login-only page flashes "Please log in" into this visitor's session.
    assert client.get(f"/courses/{COURSE}/progress").status_code == 302
    with renders(app) as rendered:
        flashed = page(client, LESSON_PAGE)
    assert "Please log in to continue." in flashed and rendered == ["lesson.html"]
    for html in (page(client, LESSON_PAGE), page(app.test_client(), LESSON_PAGE)):
        assert "Please log in to continue." not in html


def test_a_publish_on_one_host_is_served_by_the_other(
    settings: Settings, database_url: str, session: Session, clock: FixedClock, synced: None
) -> None:
    """Two hosts (apps with their own engines and caches) on one database."""
    hosts = []
    for _ in range(2):
        host = create_app(settings, make_engine(database_url), clock)
        host.config.update(TESTING=True)
        hosts.append(host)
    first, second = (host.test_client() for host in hosts)
    reader = AuthActions(second.application.test_client())
    reader.signup("lea@example.org", display_name="Lea Reader")
    for client in (first, second, reader.client):  # every page cached before the publish
        assert WEB_MARK not in page(client, LESSON_PAGE)
        assert "Extra questions on the war" not in page(client, COURSE_PAGE)

    teacher = make_instructor(session, clock)
    make_class(session, clock, teacher)
    lesson = (REPO / LESSON_FILE).read_bytes() + f"\n\n{WEB_MARK}\n".encode()
    authoring.publish(session, clock, teacher, COURSE, LESSON_FILE, lesson, "a paragraph")
    authoring.publish(session, clock, teacher, COURSE, "extra.yaml", EXTRA_QUIZ, "a quiz")

    for client in (second, first, reader.client):
        assert WEB_MARK in page(client, LESSON_PAGE)
        assert "Extra questions on the war" in page(client, LESSON_PAGE)
        assert "Extra questions on the war" in page(client, COURSE_PAGE)
    for host in hosts:
        host.extensions["course_engine"].dispose()


@contextmanager
def flask_runs(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests Flask itself handled meanwhile."""
    paths: list[str] = []

    def record(_sender: Flask, **_: Any) -> None:
        paths.append(request.path)

    request_started.connect(record, app)
    try:
        yield paths
    finally:
        request_started.disconnect(record, app)


def _wsgi_get(app: Flask, path: str, **environ: str) -> tuple[str, dict[str, str], bytes]:
    """A GET straight through the app's WSGI callable (no test client, no cookie jar)."""
    from werkzeug.test import EnvironBuilder

    built = EnvironBuilder(path=path, method="GET").get_environ()
    built.update(environ)
    started: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(
        app.wsgi_app(built, lambda status, headers, *_: started.append((status, headers)))
    )
    status, headers = started[-1]
    return status, dict(headers), body


def test_a_cookieless_reader_gets_the_kept_response_before_flask_runs(
    app: Flask, engine: Engine
) -> None:
    """The whole response (status, headers, body) Flask gave is replayed without a
    request context: no template, no session, no hook of Flask runs."""
    status, headers, body = _wsgi_get(app, LESSON_PAGE)
    assert status == "200 OK" and b"Log in" in body
    with renders(app) as rendered, statements(engine) as run, flask_runs(app) as handled:
        again = _wsgi_get(app, LESSON_PAGE)
    assert again == (status, headers, body)
    assert rendered == [] and run == [] and handled == []
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert headers["Cache-Control"] == "no-store"
    # A cookie of any kind, a query string or another method goes to Flask.
    with flask_runs(app) as handled:
        for extra in (
            {"HTTP_COOKIE": "session=x"},
            {"QUERY_STRING": "a=1"},
            {"REQUEST_METHOD": "HEAD"},
        ):
            _wsgi_get(app, LESSON_PAGE, **extra)
    assert handled == [LESSON_PAGE] * 3


def test_a_kept_response_is_dropped_when_the_version_moves_or_the_check_fails(
    app: Flask, client: FlaskClient, monkeypatch: Any
) -> None:
    from course.services import catalog

    _wsgi_get(app, COURSE_PAGE)
    real = catalog.published_version
    monkeypatch.setattr(
        catalog, "published_version", lambda engine, cid: (real(engine, cid) or 0) + 1
    )
    with flask_runs(app) as handled:
        _wsgi_get(app, COURSE_PAGE)
    assert handled == [COURSE_PAGE]  # a newer version: Flask built the page

    def outage(*_: object) -> int:
        raise RuntimeError("database down")

    monkeypatch.setattr(catalog, "published_version", outage)
    with flask_runs(app) as handled:
        _wsgi_get(app, COURSE_PAGE)
    assert handled == [COURSE_PAGE]  # the check failed: Flask answered


def test_a_page_for_a_logged_in_reader_is_never_kept(app: Flask) -> None:
    lea = AuthActions(app.test_client())
    lea.signup("lea@example.org", display_name="Lea Reader")
    assert "Lea Reader" in page(lea.client, LESSON_PAGE)
    status, _headers, body = _wsgi_get(app, LESSON_PAGE)
    assert status == "200 OK" and b"Lea Reader" not in body
    assert b"Lea Reader" not in _wsgi_get(app, LESSON_PAGE)[2]
