"""Imports every table module so ``Base.metadata`` is complete (Alembic, tests)."""

from course.store import content, users
from course.store.base import Base

__all__ = ["Base", "content", "users"]
