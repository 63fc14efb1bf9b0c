"""Flask's signed-cookie sessions, each cookie verified once per worker.

Every request of a logged-in person carries the same session cookie until the session
changes. Flask checks its signature, decodes it and parses its tagged JSON on every
request (about a tenth of an answer's time). This keeps what a cookie verified to, per
worker, so the same cookie is only compared with a dictionary key: the bytes were
checked once, under the same keys, and a cookie's contents never change.

Only the expiry is checked again on each use (the cookie carries when it was signed).
Sessions holding anything mutable (the flashed messages' list) are not kept: a view
may change them in place, and they last for one page anyway.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

# Most cookies kept per worker; the cache is emptied when full (re-verifying is all it
# costs). Each entry is a few hundred bytes.
COOKIES_KEPT = 10_000
_PLAIN = (str, int, float, bool, type(None))


class VerifiedCookieSessions(SecureCookieSessionInterface):
    """:class:`SecureCookieSessionInterface` that remembers verified cookies."""

    def __init__(self) -> None:
        # (secret key, fallback keys, cookie) → (contents, when it was signed, seconds)
        self._verified: dict[tuple[Any, ...], tuple[dict[str, Any], float]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), value)
        known = self._verified.get(key)
        if known is not None:
            contents, signed_at = known
            # itsdangerous refuses a cookie older than max_age or signed in the future.
            if 0 <= time.time() - signed_at <= max_age:
                return self.session_class(contents)
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        assert serializer is not None
        try:
            contents, signed = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(contents, dict) and all(isinstance(v, _PLAIN) for v in contents.values()):
            if len(self._verified) >= COOKIES_KEPT:
                self._verified.clear()
            self._verified[key] = (dict(contents), signed.timestamp())
        return self.session_class(contents)
