"""Whole pages for anonymous readers, rendered once per content version.

The course and lesson pages that visitors without a login read are the same for all of
them, so each is rendered once per content version and kept per app (process). A page
is taken from here or stored only when nothing on it can depend on who asks: nobody is
logged in, no flashed message waits in the session, and rendering made no CSRF token.
The version comes from the database on every request (``services.catalog``), so a
publish through any host is served by every host at its next request.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, render_template, request, session
from flask_login import current_user

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
    return Response(hit[1], mimetype="text/html")
