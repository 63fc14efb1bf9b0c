"""Session cookies are verified once per worker (``cookie_session``); what a kept cookie
opens to is exactly what Flask's own check gives: tampered cookies open empty, expired
ones too (even when kept), and mutable contents are never shared between requests."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.sessions import SessionMixin

from course.web import cookie_session
from course.web.cookie_session import VerifiedCookieSessions


def _open(app: Flask, cookie: str | None) -> SessionMixin:
    interface = app.session_interface
    assert isinstance(interface, VerifiedCookieSessions)
    headers = {"Cookie": f"session={cookie}"} if cookie is not None else {}
    with app.test_request_context("/", headers=headers) as ctx:
        opened = interface.open_session(app, ctx.request)
    assert opened is not None
    return opened


def _signed(app: Flask, contents: dict[str, object]) -> str:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.dumps(contents))


def test_a_kept_cookie_opens_to_its_contents_and_a_tampered_one_to_nothing(app: Flask) -> None:
    cookie = _signed(app, {"_user_id": "7:secret", "csrf_token": "abc"})
    assert dict(_open(app, cookie)) == {"_user_id": "7:secret", "csrf_token": "abc"}
    assert dict(_open(app, cookie)) == {"_user_id": "7:secret", "csrf_token": "abc"}  # kept
    tampered = cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]
    assert dict(_open(app, tampered)) == {}
    assert dict(_open(app, "")) == {}
    assert dict(_open(app, None)) == {}


def test_a_kept_cookie_expires_like_a_fresh_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.permanent_session_lifetime = timedelta(days=1)
    cookie = _signed(app, {"_user_id": "7:secret"})
    assert dict(_open(app, cookie)) == {"_user_id": "7:secret"}
    later = time.time() + 2 * 86_400
    monkeypatch.setattr(cookie_session.time, "time", lambda: later)
    assert dict(_open(app, cookie)) == {}


def test_a_cookie_of_another_secret_opens_to_nothing(app: Flask) -> None:
    cookie = _signed(app, {"_user_id": "7:secret"})
    assert dict(_open(app, cookie)) == {"_user_id": "7:secret"}
    app.secret_key = "another secret key, rotated"
    assert dict(_open(app, cookie)) == {}


def test_mutable_contents_are_not_shared_between_requests(app: Flask) -> None:
    cookie = _signed(app, {"_flashes": [["info", "Saved."]], "_user_id": "7:secret"})
    first = _open(app, cookie)
    first["_flashes"].append(["info", "changed in place by a view"])
    assert _open(app, cookie)["_flashes"] == [["info", "Saved."]]
    plain = _signed(app, {"_user_id": "7:secret"})
    opened = _open(app, plain)
    opened["_user_id"] = "changed"
    assert _open(app, plain)["_user_id"] == "7:secret"
