"""Accounts: the users table and its queries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    String,
    bindparam,
    delete,
    false,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from course.store.base import Base, UTCDateTime


class Role(enum.StrEnum):
    """What an account may do."""

    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class User(Base):
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.LEARNER,
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # The learner's own daily review limits; None means the course's.
    new_per_day: Mapped[int | None] = mapped_column(default=None)
    reviews_per_day: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


class UserSession(Base):
    """One login on one device. The cookie carries ``id`` and a secret whose SHA-256 is
    ``token_hash``; deleting the row ends that login (and its remember cookie)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


def count_admins(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)) or 0
    )


class LoginRow(NamedTuple):
    """A login joined to its user: what every request needs to know of who asks."""

    token_hash: str
    remember: bool
    created_at: datetime
    last_seen_at: datetime
    id: int
    email: str
    display_name: str
    role: Role
    timezone: str


LOGIN_COLUMNS = (
    UserSession.token_hash,
    UserSession.remember,
    UserSession.created_at,
    UserSession.last_seen_at,
    User.id,
    User.email,
    User.display_name,
    User.role,
    User.timezone,
)
"""The columns of :class:`LoginRow`, in its order (for reads that join a login in)."""

# What every request needs to know of its user: one prebuilt query by primary key.
_SESSION_USER = (
    select(*LOGIN_COLUMNS)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.id == bindparam("session_id"))
)
_TOUCH = (
    update(UserSession)
    .where(UserSession.id == bindparam("session_id"))
    .values(last_seen_at=bindparam("now"))
)


def session_user_row(session: Session, session_id: int) -> LoginRow | None:
    """The login ``session_id`` joined to its user, or ``None``."""
    row = session.connection().execute(_SESSION_USER, {"session_id": session_id}).first()
    return LoginRow(*row) if row is not None else None


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    session.connection().execute(_TOUCH, {"session_id": session_id, "now": now})


def delete_sessions(session: Session, user_id: int, keep: int | None = None) -> None:
    """End every login of ``user_id`` (but ``keep``, when given)."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    session.execute(query)
