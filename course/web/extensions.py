"""Flask extensions (CSRF on every form, login sessions) and the app's clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

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


def init_app(app: Flask, settings: Settings, app_clock: Clock | None = None) -> None:
    csrf.init_app(app)
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
