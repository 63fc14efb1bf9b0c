"""Flask extensions (CSRF on every form, login sessions) and the app's clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect, generate_csrf

from course.clock import Clock, SystemClock
from course.services.sessions import SessionPolicy
from course.settings import Settings

csrf = CSRFProtect()
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
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


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
        if len(_SIGNED_TOKENS) >= SIGNED_TOKENS_KEPT:
            _SIGNED_TOKENS.clear()  # safe with threads; re-signing is all it costs
        _SIGNED_TOKENS[key] = signed
    g.csrf_token = signed
    return signed


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
