"""disputes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 04:10:58.530526

One new table, nothing altered: ``disputes`` (a learner's request that a graded answer
should count, and how an instructor settled it). ``open_response_id`` is unique and
NULL once settled: one open dispute per response. A new table needs no batch mode on
SQLite and no server defaults (no existing rows).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import course.store.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", course.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "accepted_all",
                "accepted",
                "declined",
                name="disputestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("open_response_id", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("resolved_at", course.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolver_id", sa.Integer(), nullable=True),
        sa.Column("resolver", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_disputes_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_disputes_question_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["resolver_id"],
            ["users.id"],
            name=op.f("fk_disputes_resolver_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_disputes_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["question_revisions.id"],
            name=op.f("fk_disputes_revision_id_question_revisions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_disputes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("open_response_id", name=op.f("uq_disputes_open_response_id")),
    )
    for column in ("attempt_id", "question_id", "response_id", "user_id"):
        op.create_index(op.f(f"ix_disputes_{column}"), "disputes", [column], unique=False)
    op.create_index("ix_disputes_course_status", "disputes", ["course_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_disputes_course_status", table_name="disputes")
    for column in ("user_id", "response_id", "question_id", "attempt_id"):
        op.drop_index(op.f(f"ix_disputes_{column}"), table_name="disputes")
    op.drop_table("disputes")
