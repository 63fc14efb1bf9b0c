"""Quiz attempts, the responses in them, and lessons read."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from course.content.model import QuizSettings
from course.store.base import Base, UTCDateTime
from course.store.content import CourseRow, QuizRow


class AttemptStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class Attempt(Base):
    """One try at a quiz: the questions drawn, in the order shown, and the outcome.

    ``(user_id, quiz_id, number)`` is unique, so two racing starts cannot both create
    attempt N + 1.
    """

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    question_ids: Mapped[list[int]] = mapped_column(JSON)
    # The revision of each drawn question when the attempt started (same order): the
    # attempt is graded against these even if the content changes meanwhile.
    revision_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[AttemptStatus] = mapped_column(
        Enum(
            AttemptStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AttemptStatus.OPEN,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    points: Mapped[float] = mapped_column(Float, default=0.0)
    max_points: Mapped[float] = mapped_column(Float, default=0.0)
    passed: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        Index("ix_attempts_user_quiz", "user_id", "quiz_id"),
    )


class Response(Base):
    """A graded answer; ``(attempt_id, question_id)`` is unique, so it is graded once."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("question_revisions.id"))
    raw: Mapped[Any] = mapped_column(JSON)
    response_text: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    feedback: Mapped[list[Any]] = mapped_column(JSON)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[str | None] = mapped_column(String(10), default=None)

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)


class AnswerDraft(Base):
    """What a learner has typed for one question of an open end-of-quiz attempt.

    Never graded and never shown to anyone but its learner; deleted when the attempt
    is submitted. ``fields`` maps each of the question's form field names to its values.
    """

    __tablename__ = "answer_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    fields: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)


class LessonRead(Base):
    """A learner finished reading a lesson."""

    __tablename__ = "lesson_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)


# The answer path's queries, built once: constructing statements per request costs more
# than running them on SQLite. Executed on the session's connection (Core, no ORM).
_ATTEMPT_FOR_ANSWER = (
    select(
        Attempt.user_id,
        Attempt.status,
        Attempt.question_ids,
        Attempt.revision_ids,
        Attempt.version_id,
        Attempt.started_at,
        QuizRow.settings,
        QuizRow.course_id,
        CourseRow.desired_retention,
        CourseRow.learning_steps,
        CourseRow.relearning_steps,
        CourseRow.learn_ahead_minutes,
        CourseRow.leech_lapses,
    )
    .join(QuizRow, QuizRow.id == Attempt.quiz_id)
    .join(CourseRow, CourseRow.id == QuizRow.course_id)
    .where(Attempt.id == bindparam("attempt_id"))
)
_ANSWERED = select(Response.question_id, Response.answered_at).where(
    Response.attempt_id == bindparam("attempt_id")
)
_INSERT_RESPONSE = insert(Response)


class AttemptForAnswer(NamedTuple):
    """The few attempt columns the answer path needs, typed."""

    user_id: int
    status: AttemptStatus
    question_ids: list[int]
    revision_ids: list[int]
    version_id: int
    started_at: datetime
    settings: QuizSettings
    course_id: str
    desired_retention: float
    learning_steps: list[int]
    relearning_steps: list[int]
    learn_ahead_minutes: int
    leech_lapses: int


def attempt_for_answer(session: Session, attempt_id: int) -> AttemptForAnswer | None:
    """The attempt, its quiz's settings and its course's review settings."""
    row = session.connection().execute(_ATTEMPT_FOR_ANSWER, {"attempt_id": attempt_id}).first()
    if row is None:
        return None
    values = list(row)
    values[6] = QuizSettings.from_json(values[6])
    return AttemptForAnswer(*values)


def answered_questions(session: Session, attempt_id: int) -> dict[int, datetime]:
    """question id → when it was answered, for one attempt."""
    rows = session.connection().execute(_ANSWERED, {"attempt_id": attempt_id})
    return {int(question_id): at for question_id, at in rows}


def insert_response(session: Session, values: dict[str, Any]) -> None:
    session.connection().execute(_INSERT_RESPONSE, values)
