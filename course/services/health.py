"""Is the service able to serve? (database reachable, which content it serves)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from course.store.content import ContentVersion, CourseRow
from course.store.engine import read_only


@dataclass(frozen=True)
class Health:
    ok: bool
    database: str
    content: dict[str, str]


def check(session: Session) -> Health:
    try:
        with session.begin():
            read_only(session)
            rows = session.execute(
                select(CourseRow.id, ContentVersion.content_hash).join(
                    ContentVersion, ContentVersion.id == CourseRow.version_id
                )
            ).all()
    except SQLAlchemyError as exc:
        session.rollback()
        return Health(False, f"unreachable: {type(exc).__name__}", {})
    return Health(True, "ok", {course: digest[:12] for course, digest in rows})
