"""Disputes: a learner says a graded answer should count; an instructor settles it.

A dispute keeps what the learner said, the response and the question revision it was
graded against, and, once settled, how (accepted for everyone, for this learner only,
or declined), who settled it, when, and the reply the learner reads. Accepting changes
scores only through ``score_changes`` (the audit trail); the response is never touched.

``open_response_id`` equals ``response_id`` while the dispute is open and is NULL
once settled; its unique constraint makes "one open dispute per response" hold even
for two racing requests (NULLs never clash, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from course.store.base import Base, UTCDateTime


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED_FOR_ALL = "accepted_all"  # the answer joined the key; everyone regraded
    ACCEPTED = "accepted"  # counted for this learner only
    DECLINED = "declined"

    @property
    def settled(self) -> bool:
        return self is not DisputeStatus.OPEN


class Dispute(Base):
    """One learner's request that one graded answer should count."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    # The question revision the response was graded against: what the learner saw.
    revision_id: Mapped[int] = mapped_column(ForeignKey("question_revisions.id"))
    course_id: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[DisputeStatus] = mapped_column(
        Enum(
            DisputeStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=DisputeStatus.OPEN,
    )
    open_response_id: Mapped[int | None] = mapped_column(Integer, unique=True, default=None)
    reply: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Who settled it (the label stays when the account goes).
    resolver_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    resolver: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_disputes_course_status", "course_id", "status"),)
