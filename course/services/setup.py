"""First start: migrate, load the bundled course, and (only when asked) demo accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from course.clock import Clock
from course.services.accounts import create_user
from course.services.content_sync import SyncResult, sync_root, validate_root
from course.store import migrate
from course.store.content import CourseRow
from course.store.users import Role, get_by_email

DEMO_ACCOUNTS = (
    ("instructor@example.org", "Demo Instructor", Role.INSTRUCTOR),
    ("learner@example.org", "Demo Learner", Role.LEARNER),
)


@dataclass
class InitResult:
    sync: SyncResult | None = None
    demo_logins: list[tuple[str, str, Role]] = field(default_factory=list)
    demo_existing: list[str] = field(default_factory=list)


def initialize(
    engine: Engine, session: Session, clock: Clock, content: Path, demo: bool = False
) -> InitResult:
    """Bring the database to the newest schema and sync content when none is loaded yet.

    With ``demo``, also create the demo accounts that do not exist yet; their
    passwords are returned once, at creation, and never again. Without it (``course
    init`` and ``course serve``) no account is ever created.
    """
    migrate.upgrade(engine.url.render_as_string(hide_password=False))
    result = InitResult()
    with session.begin():
        has_course = session.scalar(select(CourseRow.id).limit(1)) is not None
    if not has_course:
        result.sync = sync_root(session, clock, content)
    else:
        relink_content_root(session, content)
    if demo:
        for email, name, role in DEMO_ACCOUNTS:
            with session.begin():
                exists = get_by_email(session, email) is not None
            if exists:
                result.demo_existing.append(email)
                continue
            password = secrets.token_urlsafe(12)
            create_user(session, clock, email, password, name, role)
            result.demo_logins.append((email, password, role))
    return result


def relink_content_root(session: Session, content: Path) -> None:
    """Point a course whose content root is gone (the package reinstalled elsewhere) at
    ``content`` when that root holds the same course. Served files come from the
    database's versions either way; the root is where media files are read from."""
    with session.begin():
        lost = [
            course.id
            for course in session.scalars(select(CourseRow))
            if not Path(course.content_root).is_dir()
        ]
    if not lost or not content.is_dir():
        return
    bundle, _ = validate_root(content)
    if bundle is None or bundle.course.id not in lost:
        return
    with session.begin():
        course = session.get(CourseRow, bundle.course.id)
        if course is not None:
            course.content_root = str(content.resolve())
