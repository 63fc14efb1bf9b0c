"""One SQLAlchemy session per request, on ``g`` (flaskr's get_db, for SQLAlchemy).

The session is bound to one pooled connection for the whole request: the services'
transactions (the login check, then the use case) reuse it instead of checking a
connection out of the pool and back for each one.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
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


def get_engine() -> Engine:
    """The app's engine, for the few reads that need no session (a page cache's check)."""
    engine: Engine = current_app.extensions["course_engine"]
    return engine


def get_session() -> Session:
    """The request's session; created on first use, closed at teardown."""
    if "db_session" not in g:
        engine: Engine = current_app.extensions["course_engine"]
        factory: sessionmaker[Session] = current_app.extensions["course_sessions"]
        try:
            g.db_connection = engine.connect()
        except OperationalError:
            # The database is unreachable: a session on the engine fails inside the
            # use case instead, where health checks and error pages expect it.
            g.db_session = factory()
        else:
            g.db_session = factory(bind=g.db_connection)
    session: Session = g.db_session
    return session


def _close(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    connection: Connection | None = g.pop("db_connection", None)
    if session is not None:
        session.close()
    if connection is not None:
        connection.close()
