"""The database schema, declared once; Alembic migrations must produce exactly this.

Rows have an integer surrogate key and a unique `sentera_id`. Parents are referenced by
that integer, so the sort indexes over a million mosaics stay small (8 bytes per parent
instead of a ~50-character FieldAgent id). Deleting a parent row deletes its children
through `ON DELETE CASCADE`, which needs `PRAGMA foreign_keys=ON` (set on every
connection by `app.store.engine`).

Enumerated values from the server (mosaic_type, quality, image_status, units,
organization_type) are plain TEXT so an unknown value is kept, not rejected. Timestamps
the server sends are stored as it sent them (ISO-8601 text); timestamps FieldDesk makes
itself (`first_seen_at`, bookkeeping) are ISO-8601 UTC text (`snapshots.utc_now_text()`).

The store uses no ORM: these are SQLAlchemy Core tables, and queries run through
Core with named rows (or the raw driver on the sync's write path).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# Named constraints, so later migrations (which rebuild tables on SQLite) can name them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


organizations = Table(
    "organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sentera_id", String, unique=True, nullable=False),
    Column("name", String(collation="NOCASE"), nullable=False),
    Column("organization_type", String, nullable=False),
    # The server's id of the parent; not a foreign key because the parent may be an
    # organization this account cannot see.
    Column("parent_organization_id", String, nullable=True),
    Column("first_seen_at", String, nullable=False),
)


fields = Table(
    "fields",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sentera_id", String, unique=True, nullable=False),
    Column("content_hash", String, nullable=False),
    Column(
        "organization_id",
        Integer,
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(collation="NOCASE"), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("area_value", Float, nullable=True),
    Column("area_unit", String, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("farm", String, nullable=True),
    Column("grower", String, nullable=True),
    Column("time_zone", String, nullable=True),
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("first_seen_at", String, nullable=False),
    # The outline as GeoJSON text (WGS84) and its [west, south, east, north] as JSON text,
    # as the server sent them; None for a field stored before FieldDesk asked for them.
    Column("boundary", Text, nullable=True),
    Column("bbox", String, nullable=True),
    Index("ix_fields_organization_name", "organization_id", "name"),
)


surveys = Table(
    "surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sentera_id", String, unique=True, nullable=False),
    Column("content_hash", String, nullable=False),
    Column("field_id", Integer, ForeignKey("fields.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(collation="NOCASE"), nullable=False),
    Column("color", String, nullable=False),
    Column("start_time", String, nullable=False),
    Column("end_time", String, nullable=False),
    Column("notes", Text, nullable=True),
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("first_seen_at", String, nullable=False),
    Index("ix_surveys_field_start", "field_id", "start_time"),
)


mosaics = Table(
    "mosaics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sentera_id", String, unique=True, nullable=False),
    Column("content_hash", String, nullable=False),
    Column("survey_id", Integer, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(collation="NOCASE"), nullable=False),
    Column("mosaic_type", String, nullable=False),
    Column("quality", String, nullable=False),
    Column("image_status", String, nullable=False),
    Column("area_value", Float, nullable=True),
    Column("area_unit", String, nullable=True),
    Column("captured_at", String, nullable=False),
    Column("image_count", Integer, nullable=False),
    Column("is_from_sentera_sensor", Boolean, nullable=False),
    Column("released", Boolean, nullable=False),
    Column("message", Text, nullable=True),
    Column("created_at", String, nullable=False),
    Column("created_by", String, nullable=True),
    Column("updated_at", String, nullable=False),
    Column("updated_by", String, nullable=True),
    Column("first_seen_at", String, nullable=False),
    # NULL until the user has looked at the mosaic: the UI marks it "new" until then.
    Column("viewed_at", String, nullable=True),
    # One index per sortable column the mosaic list offers cheaply within a survey;
    # each also serves "children of a survey" and the cascade on survey delete.
    Index("ix_mosaics_survey_captured", "survey_id", "captured_at"),
    Index("ix_mosaics_survey_name", "survey_id", "name"),
    Index("ix_mosaics_survey_updated", "survey_id", "updated_at"),
    # Covering, in the default sort's order: "All mosaics" reads ids without sorting.
    Index("ix_mosaics_captured_order", "captured_at", "id", "sentera_id"),
    # Small: only unviewed rows, so "new" counts per survey stay cheap.
    Index(
        "ix_mosaics_survey_unviewed",
        "survey_id",
        sqlite_where=text("viewed_at IS NULL"),
    ),
)


# Per scope: the level synced (fields/surveys/mosaics) and its parent's sentera_id.
# The organization list is the scope (`organizations`, "").
scope_state = Table(
    "scope_state",
    metadata,
    Column("level", String, primary_key=True),
    Column("scope_id", String, primary_key=True),
    Column("last_full_sync_at", String, nullable=True),
    Column("last_attempt_at", String, nullable=True),
    Column("last_run_complete", Boolean, server_default=text("0"), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("last_run_id", Integer, nullable=True),
)


sync_errors = Table(
    "sync_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("level", String, nullable=False),
    Column("scope_id", String, nullable=False),
    Column("run_id", Integer, nullable=True),
    Column("key", String, nullable=False),
    Column("code", String, nullable=True),
    Column("message", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("details_json", Text, nullable=True),
    Column("recorded_at", String, nullable=False),
    Index("ix_sync_errors_scope", "level", "scope_id"),
)


sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope_kind", String, nullable=False),
    Column("scope_id", String, nullable=True),
    Column("started_at", String, nullable=False),
    Column("finished_at", String, nullable=True),
    Column("outcome", String, nullable=False),
    Column("upserted", Integer, server_default=text("0"), nullable=False),
    Column("deleted", Integer, server_default=text("0"), nullable=False),
    Column("failed", Integer, server_default=text("0"), nullable=False),
    Column("requests", Integer, server_default=text("0"), nullable=False),
    Column("bytes", Integer, server_default=text("0"), nullable=False),
    Column("message", Text, nullable=True),
)


# The file catalogue: one row per mosaic file FieldDesk tracks, and its local copy.
# The server's side (`sentera_id` … `size`) comes from `sync_files`; the local side
# (`local_*`, `part_*`, `last_viewed_at`) is what the library folder holds. A file is
# current only while `local_hash` equals `content_hash` and `mosaic_hash` equals the
# mosaic's own hash: anything else is shown as missing, never as the current imagery.
# Deleting the mosaic deletes the row; the library sweeps the bytes that no row claims.
mosaic_files = Table(
    "mosaic_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sentera_id", String, unique=True, nullable=False),
    Column("content_hash", String, nullable=False),
    Column("mosaic_id", Integer, ForeignKey("mosaics.id", ondelete="CASCADE"), nullable=False),
    # The mosaic's content hash when this row was last confirmed by sync_files.
    Column("mosaic_hash", String, nullable=False),
    Column("filename", String, nullable=False),
    Column("download_filename", String, nullable=True),
    Column("file_type", String, nullable=False),
    Column("size", Integer, nullable=True),  # None: the server stores no bytes yet
    Column("updated_at", String, nullable=False),
    Column("first_seen_at", String, nullable=False),
    # The copy in the library folder (name relative to it), and which version it holds.
    Column("local_name", String, nullable=True),
    Column("local_hash", String, nullable=True),
    Column("local_size", Integer, nullable=True),
    Column("verified_at", String, nullable=True),
    # Which version a `.part` file belongs to, so a resume can ask `If-Range` for it.
    Column("part_hash", String, nullable=True),
    Column("last_viewed_at", String, nullable=True),
    Column("evicted_at", String, nullable=True),
    Index("ix_mosaic_files_mosaic", "mosaic_id"),
)


# "Keep offline" choices: a target (all imagery or one catalogue item) plus filters.
offline_pins = Table(
    "offline_pins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String, nullable=False),  # PinKind value
    Column("target_id", String, nullable=False),  # "" for all imagery
    Column("quality", String, nullable=True),  # e.g. "FULL"; None: any
    Column("index_only", Boolean, server_default=text("0"), nullable=False),
    Column("seasons", Integer, nullable=True),  # the last N seasons; None: all
    Column("created_at", String, nullable=False),
    UniqueConstraint("kind", "target_id", name="uq_offline_pins_target"),
)
