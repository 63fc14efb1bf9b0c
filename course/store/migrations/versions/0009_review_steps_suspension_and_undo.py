"""review steps, card suspension and undoable review logs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 01:20:00.000000

Course review policy (learning and relearning steps in minutes, learn-ahead minutes,
leech threshold), a card's suspension, and per review log the confidence given and the
card's state before the review (so a review can be re-rated or undone exactly).
Existing rows get the defaults through server defaults; existing logs have no prior
state and cannot be undone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import course.store.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("learning_steps", sa.JSON(), nullable=False, server_default="[1, 10]")
        )
        batch_op.add_column(
            sa.Column("relearning_steps", sa.JSON(), nullable=False, server_default="[10]")
        )
        batch_op.add_column(
            sa.Column("learn_ahead_minutes", sa.Integer(), nullable=False, server_default="20")
        )
        batch_op.add_column(
            sa.Column("leech_lapses", sa.Integer(), nullable=False, server_default="8")
        )
    with op.batch_alter_table("review_cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended", sa.String(length=10), nullable=True))
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confidence", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("prev_state", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_step", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_stability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("prev_difficulty", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("prev_due", course.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "prev_last_review", course.store.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("review_logs", schema=None) as batch_op:
        for name in (
            "prev_last_review",
            "prev_due",
            "prev_difficulty",
            "prev_stability",
            "prev_step",
            "prev_state",
            "confidence",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("review_cards", schema=None) as batch_op:
        batch_op.drop_column("suspended")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        for name in ("leech_lapses", "learn_ahead_minutes", "relearning_steps", "learning_steps"):
            batch_op.drop_column(name)
