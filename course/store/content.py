"""Synced content: courses, content versions, lessons, quizzes and questions.

Content files are the authoring source; these rows are what the app serves. Rows are
keyed by the authors' stable slugs; a removed lesson, quiz or question is retired
(``retired_at`` set), never deleted, so learner history keeps its meaning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from course.store.base import Base, UTCDateTime


class ContentVersion(Base):
    """One synced state of a content root, identified by the hash of its files."""

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(String(100), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("course_id", "content_hash"),)


class CourseRow(Base):
    """A course and the content version it currently serves."""

    __tablename__ = "courses"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description_html: Mapped[str] = mapped_column(Text, default="")
    desired_retention: Mapped[float] = mapped_column(default=0.9)
    new_per_day: Mapped[int] = mapped_column(Integer, default=20)
    max_reviews_per_day: Mapped[int] = mapped_column(Integer, default=200)
    # Review policy (course.yaml): steps in minutes, learn-ahead minutes, leech lapses.
    learning_steps: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 10])
    relearning_steps: Mapped[list[int]] = mapped_column(JSON, default=lambda: [10])
    learn_ahead_minutes: Mapped[int] = mapped_column(Integer, default=20)
    leech_lapses: Mapped[int] = mapped_column(Integer, default=8)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    content_root: Mapped[str] = mapped_column(Text, default="")


class LessonRow(Base):
    """A lesson as served: Markdown rendered once per content version."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    toc: Mapped[list[Any]] = mapped_column(JSON)
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (UniqueConstraint("course_id", "slug"),)


class QuizRow(Base):
    """A quiz's settings; its questions are rows of :class:`QuestionRow`."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    lesson_slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (UniqueConstraint("course_id", "slug"),)


class QuestionRow(Base):
    """A question, stored as the canonical definition the content layer rebuilds."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (UniqueConstraint("quiz_id", "slug"),)


class QuestionRevision(Base):
    """Each distinct definition a question has had, so old answers can be regraded."""

    __tablename__ = "question_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
