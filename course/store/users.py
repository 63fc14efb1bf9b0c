"""Accounts: the users table and its queries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, String, bindparam, func, select
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
    # Changing it logs out every session of the user (it is part of the session cookie).
    session_token: Mapped[str] = mapped_column(String(64))
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


_SESSION_USER = select(User.id, User.email, User.display_name, User.role, User.session_token).where(
    User.id == bindparam("user_id")
)


def session_user_row(session: Session, user_id: int) -> Any:
    """What every request needs to know of its user (one prebuilt query)."""
    return session.connection().execute(_SESSION_USER, {"user_id": user_id}).first()
