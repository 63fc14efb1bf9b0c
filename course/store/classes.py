"""Classes, their members and assignments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from course.store.base import Base, UTCDateTime


class ClassRow(Base):
    """A class an instructor runs on one course; learners join it with its code."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    name: Mapped[str] = mapped_column(String(120))
    instructor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    joining_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Membership(Base):
    """A learner in a class."""

    __tablename__ = "class_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("class_id", "user_id"),)


class AssignmentKind(enum.StrEnum):
    """What an assignment asks: read a lesson or pass a quiz (stored as its value)."""

    LESSON = "lesson"
    QUIZ = "quiz"


class Assignment(Base):
    """A lesson to read or a quiz to pass, by a due date."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    kind: Mapped[AssignmentKind] = mapped_column(
        Enum(
            AssignmentKind,
            native_enum=False,
            length=10,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    target_slug: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("class_id", "kind", "target_slug"),
        Index("ix_assignments_class_due", "class_id", "due_at"),
    )
