"""The Flask app factory."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, request
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from course import __version__
from course.clock import Clock
from course.services import passwords
from course.settings import PACKAGE_DIR, Settings, from_env
from course.store.classes import AssignmentKind
from course.web import (
    auth,
    classes,
    data,
    db,
    disputes,
    errors,
    extensions,
    formatting,
    guard,
    health,
    insight,
    interop,
    learn,
    pages,
    quiz,
    review,
    teach,
)
from course.web.cookie_session import VerifiedCookieSessions


def _template_folder() -> Path:
    packaged = PACKAGE_DIR / "templates"  # inside an installed wheel
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "templates"


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, clock: Clock | None = None
) -> Flask:
    """Build the app. ``settings`` default to the environment (:func:`from_env`)."""
    settings = settings or from_env()
    app = Flask(
        "course",
        template_folder=str(_template_folder()),
        static_folder=str(PACKAGE_DIR / "web" / "static"),
        instance_path=str(settings.instance_path),
    )
    app.config.update(
        COURSE_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_upload_bytes,
        MAX_FORM_PARTS=2_000,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_DURATION=timedelta(days=settings.remember_days),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead; long forms do not expire
    )
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    db.init_app(app, engine)
    # Cookieless readers of course and lesson pages are served before Flask runs.
    app.wsgi_app = pages.PublicPages(  # type: ignore[method-assign]
        app.wsgi_app, app.extensions["course_engine"]
    )
    if settings.trusted_proxies:
        # Believe X-Forwarded-For/-Proto only as far as the configured proxies set them;
        # with 0 (the default) a forged header is ignored and remote_addr is the peer.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.session_interface = VerifiedCookieSessions()
    passwords.configure(settings.password_hash)
    extensions.init_app(app, settings, clock)
    errors.init_app(app)
    formatting.init_app(app)
    guard.init_app(app)  # before the blueprints: their <int:...> ids use its converter
    for blueprint in (
        health.bp,
        auth.bp,
        learn.bp,
        quiz.bp,
        review.bp,
        classes.bp,
        teach.bp,
        insight.bp,
        disputes.bp,
        data.bp,
        interop.bp,
    ):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["course_version"] = __version__
    app.jinja_env.globals["AssignmentKind"] = AssignmentKind
    app.after_request(_security_headers)
    return app


def _security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Pages carry who is logged in, answers and results: no browser or proxy keeps them.
    # Static files and course media stay cacheable.
    if request.endpoint not in _CACHEABLE:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


_CACHEABLE = {"static", "learn.media"}
