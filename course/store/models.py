"""Imports every table module so ``Base.metadata`` is complete (Alembic, tests)."""

from course.store import attempts, audit, classes, content, disputes, review, throttle, users
from course.store.base import Base

__all__ = [
    "Base",
    "attempts",
    "audit",
    "classes",
    "content",
    "disputes",
    "review",
    "throttle",
    "users",
]
