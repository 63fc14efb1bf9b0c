"""Is the service able to serve? (database reachable and writable, which content it serves)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from course.store.content import ContentVersion, CourseRow
from course.store.engine import StorageProblem, engine_of, probe_storage, read_only


@dataclass(frozen=True)
class Health:
    """``database`` is ``ok``, ``unreachable: <error type>``, ``disk_full`` or ``read_only``."""

    ok: bool
    database: str
    content: dict[str, str]


def check(session: Session, recent_problem: StorageProblem | None = None) -> Health:
    """Read the served content versions, then probe whether writes would succeed.

    Args:
        session: a session not inside a transaction.
        recent_problem: a storage failure a write hit moments ago; used on PostgreSQL,
            whose full disk cannot be probed without writing.
    """
    try:
        with session.begin():
            read_only(session)
            rows = session.execute(
                select(CourseRow.id, ContentVersion.content_hash).join(
                    ContentVersion, ContentVersion.id == CourseRow.version_id
                )
            ).all()
        engine = engine_of(session)
        problem = probe_storage(engine)
        if engine.dialect.name != "sqlite":  # SQLite's probe sees a full disk itself
            problem = problem or recent_problem
    except SQLAlchemyError as exc:
        session.rollback()
        return Health(False, f"unreachable: {type(exc).__name__}", {})
    content = {course: digest[:12] for course, digest in rows}
    if problem is not None:
        return Health(False, problem.value, content)
    return Health(True, "ok", content)
