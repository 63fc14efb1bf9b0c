"""One SQLAlchemy session per request, on ``g`` (flaskr's get_db, for SQLAlchemy)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from course.store.engine import make_engine, make_sessionmaker


def init_app(app: Flask, engine: Engine | None = None) -> None:
    settings = app.config["COURSE_SETTINGS"]
    engine = engine or make_engine(
        settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    app.extensions["course_engine"] = engine
    app.extensions["course_sessions"] = make_sessionmaker(engine)
    app.teardown_appcontext(_close)


def get_session() -> Session:
    """The request's session; created on first use, closed at teardown."""
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions["course_sessions"]
        g.db_session = factory()
    session: Session = g.db_session
    return session


def _close(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
