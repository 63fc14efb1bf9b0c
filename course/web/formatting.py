"""Jinja filters for numbers, scores, times and Markdown (the rules are in
``course.formatting``; Markdown goes through the one sanitizing renderer)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g, has_request_context, request, url_for
from markupsafe import Markup

from course.content.markdown import render_html, render_inline
from course.formatting import (
    format_day,
    format_number,
    format_percent,
    format_points,
    format_when,
)


def markdown(text: str | None) -> Markup:
    """Authored or typed Markdown as sanitized HTML (raw HTML escaped, unsafe links
    dropped by ``course.content.markdown``)."""
    return Markup(render_html(text or ""))  # noqa: S704 - the renderer escapes raw HTML


def markdown_inline(text: str | None) -> Markup:
    """Like ``markdown`` for one line (no wrapping paragraph)."""
    return Markup(render_inline(text or ""))  # noqa: S704 - the renderer escapes raw HTML


def reader_zone() -> str:
    """The zone the logged-in reader sees times in (UTC otherwise). Only a user already
    loaded for this request is read, so a page rendered during a database outage (an
    error page) never needs the database for it."""
    if not has_request_context():
        return "UTC"
    user = g.get("_login_user")
    return getattr(getattr(user, "user", None), "timezone", None) or "UTC"


def when(moment: datetime | None, timezone: str | None = None, *, year: bool = True) -> str:
    """``format_when`` in ``timezone``, or in the reader's zone when none is given.

    A macro imported from another template does not see the page's context, so
    ``when(viewer_tz)`` there passed an undefined (falsy) zone and the time came out in
    UTC on pages otherwise in the reader's zone; the reader's zone is the default here.
    """
    return format_when(moment, timezone or reader_zone(), year=year)


def day(moment: datetime | None, timezone: str | None = None) -> str:
    """``format_day`` in ``timezone``, or in the reader's zone (see :func:`when`)."""
    return format_day(moment, timezone or reader_zone())


_FIXED_URLS: dict[tuple[str, str, str | None], str] = {}


def fixed_url(endpoint: str, filename: str | None = None) -> str:
    """``url_for`` for the links every page carries (the layout's navigation, static
    files): they take no per-page values, so each is built once per worker and mount
    point instead of on every page."""
    key = (request.script_root, endpoint, filename)
    url = _FIXED_URLS.get(key)
    if url is None:
        url = url_for(endpoint, filename=filename) if filename else url_for(endpoint)
        if len(_FIXED_URLS) < 1_000:  # a bounded set: the layout's links
            _FIXED_URLS[key] = url
    return url


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        number=format_number,
        points=format_points,
        percent=format_percent,
        when=when,
        day=day,
        markdown=markdown,
        markdown_inline=markdown_inline,
    )
    app.jinja_env.globals["zip"] = zip
    app.jinja_env.globals["fixed_url"] = fixed_url

    @app.context_processor
    def _viewer_timezone() -> dict[str, str]:
        """``viewer_tz``: the zone the logged-in reader sees times in (UTC otherwise)."""
        return {"viewer_tz": reader_zone()}
