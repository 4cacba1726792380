"""Imagery offline: field outlines, the mosaic file catalogue and the offline pins.

Existing fields get NULL outlines; the server's field hashes include the outline, so the
next sync sends every field again with it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("fields", sa.Column("boundary", sa.Text(), nullable=True))
    op.add_column("fields", sa.Column("bbox", sa.String(), nullable=True))
    op.create_table(
        "mosaic_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sentera_id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("mosaic_id", sa.Integer(), nullable=False),
        sa.Column("mosaic_hash", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("download_filename", sa.String(), nullable=True),
        sa.Column("file_type", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.String(), nullable=False),
        sa.Column("local_name", sa.String(), nullable=True),
        sa.Column("local_hash", sa.String(), nullable=True),
        sa.Column("local_size", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.String(), nullable=True),
        sa.Column("part_hash", sa.String(), nullable=True),
        sa.Column("last_viewed_at", sa.String(), nullable=True),
        sa.Column("evicted_at", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mosaic_id"],
            ["mosaics.id"],
            name="fk_mosaic_files_mosaic_id_mosaics",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mosaic_files"),
        sa.UniqueConstraint("sentera_id", name="uq_mosaic_files_sentera_id"),
    )
    op.create_index("ix_mosaic_files_mosaic", "mosaic_files", ["mosaic_id"])
    op.create_table(
        "offline_pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.Column("quality", sa.String(), nullable=True),
        sa.Column("index_only", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("seasons", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_offline_pins"),
        sa.UniqueConstraint("kind", "target_id", name="uq_offline_pins_target"),
    )


def downgrade() -> None:
    op.drop_table("offline_pins")
    op.drop_index("ix_mosaic_files_mosaic", table_name="mosaic_files")
    op.drop_table("mosaic_files")
    with op.batch_alter_table("fields") as batch:
        batch.drop_column("bbox")
        batch.drop_column("boundary")
