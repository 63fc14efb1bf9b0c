"""Use cases: validate a content root, and sync it into the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.clock import Clock
from course.content.diagnostics import Report
from course.content.loader import load_root
from course.content.model import ContentBundle, Quiz
from course.errors import ContentInvalid
from course.grading.examples import check_examples
from course.services import reviews
from course.store.content import (
    ContentVersion,
    CourseRow,
    LessonRow,
    QuestionRevision,
    QuestionRow,
    QuizRow,
)


@dataclass(frozen=True)
class SyncResult:
    """What a sync did."""

    course_id: str
    version_id: int
    content_hash: str
    changed: bool
    added: int = 0
    updated: int = 0
    retired: int = 0


def validate_root(root: Path) -> tuple[ContentBundle | None, Report]:
    """Load a content root and grade every authored example with the real grader."""
    bundle, report = load_root(root, check_examples)
    return (bundle if report.ok else None), report


def sync_root(session: Session, clock: Clock, root: Path) -> SyncResult:
    """Validate ``root`` and load it in one transaction, versioned by content hash.

    Idempotent: syncing the same files again changes nothing. A broken root raises
    :class:`ContentInvalid` and leaves the database as it was.
    """
    bundle, report = validate_root(root)
    if bundle is None:
        raise ContentInvalid(report.lines())
    with session.begin():
        return _apply(session, clock, bundle)


def _apply(session: Session, clock: Clock, bundle: ContentBundle) -> SyncResult:
    info = bundle.course
    course = session.get(CourseRow, info.id)
    if course is not None:
        current = session.get(ContentVersion, course.version_id)
        if current is not None and current.content_hash == bundle.content_hash:
            course.content_root = bundle.root  # the same files may have moved
            return SyncResult(info.id, current.id, bundle.content_hash, changed=False)
    version = session.scalar(
        select(ContentVersion).where(
            ContentVersion.course_id == info.id, ContentVersion.content_hash == bundle.content_hash
        )
    )
    if version is None:
        version = ContentVersion(
            course_id=info.id,
            content_hash=bundle.content_hash,
            synced_at=clock.now(),
            source=bundle.root,
        )
        session.add(version)
        session.flush()
    if course is None:
        course = CourseRow(id=info.id, version_id=version.id)
        session.add(course)
    course.title = info.title
    course.description_html = bundle.description_html
    course.desired_retention = info.desired_retention
    course.new_per_day = info.new_per_day
    course.max_reviews_per_day = info.max_reviews_per_day
    course.learning_steps = list(info.learning_steps)
    course.relearning_steps = list(info.relearning_steps)
    course.learn_ahead_minutes = info.learn_ahead_minutes
    course.leech_lapses = info.leech_lapses
    course.version_id = version.id
    course.content_root = bundle.root
    session.flush()
    counts = _Counts()
    _sync_lessons(session, clock, bundle, version.id, counts)
    _sync_quizzes(session, clock, bundle, version.id, counts)
    session.flush()
    reviews.deactivate_retired(session)
    return SyncResult(
        info.id, version.id, bundle.content_hash, True, counts.added, counts.updated, counts.retired
    )


@dataclass
class _Counts:
    added: int = 0
    updated: int = 0
    retired: int = 0


def _sync_lessons(
    session: Session, clock: Clock, bundle: ContentBundle, version_id: int, counts: _Counts
) -> None:
    existing = {
        row.slug: row
        for row in session.scalars(select(LessonRow).where(LessonRow.course_id == bundle.course.id))
    }
    for position, lesson in enumerate(bundle.lessons, start=1):
        row = existing.pop(lesson.id, None)
        if row is None:
            row = LessonRow(course_id=bundle.course.id, slug=lesson.id)
            session.add(row)
            counts.added += 1
        else:
            counts.updated += 1
        row.title = lesson.title
        row.position = lesson.order or position
        row.minutes = lesson.minutes
        row.html = lesson.html
        row.toc = [[h.level, h.text, h.anchor] for h in lesson.headings]
        row.source = dict(lesson.source)
        row.version_id = version_id
        row.retired_at = None
    for row in existing.values():
        if row.retired_at is None:
            row.retired_at = clock.now()
            counts.retired += 1


def _sync_quizzes(
    session: Session, clock: Clock, bundle: ContentBundle, version_id: int, counts: _Counts
) -> None:
    existing = {
        row.slug: row
        for row in session.scalars(select(QuizRow).where(QuizRow.course_id == bundle.course.id))
    }
    for quiz in bundle.quizzes:
        row = existing.pop(quiz.id, None)
        if row is None:
            row = QuizRow(course_id=bundle.course.id, slug=quiz.id)
            session.add(row)
            counts.added += 1
        row.lesson_slug = quiz.lesson
        row.title = quiz.title
        row.settings = quiz.settings()
        row.version_id = version_id
        row.retired_at = None
        session.flush()
        _sync_questions(session, clock, row, quiz, version_id, counts)
    for row in existing.values():
        if row.retired_at is None:
            row.retired_at = clock.now()
            counts.retired += 1
            for question in session.scalars(
                select(QuestionRow).where(QuestionRow.quiz_id == row.id)
            ):
                question.retired_at = question.retired_at or clock.now()


def _sync_questions(
    session: Session, clock: Clock, quiz_row: QuizRow, quiz: Quiz, version_id: int, counts: _Counts
) -> None:
    existing = {
        row.slug: row
        for row in session.scalars(select(QuestionRow).where(QuestionRow.quiz_id == quiz_row.id))
    }
    for position, definition in enumerate(quiz.definitions):
        row = existing.pop(definition["id"], None)
        changed = row is None or row.definition != definition
        if row is None:
            row = QuestionRow(quiz_id=quiz_row.id, slug=definition["id"])
            session.add(row)
            counts.added += 1
        elif changed:
            counts.updated += 1
        row.position = position
        row.type = definition["type"]
        row.definition = _plain(definition)
        row.retired_at = None
        if changed:
            row.version_id = version_id
            session.flush()
            session.add(
                QuestionRevision(
                    question_id=row.id, version_id=version_id, definition=row.definition
                )
            )
    for row in existing.values():
        if row.retired_at is None:
            row.retired_at = clock.now()
            counts.retired += 1


def _plain(value: Any) -> Any:
    """A JSON-safe deep copy (definitions are stored as JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
