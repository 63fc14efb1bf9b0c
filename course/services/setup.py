"""First start: migrate, load the bundled course, create demo accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from course.clock import Clock
from course.services.accounts import create_user
from course.services.content_sync import SyncResult, sync_root
from course.store import migrate
from course.store.content import CourseRow
from course.store.users import Role, count_users

DEMO_ACCOUNTS = (
    ("instructor@example.org", "Demo Instructor", Role.INSTRUCTOR),
    ("learner@example.org", "Demo Learner", Role.LEARNER),
)


@dataclass
class InitResult:
    sync: SyncResult | None = None
    demo_logins: list[tuple[str, str, Role]] = field(default_factory=list)


def initialize(
    engine: Engine, session: Session, clock: Clock, content: Path, demo: bool = True
) -> InitResult:
    """Bring the database to the newest schema, sync content when none is loaded yet,
    and create demo accounts in an empty database (their passwords are returned once)."""
    migrate.upgrade(engine.url.render_as_string(hide_password=False))
    result = InitResult()
    with session.begin():
        has_course = session.scalar(select(CourseRow.id).limit(1)) is not None
        has_users = count_users(session) > 0
    if not has_course:
        result.sync = sync_root(session, clock, content)
    if demo and not has_users:
        for email, name, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            create_user(session, clock, email, password, name, role)
            result.demo_logins.append((email, password, role))
    return result
