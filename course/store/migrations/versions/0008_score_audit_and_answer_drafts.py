"""score audit and answer drafts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 22:50:00.000000

Two new tables, nothing altered: ``score_changes`` (append-only audit of every score
change) and ``answer_drafts`` (end-of-quiz answers saved before submit). New tables
need no batch mode on SQLite and no server defaults (no existing rows).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import course.store.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("saved_at", course.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_answer_drafts_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_answer_drafts_question_id_questions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_drafts")),
        sa.UniqueConstraint(
            "attempt_id", "question_id", name=op.f("uq_answer_drafts_attempt_id_question_id")
        ),
    )
    op.create_table(
        "score_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("regrade", "override", "dispute", name="changekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("changed_at", course.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_score", sa.Float(), nullable=False),
        sa.Column("new_score", sa.Float(), nullable=False),
        sa.Column("old_points", sa.Float(), nullable=False),
        sa.Column("new_points", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("feedback", sa.JSON(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_score_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_score_changes_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_score_changes_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["question_revisions.id"],
            name=op.f("fk_score_changes_revision_id_question_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_changes")),
    )
    op.create_index("ix_score_changes_attempt_id", "score_changes", ["attempt_id"], unique=False)
    op.create_index(
        op.f("ix_score_changes_response_id"), "score_changes", ["response_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_score_changes_response_id"), table_name="score_changes")
    op.drop_index("ix_score_changes_attempt_id", table_name="score_changes")
    op.drop_table("score_changes")
    op.drop_table("answer_drafts")
