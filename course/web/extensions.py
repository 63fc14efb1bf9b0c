"""Flask extensions (CSRF on every form, login sessions) and the app's clock."""

from __future__ import annotations

import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect, generate_csrf, same_origin

from course.clock import Clock, SystemClock
from course.services.sessions import SessionPolicy
from course.settings import Settings


class _SessionBoundCSRF(CSRFProtect):  # type: ignore[misc]
    """flask-wtf's CSRF protection, recognising the signed tokens this worker knows.

    With ``WTF_CSRF_TIME_LIMIT = None`` a signed token is valid exactly when it is a
    signature of the session's raw token; the signed forms this worker issued (or has
    verified before) for that raw token are kept in ``_SIGNED_TOKENS``, so a form sent
    back with one of them needs no new signature check. Anything else goes through
    flask-wtf's own check, and a token it accepts is remembered.
    """

    def protect(self, apply_exemptions: bool = False) -> None:
        config = current_app.config
        if (
            request.method not in config["WTF_CSRF_METHODS"]
            or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None
            or config.get("WTF_CSRF_FIELD_NAME", "csrf_token") != "csrf_token"
        ):
            super().protect(apply_exemptions)
            return
        raw = session.get("csrf_token")
        sent = self._get_csrf_token()
        key = (current_app.secret_key or "", raw) if isinstance(raw, str) else None
        known = _SIGNED_TOKENS.get(key) if key else None
        if not (known and _same_token(known, sent)):
            super().protect(apply_exemptions)  # raises (a 400) unless the token is good
            if key and isinstance(sent, str) and g.get("csrf_valid"):
                _remember(key, sent)
            return
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            # The same referrer rule as flask-wtf's for HTTPS.
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True


csrf = _SessionBoundCSRF()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.session_protection = "basic"


@login_manager.unauthorized_handler  # type: ignore[untyped-decorator]
def _unauthorized() -> ResponseReturnValue:
    """HTML gets the login page (coming back afterwards); API clients get 401."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if best == "application/json":
        return jsonify(error="Please log in", status=401), 401
    if request.method == "POST":
        # A form sent after the login ended (idle, or ended elsewhere): say it was lost,
        # and come back to the page the form was on (the form's own address may take
        # only POSTs: coming back to it would be a 405).
        flash(
            "Your login had ended, so what you sent was not saved. Log in, then send it again.",
            "info",
        )
        return redirect(login_url_back_to_form())
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_url_back_to_form() -> str:
    """The login page, coming back to the page a refused form was on (when the browser
    says which, and it is on this site; else the login goes to the home page)."""
    referrer = urlsplit(request.referrer or "")
    back = None
    if referrer.netloc == request.host and referrer.path:
        back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("auth.login", next=back) if back else url_for("auth.login")


# A session's CSRF token in its signed form, per worker (bounded: cleared when full).
_SIGNED_TOKENS: dict[tuple[str | bytes, str], str] = {}
SIGNED_TOKENS_KEPT = 10_000


def csrf_token() -> str:
    """flask-wtf's ``generate_csrf``, without signing the same token on every page.

    The signed form carries a timestamp, but with ``WTF_CSRF_TIME_LIMIT = None`` the
    timestamp is never checked: a token signed once for a session's raw token validates
    exactly as a freshly signed one would, and stays tied to that session (a new login
    clears the session and so gets a new raw token). Signing costs an HMAC and a
    serialization per page; this keeps the result per worker.
    """
    if "csrf_token" in g:
        return str(g.csrf_token)
    raw = session.get("csrf_token")
    if not isinstance(raw, str) or current_app.config.get("WTF_CSRF_FIELD_NAME") not in (
        None,
        "csrf_token",
    ):
        return str(generate_csrf())
    key = (current_app.secret_key or "", raw)
    signed = _SIGNED_TOKENS.get(key)
    if signed is None:
        signed = str(generate_csrf())
        _remember(key, signed)
    g.csrf_token = signed
    return signed


def _same_token(known: str, sent: object) -> bool:
    # compare_digest takes only ASCII text; a forged token may be anything.
    return isinstance(sent, str) and sent.isascii() and hmac.compare_digest(known, sent)


def _remember(key: tuple[str | bytes, str], signed: str) -> None:
    if len(_SIGNED_TOKENS) >= SIGNED_TOKENS_KEPT:
        _SIGNED_TOKENS.clear()  # safe with threads; re-signing is all it costs
    _SIGNED_TOKENS[key] = signed


def init_app(app: Flask, settings: Settings, app_clock: Clock | None = None) -> None:
    csrf.init_app(app)
    if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is None:
        # flask-wtf offers its generate_csrf both ways; this replaces both.
        app.jinja_env.globals["csrf_token"] = csrf_token
        app.context_processor(lambda: {"csrf_token": csrf_token})
    login_manager.init_app(app)
    app.extensions["course_clock"] = app_clock or SystemClock()
    app.extensions["course_session_policy"] = SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(days=settings.session_max_days),
        remember=timedelta(days=settings.remember_days),
    )


def session_policy() -> SessionPolicy:
    """How long logins last (from the settings)."""
    value: SessionPolicy = current_app.extensions["course_session_policy"]
    return value


def clock() -> Clock:
    """The app's clock (tests inject a fixed one)."""
    value: Clock = current_app.extensions["course_clock"]
    return value


def fuzz() -> bool:
    """Whether review intervals get FSRS fuzz (the REVIEW_FUZZ setting)."""
    return bool(current_app.config["COURSE_SETTINGS"].review_fuzz)
