"""Spaced review: a card per (learner, question), every review logged, fitted parameters."""

from __future__ import annotations

import enum
import time
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    JSON,
    Engine,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from course.store.base import Base, UTCDateTime
from course.store.engine import engine_of


class ReviewSource(enum.StrEnum):
    """Where a review came from: a quiz answer or the review page."""

    QUIZ = "quiz"
    REVIEW = "review"


class Suspension(enum.StrEnum):
    """Why a card is out of the queue."""

    LEECH = "leech"  # forgotten too often: re-read the section first
    LEARNER = "learner"  # the learner set it aside


def _enum(cls: type[enum.StrEnum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class ReviewCard(Base):
    """The FSRS memory state of one question for one learner.

    ``(user_id, due)`` is indexed: building today's queue is one index range scan.
    """

    __tablename__ = "review_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    course_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[int] = mapped_column(SmallInteger)
    step: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    stability: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty: Mapped[float | None] = mapped_column(Float, default=None)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    # First time the card was reviewed on the review page (None: still "new" there).
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    active: Mapped[bool] = mapped_column(default=True)  # False once its question is retired
    # Set while the card is out of the queue and the forecast (None: in review).
    suspended: Mapped[Suspension | None] = mapped_column(_enum(Suspension, 10), default=None)

    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_cards_user_due", "user_id", "due"),
    )


class ReviewLog(Base):
    """One review: enough to refit FSRS parameters (card, rating, time, duration)."""

    __tablename__ = "review_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[str] = mapped_column(String(100), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[ReviewSource] = mapped_column(_enum(ReviewSource, 10))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    confidence: Mapped[str | None] = mapped_column(String(10), default=None)
    # The card as it was before this review (NULL on the review that created it), so
    # the review can be re-rated or undone exactly, whatever fuzz it drew.
    prev_state: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    prev_step: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    prev_stability: Mapped[float | None] = mapped_column(Float, default=None)
    prev_difficulty: Mapped[float | None] = mapped_column(Float, default=None)
    prev_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    prev_last_review: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (Index("ix_review_logs_user_at", "user_id", "reviewed_at"),)


class CourseParameters(Base):
    """FSRS parameters fitted by `course optimize` for one course."""

    __tablename__ = "course_parameters"

    course_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    parameters: Mapped[list[float]] = mapped_column(JSON)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review_count: Mapped[int] = mapped_column(Integer)
    log_loss: Mapped[float | None] = mapped_column(Float, default=None)
    rmse_bins: Mapped[float | None] = mapped_column(Float, default=None)


# The answer path's statements, built once (see docs/performance.md).
_CARD_FOR = select(*ReviewCard.__table__.c).where(
    ReviewCard.user_id == bindparam("user_id"), ReviewCard.question_id == bindparam("question_id")
)
_INSERT_CARD = insert(ReviewCard).returning(ReviewCard.id)
_UPDATE_CARD = update(ReviewCard).where(ReviewCard.id == bindparam("card_id"))
_UPDATE_CARD_AT = update(ReviewCard).where(
    ReviewCard.id == bindparam("card_id"), ReviewCard.reps == bindparam("expected_reps")
)
_UPDATE_CARD_UNSUSPENDED = _UPDATE_CARD_AT.where(ReviewCard.suspended.is_(None))
_CARD_BY_ID = select(*ReviewCard.__table__.c).where(ReviewCard.id == bindparam("card_id"))
_INSERT_LOG = insert(ReviewLog).returning(ReviewLog.id)
_PARAMETERS = select(CourseParameters.parameters).where(
    CourseParameters.course_id == bindparam("course_id")
)
_RECENT_DURATIONS = (
    select(ReviewLog.duration_ms)
    .where(ReviewLog.user_id == bindparam("user_id"))
    .order_by(ReviewLog.reviewed_at.desc())
    .limit(50)
)


def card_for(session: Session, user_id: int, question_id: int) -> Any:
    """The card row (Core row) of a learner's question, or None."""
    params = {"user_id": user_id, "question_id": question_id}
    return session.connection().execute(_CARD_FOR, params).first()


def insert_card(session: Session, values: dict[str, Any]) -> int:
    return int(session.connection().execute(_INSERT_CARD, values).scalar_one())


def card_by_id(session: Session, card_id: int) -> Any:
    return session.connection().execute(_CARD_BY_ID, {"card_id": card_id}).first()


def update_card(
    session: Session,
    card_id: int,
    values: dict[str, Any],
    expected_reps: int | None = None,
    *,
    unsuspended: bool = False,
) -> bool:
    """Update a card; with ``expected_reps`` only if nobody reviewed it meanwhile (and
    with ``unsuspended`` too, only if it is not set aside)."""
    if expected_reps is None:
        session.connection().execute(_UPDATE_CARD, {"card_id": card_id, **values})
        return True
    statement = _UPDATE_CARD_UNSUSPENDED if unsuspended else _UPDATE_CARD_AT
    result = session.connection().execute(
        statement, {"card_id": card_id, "expected_reps": expected_reps, **values}
    )
    return bool(result.rowcount)


def insert_log(session: Session, values: dict[str, Any]) -> int:
    return int(session.connection().execute(_INSERT_LOG, values).scalar_one())


def log_by_id(session: Session, log_id: int) -> ReviewLog | None:
    # populate_existing: rows are also changed by Core statements, which bypass the ORM.
    return session.get(ReviewLog, log_id, populate_existing=True)


def latest_log(session: Session, card_id: int) -> ReviewLog | None:
    """The card's most recent review."""
    return session.scalar(
        select(ReviewLog)
        .where(ReviewLog.card_id == card_id)
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def latest_review_log(session: Session, user_id: int) -> ReviewLog | None:
    """The learner's most recent review on the review page."""
    return session.scalar(
        select(ReviewLog)
        .where(ReviewLog.user_id == user_id, ReviewLog.source == ReviewSource.REVIEW)
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def update_log_rating(session: Session, log_id: int, rating: int) -> None:
    session.execute(
        update(ReviewLog)
        .where(ReviewLog.id == log_id)
        .values(rating=rating)
        .execution_options(synchronize_session=False)
    )


def delete_log(session: Session, log_id: int) -> None:
    session.execute(
        delete(ReviewLog).where(ReviewLog.id == log_id).execution_options(synchronize_session=False)
    )


def logs_of_card(session: Session, card_id: int) -> list[ReviewLog]:
    """Every review of a card, oldest first."""
    return list(
        session.scalars(
            select(ReviewLog)
            .where(ReviewLog.card_id == card_id)
            .order_by(ReviewLog.reviewed_at, ReviewLog.id)
        )
    )


_PARAMETER_CACHE: WeakKeyDictionary[Engine, dict[str, tuple[float, list[float] | None]]] = (
    WeakKeyDictionary()
)
PARAMETER_CACHE_SECONDS = 60.0


def course_parameters(session: Session, course_id: str) -> list[float] | None:
    """Fitted FSRS parameters of a course, or None for the defaults.

    Read at most once a minute per process: they change only when an instructor runs
    `course optimize`, and a minute of the previous parameters is harmless.
    """
    engine = engine_of(session)
    cache = _PARAMETER_CACHE.setdefault(engine, {})
    hit = cache.get(course_id)
    now = time.monotonic()
    if hit is not None and now - hit[0] < PARAMETER_CACHE_SECONDS:
        return hit[1]
    value = session.connection().execute(_PARAMETERS, {"course_id": course_id}).scalar()
    result = list(value) if value else None
    cache[course_id] = (now, result)
    return result


def forget_parameters(session: Session) -> None:
    """Drop this process's cached parameters (after fitting new ones)."""
    engine = engine_of(session)
    _PARAMETER_CACHE.pop(engine, None)


def recent_durations(session: Session, user_id: int) -> list[int]:
    return list(session.connection().execute(_RECENT_DURATIONS, {"user_id": user_id}).scalars())
