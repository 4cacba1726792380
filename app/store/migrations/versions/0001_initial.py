"""The first FieldDesk schema: the catalogue and the sync bookkeeping.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _nocase() -> sa.String:
    return sa.String(collation="NOCASE")


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sentera_id", sa.String(), nullable=False),
        sa.Column("name", _nocase(), nullable=False),
        sa.Column("organization_type", sa.String(), nullable=False),
        sa.Column("parent_organization_id", sa.String(), nullable=True),
        sa.Column("first_seen_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
        sa.UniqueConstraint("sentera_id", name="uq_organizations_sentera_id"),
    )
    op.create_table(
        "fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sentera_id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", _nocase(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("area_value", sa.Float(), nullable=True),
        sa.Column("area_unit", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("farm", sa.String(), nullable=True),
        sa.Column("grower", sa.String(), nullable=True),
        sa.Column("time_zone", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_fields_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_fields"),
        sa.UniqueConstraint("sentera_id", name="uq_fields_sentera_id"),
    )
    op.create_index("ix_fields_organization_name", "fields", ["organization_id", "name"])
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sentera_id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("name", _nocase(), nullable=False),
        sa.Column("color", sa.String(), nullable=False),
        sa.Column("start_time", sa.String(), nullable=False),
        sa.Column("end_time", sa.String(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"], ["fields.id"], name="fk_surveys_field_id_fields", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_surveys"),
        sa.UniqueConstraint("sentera_id", name="uq_surveys_sentera_id"),
    )
    op.create_index("ix_surveys_field_start", "surveys", ["field_id", "start_time"])
    op.create_table(
        "mosaics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sentera_id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("name", _nocase(), nullable=False),
        sa.Column("mosaic_type", sa.String(), nullable=False),
        sa.Column("quality", sa.String(), nullable=False),
        sa.Column("image_status", sa.String(), nullable=False),
        sa.Column("area_value", sa.Float(), nullable=True),
        sa.Column("area_unit", sa.String(), nullable=True),
        sa.Column("captured_at", sa.String(), nullable=False),
        sa.Column("image_count", sa.Integer(), nullable=False),
        sa.Column("is_from_sentera_sensor", sa.Boolean(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("first_seen_at", sa.String(), nullable=False),
        sa.Column("viewed_at", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name="fk_mosaics_survey_id_surveys", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mosaics"),
        sa.UniqueConstraint("sentera_id", name="uq_mosaics_sentera_id"),
    )
    op.create_index("ix_mosaics_survey_captured", "mosaics", ["survey_id", "captured_at"])
    op.create_index("ix_mosaics_survey_name", "mosaics", ["survey_id", "name"])
    op.create_index("ix_mosaics_survey_updated", "mosaics", ["survey_id", "updated_at"])
    op.create_index(
        "ix_mosaics_survey_unviewed",
        "mosaics",
        ["survey_id"],
        sqlite_where=sa.text("viewed_at IS NULL"),
    )
    op.create_table(
        "scope_state",
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("scope_id", sa.String(), nullable=False),
        sa.Column("last_full_sync_at", sa.String(), nullable=True),
        sa.Column("last_attempt_at", sa.String(), nullable=True),
        sa.Column("last_run_complete", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("level", "scope_id", name="pk_scope_state"),
    )
    op.create_table(
        "sync_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("scope_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details_json", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_errors"),
    )
    op.create_index("ix_sync_errors_scope", "sync_errors", ["level", "scope_id"])
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_kind", sa.String(), nullable=False),
        sa.Column("scope_id", sa.String(), nullable=True),
        sa.Column("started_at", sa.String(), nullable=False),
        sa.Column("finished_at", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("upserted", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("failed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("requests", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("bytes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
    )


def downgrade() -> None:
    for table in ("sync_runs", "sync_errors", "scope_state", "mosaics", "surveys", "fields"):
        op.drop_table(table)
    op.drop_table("organizations")
