"""content file versions and disk baselines

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 01:20:00.000000

Two new tables, nothing altered: ``content_files`` (every version of every authoring
file; the record of what a course serves) and ``content_disk_baselines`` (each file's
hash as the last ``course sync`` read it from disk). A database synced before this
revision has no file versions; its course adopts the files of its content root at the
next publish or sync (services/content_sync.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import course.store.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "origin",
            sa.Enum("disk", "web", "revert", name="fileorigin", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", course.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_content_files_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["content_versions.id"],
            name=op.f("fk_content_files_version_id_content_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_files")),
        sa.UniqueConstraint(
            "course_id", "path", "revision", name=op.f("uq_content_files_course_id_path_revision")
        ),
    )
    op.create_index(
        "ix_content_files_course_id_path", "content_files", ["course_id", "path"], unique=False
    )
    op.create_table(
        "content_disk_baselines",
        sa.Column("course_id", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("synced_at", course.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "path", name=op.f("pk_content_disk_baselines")),
    )


def downgrade() -> None:
    op.drop_table("content_disk_baselines")
    op.drop_index("ix_content_files_course_id_path", table_name="content_files")
    op.drop_table("content_files")
