"""Alembic environment: the URL comes from the config set in ``course.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from course.store.engine import make_engine
from course.store.models import Base

config = context.config
target_metadata = Base.metadata


# Several app hosts may start (`course serve` migrates) at once: on PostgreSQL each
# migration run holds this advisory lock for its transaction, so the others wait and
# then find the schema already current instead of creating the same tables again.
_MIGRATION_LOCK = 0x636F75727365  # "course"


def _serialize(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            _serialize(connectable)
            context.run_migrations()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,  # SQLite ALTERs go through batch mode
                compare_type=True,
            )
            with context.begin_transaction():
                _serialize(connection)
                context.run_migrations()
    finally:
        engine.dispose()  # also when a migration fails (e.g. a read-only database)


run_migrations()
