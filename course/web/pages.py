"""Whole pages for anonymous readers, rendered once per content version.

The course and lesson pages that visitors without a login read are the same for all of
them, so each is rendered once per content version and kept per app (process). A page
is taken from here or stored only when nothing on it can depend on who asks: nobody is
logged in, no flashed message waits in the session, and rendering made no CSRF token.
The version comes from the database on every request (``services.catalog``), so a
publish through any host is served by every host at its next request.

In front of Flask, :class:`PublicPages` serves those pages to requests that carry no
cookie at all, before any request context, session or login is set up: the response
(status, headers and body) Flask gave for the page is kept and replayed while the
course's version stays the same. Anything else goes to Flask as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, render_template, request, session
from flask_login import current_user
from sqlalchemy import Engine

from course.services import catalog

# The WSGI types this module needs (see PEP 3333).
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# Entries are one per published course and lesson page; the bound only caps what a site
# with very many courses keeps per process.
MAX_PAGES = 2_000


def shareable() -> bool:
    """Can this request get (and give) a page rendered for someone else?"""
    return not current_user.is_authenticated and "_flashes" not in session


def cached_public(key: tuple[str, ...], version: int | None) -> Response | None:
    """The page of ``key`` rendered from content ``version``, if an anonymous reader may
    have it and it is kept; None: build the page (through :func:`render_public`).

    Checked before the view opens a database session, so a hit costs one statement."""
    if version is None or not shareable():
        return None
    cache: dict[tuple[str, ...], tuple[int, bytes]] = current_app.extensions.get(
        "course_public_pages", {}
    )
    hit = cache.get((request.script_root, *key))
    if hit is None or hit[0] != version:
        return None
    _offer(key[1], version)
    return Response(hit[1], mimetype="text/html")


def render_public(
    template: str, key: tuple[str, ...], version: int, **context: Any
) -> str | Response:
    """``render_template(template, **context)``, from the cache when the reader is
    anonymous and the page of ``key`` was rendered from content ``version`` (kept
    encoded, so a hit costs no rendering and no encoding)."""
    if not shareable():
        return render_template(template, **context)
    cache: dict[tuple[str, ...], tuple[int, bytes]] = current_app.extensions.setdefault(
        "course_public_pages", {}
    )
    full_key = (request.script_root, *key)
    hit = cache.get(full_key)
    if hit is None or hit[0] != version:
        body = render_template(template, **context).encode()
        if "csrf_token" in g:  # a token is one reader's: such a page is never shared
            return Response(body, mimetype="text/html")
        if len(cache) >= MAX_PAGES:
            cache.clear()
        hit = cache[full_key] = (version, body)
    _offer(key[1], version)
    return Response(hit[1], mimetype="text/html")


_OFFER = "course.public_page"  # environ key: (course id, version) of a shareable page


def _offer(course_id: str, version: int) -> None:
    """Tell :class:`PublicPages` that this response may be kept for cookieless readers."""
    request.environ[_OFFER] = (course_id, version)


@dataclass(frozen=True)
class _Kept:
    course_id: str
    version: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class PublicPages:
    """WSGI middleware: cookieless GETs of a kept page are answered before Flask runs.

    A page is kept when Flask served it with a 200 to a request without cookies and the
    view offered it (:func:`render_public` or :func:`cached_public`: nobody logged in,
    no flash, no CSRF token) and set no cookie. A kept page is served only while its
    course's published version (one statement) is the one it was rendered from; when
    the check fails (a database outage) or the version moved, Flask answers.
    """

    def __init__(self, app: WSGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        self.kept: dict[tuple[str, str, str], _Kept] = {}

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_COOKIE"):
            return self.app(environ, start_response)
        if environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        key = (
            str(environ.get("wsgi.url_scheme", "")),
            str(environ.get("SCRIPT_NAME", "")),
            str(environ.get("PATH_INFO", "")),
        )
        kept = self.kept.get(key)
        if kept is not None and self._current(kept):
            start_response(kept.status, list(kept.headers))
            return [kept.body]
        return self._keep(key, environ, start_response)

    def _current(self, kept: _Kept) -> bool:
        try:
            return catalog.published_version(self.engine, kept.course_id) == kept.version
        except Exception:  # an outage: Flask shows its own page for it
            return False

    def _keep(
        self, key: tuple[str, str, str], environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def recording(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            started.append((status, list(headers)))
            return start_response(status, headers, *exc)

        body = self.app(environ, recording)
        offered = environ.get(_OFFER)
        if offered is None or not started:
            return body
        status, headers = started[-1]
        if not status.startswith("200 ") or any(
            name.lower() == "set-cookie" for name, _ in headers
        ):
            return body
        try:
            content = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if len(self.kept) >= MAX_PAGES:
            self.kept.clear()
        self.kept[key] = _Kept(offered[0], offered[1], status, headers, content)
        return [content]
