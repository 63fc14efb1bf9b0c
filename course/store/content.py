"""Content: every version of every authoring file, and the rows served from them.

The database's file versions (``content_files``) are the record of a course: a web edit
adds one, ``course sync`` adds one per file changed on disk. Courses, lessons, quizzes
and questions are what the app serves, rebuilt from the newest files at each publish.
Rows are keyed by the authors' stable slugs; a removed lesson, quiz or question is retired
(``retired_at`` set), never deleted, so learner history keeps its meaning.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Engine,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

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


# --- The record of what is served: every content file's versions ------------------------


class FileOrigin(enum.StrEnum):
    """Where a version of a content file came from."""

    DISK = "disk"  # `course sync` (or the first start) read it from a content root
    WEB = "web"  # an instructor uploaded, pasted or edited it in the browser
    REVERT = "revert"  # an instructor brought back an earlier version


class ContentFile(Base):
    """One version of one authoring file of a course (``lessons/x.md``, ``quizzes/y.yaml``,
    ``course.yaml``): the bytes, who made it, when and why.

    Append-only. The newest version of each path is what the course serves; ``data``
    None records that the file was removed. Web edits live only here, never in the
    content root, so a reinstall of the package cannot undo them.
    """

    __tablename__ = "content_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    origin: Mapped[FileOrigin] = mapped_column(
        Enum(
            FileOrigin,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # A signed-in user (the label stays when the account goes), or SYSTEM_CLI / "disk".
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message: Mapped[str] = mapped_column(Text, default="")
    # The content version this file version was first served in.
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))

    __table_args__ = (
        UniqueConstraint("course_id", "path", "revision"),
        Index("ix_content_files_course_id_path", "course_id", "path"),
    )


class DiskBaseline(Base):
    """The hash of each file of the content root as the last ``course sync`` read it.

    A file whose disk copy still has this hash was not changed on disk since, so a web
    edit of it is kept; one changed on both sides is a conflict the operator settles.
    """

    __tablename__ = "content_disk_baselines"

    course_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


_SERVED = "SELECT id, title, version_id FROM courses ORDER BY title, id"


def served_courses(engine: Engine) -> list[tuple[str, str, int]]:
    """(id, title, content version) of every course, by title: the check that keeps
    pages cached per content version valid on every host of a site.

    Runs on every course and lesson page, so it skips the ORM and SQLAlchemy's
    transaction machinery: one statement on a pooled DBAPI connection, outside any
    transaction (autocommit); on SQLite about 15 µs against 60–150 µs through a Session.
    Driver errors are raised as SQLAlchemy's, so an outage is reported as one.
    """
    dbapi = engine.dialect.loaded_dbapi
    try:
        raw = engine.raw_connection()
        driver = raw.driver_connection
        # psycopg: a statement outside any transaction is one round trip instead of three
        # (BEGIN, SELECT, ROLLBACK). sqlite3 connections here are already in autocommit.
        switch = getattr(driver, "autocommit", None) is False
        try:
            if switch:
                driver.autocommit = True  # type: ignore[union-attr]
            cursor = raw.cursor()
            cursor.execute(_SERVED)
            rows = cursor.fetchall()
            cursor.close()
        finally:
            if switch:
                driver.autocommit = False  # type: ignore[union-attr]
            raw.close()
    except dbapi.Error as exc:
        raise DBAPIError.instance(_SERVED, None, exc, dbapi.Error, dialect=engine.dialect) from exc
    return [(str(cid), str(title), int(version)) for cid, title, version in rows]


def served_version(engine: Engine, course_id: str) -> int | None:
    """The content version a course serves now (None: no such course); one cheap
    statement (:func:`served_courses`)."""
    return next((v for cid, _, v in served_courses(engine) if cid == course_id), None)


def current_files(session: Session, course_id: str) -> dict[str, ContentFile]:
    """path → the newest version of each file the course serves (removed ones left out).

    One query that loads only the newest version of each path, not the whole history.
    """
    newest = (
        select(ContentFile.path, func.max(ContentFile.revision).label("revision"))
        .where(ContentFile.course_id == course_id)
        .group_by(ContentFile.path)
        .subquery()
    )
    rows = session.scalars(
        select(ContentFile)
        .join(
            newest,
            (ContentFile.path == newest.c.path) & (ContentFile.revision == newest.c.revision),
        )
        .where(ContentFile.course_id == course_id)
    )
    return {row.path: row for row in rows if row.data is not None}


def current_hashes(session: Session, course_id: str) -> dict[str, str]:
    """path → the SHA-256 of the newest version of each file the course serves (removed
    ones left out), without loading the files."""
    newest = (
        select(ContentFile.path, func.max(ContentFile.revision).label("revision"))
        .where(ContentFile.course_id == course_id)
        .group_by(ContentFile.path)
        .subquery()
    )
    rows = session.execute(
        select(ContentFile.path, ContentFile.sha256)
        .join(
            newest,
            (ContentFile.path == newest.c.path) & (ContentFile.revision == newest.c.revision),
        )
        .where(ContentFile.course_id == course_id, ContentFile.data.is_not(None))
    )
    return {row.path: row.sha256 for row in rows}


def revisions(session: Session, course_id: str) -> dict[str, int]:
    """path → the number of its newest version."""
    query = (
        select(ContentFile.path, func.max(ContentFile.revision))
        .where(ContentFile.course_id == course_id)
        .group_by(ContentFile.path)
    )
    return {path: int(number) for path, number in session.execute(query)}


def head(session: Session, course_id: str) -> int:
    """The id of the newest file version of a course (0 if none): changes when any
    file does, so a writer can tell that someone published meanwhile."""
    value = session.scalar(
        select(func.max(ContentFile.id)).where(ContentFile.course_id == course_id)
    )
    return int(value or 0)


def history(session: Session, course_id: str, path: str) -> list[ContentFile]:
    """The versions of one file, newest first."""
    return list(
        session.scalars(
            select(ContentFile)
            .where(ContentFile.course_id == course_id, ContentFile.path == path)
            .order_by(ContentFile.revision.desc())
        )
    )


def baselines(session: Session, course_id: str) -> dict[str, DiskBaseline]:
    return {
        row.path: row
        for row in session.scalars(select(DiskBaseline).where(DiskBaseline.course_id == course_id))
    }
