"""The audit trail of score changes: append-only, one row per change of one response.

A response row keeps what the learner typed and the grade it first earned, forever.
Every later change of its score (a regrade now; an instructor's override or an
accepted dispute later) appends a ``ScoreChange``; the newest change of a response is
its current grade. Nothing here is ever updated or deleted by the application.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import Subquery

from course.store.base import Base, UTCDateTime

# Who made a change that no signed-in user made (``course regrade`` on the command line).
SYSTEM_CLI = "system/cli"


class ChangeKind(enum.StrEnum):
    REGRADE = "regrade"
    OVERRIDE = "override"
    DISPUTE = "dispute"


class ScoreChange(Base):
    """One change of one response's score: who, when, old, new, why."""

    __tablename__ = "score_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    kind: Mapped[ChangeKind] = mapped_column(
        Enum(
            ChangeKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # A signed-in user (kept as a label when the account is deleted), or SYSTEM_CLI.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    actor: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    old_score: Mapped[float] = mapped_column(Float)
    new_score: Mapped[float] = mapped_column(Float)
    old_points: Mapped[float] = mapped_column(Float)
    new_points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    # The grade's feedback after the change, and the question revision it was graded
    # against (a regrade); an override keeps the previous ones.
    feedback: Mapped[list[Any]] = mapped_column(JSON)
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_revisions.id"), default=None
    )

    __table_args__ = (Index("ix_score_changes_attempt_id", "attempt_id"),)


def latest_changes() -> Subquery:
    """The newest change of each changed response (ids only grow, so the max id)."""
    newest = (
        select(func.max(ScoreChange.id).label("id"))
        .group_by(ScoreChange.response_id)
        .scalar_subquery()
    )
    return (
        select(
            ScoreChange.response_id,
            ScoreChange.new_score.label("score"),
            ScoreChange.new_points.label("points"),
            ScoreChange.max_points,
            ScoreChange.feedback,
        )
        .where(ScoreChange.id.in_(newest))
        .subquery("current_grades")
    )


def changes_for_attempts(session: Session, attempt_ids: list[int]) -> list[ScoreChange]:
    """Every change of the given attempts' responses, oldest first."""
    if not attempt_ids:
        return []
    query = (
        select(ScoreChange).where(ScoreChange.attempt_id.in_(attempt_ids)).order_by(ScoreChange.id)
    )
    return list(session.scalars(query))
