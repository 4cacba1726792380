"""The database schema, declared once; Alembic migrations must produce exactly this.

Rows have an integer surrogate key and a unique `sentera_id`. Parents are referenced by
that integer, so the sort indexes over a million mosaics stay small (8 bytes per parent
instead of a ~50-character FieldAgent id). Deleting a parent row deletes its children
through `ON DELETE CASCADE`, which needs `PRAGMA foreign_keys=ON` (set on every
connection by `app.store.engine`).

Enumerated values from the server (mosaic_type, quality, image_status, units,
organization_type) are plain TEXT so an unknown value is kept, not rejected. Timestamps
the server sends are stored as it sent them (ISO-8601 text); timestamps FieldDesk makes
itself (`first_seen_at`, bookkeeping) are ISO-8601 UTC text from `utc_now_text()`.

The store never uses the ORM unit of work: these classes only declare tables, and
queries run through SQLAlchemy Core (or the raw driver on the hot path).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import (
    Boolean,
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc_now_text() -> str:
    """Now, as the ISO-8601 UTC text every FieldDesk-made timestamp column holds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Base(DeclarativeBase):
    # Named constraints, so later migrations (which rebuild tables on SQLite) can name them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class OrganizationModel(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sentera_id: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str] = mapped_column(String(collation="NOCASE"))
    organization_type: Mapped[str] = mapped_column(String)
    # The server's id of the parent; not a foreign key because the parent may be an
    # organization this account cannot see.
    parent_organization_id: Mapped[str | None] = mapped_column(String)
    first_seen_at: Mapped[str] = mapped_column(String)


class FieldModel(Base):
    __tablename__ = "fields"
    __table_args__ = (Index("ix_fields_organization_name", "organization_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sentera_id: Mapped[str] = mapped_column(String, unique=True)
    content_hash: Mapped[str] = mapped_column(String)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(collation="NOCASE"))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    area_value: Mapped[float | None] = mapped_column(Float)
    area_unit: Mapped[str | None] = mapped_column(String)
    active: Mapped[bool] = mapped_column(Boolean)
    farm: Mapped[str | None] = mapped_column(String)
    grower: Mapped[str | None] = mapped_column(String)
    time_zone: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[str] = mapped_column(String)
    updated_at: Mapped[str] = mapped_column(String)
    first_seen_at: Mapped[str] = mapped_column(String)
    # The outline as GeoJSON text (WGS84) and its [west, south, east, north] as JSON text,
    # as the server sent them; None for a field stored before FieldDesk asked for them.
    boundary: Mapped[str | None] = mapped_column(Text)
    bbox: Mapped[str | None] = mapped_column(String)


class SurveyModel(Base):
    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_field_start", "field_id", "start_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sentera_id: Mapped[str] = mapped_column(String, unique=True)
    content_hash: Mapped[str] = mapped_column(String)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(collation="NOCASE"))
    color: Mapped[str] = mapped_column(String)
    start_time: Mapped[str] = mapped_column(String)
    end_time: Mapped[str] = mapped_column(String)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String)
    updated_at: Mapped[str] = mapped_column(String)
    first_seen_at: Mapped[str] = mapped_column(String)


class MosaicModel(Base):
    __tablename__ = "mosaics"
    __table_args__ = (
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sentera_id: Mapped[str] = mapped_column(String, unique=True)
    content_hash: Mapped[str] = mapped_column(String)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(collation="NOCASE"))
    mosaic_type: Mapped[str] = mapped_column(String)
    quality: Mapped[str] = mapped_column(String)
    image_status: Mapped[str] = mapped_column(String)
    area_value: Mapped[float | None] = mapped_column(Float)
    area_unit: Mapped[str | None] = mapped_column(String)
    captured_at: Mapped[str] = mapped_column(String)
    image_count: Mapped[int] = mapped_column(Integer)
    is_from_sentera_sensor: Mapped[bool] = mapped_column(Boolean)
    released: Mapped[bool] = mapped_column(Boolean)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String)
    created_by: Mapped[str | None] = mapped_column(String)
    updated_at: Mapped[str] = mapped_column(String)
    updated_by: Mapped[str | None] = mapped_column(String)
    first_seen_at: Mapped[str] = mapped_column(String)
    # NULL until the user has looked at the mosaic: the UI marks it "new" until then.
    viewed_at: Mapped[str | None] = mapped_column(String)


class ScopeStateModel(Base):
    """Per scope: the level synced (fields/surveys/mosaics) and its parent's sentera_id.

    The organization list is the scope (`organizations`, "").
    """

    __tablename__ = "scope_state"

    level: Mapped[str] = mapped_column(String, primary_key=True)
    scope_id: Mapped[str] = mapped_column(String, primary_key=True)
    last_full_sync_at: Mapped[str | None] = mapped_column(String)
    last_attempt_at: Mapped[str | None] = mapped_column(String)
    last_run_complete: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_run_id: Mapped[int | None] = mapped_column(Integer)


class SyncErrorModel(Base):
    __tablename__ = "sync_errors"
    __table_args__ = (Index("ix_sync_errors_scope", "level", "scope_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String)
    scope_id: Mapped[str] = mapped_column(String)
    run_id: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String)
    code: Mapped[str | None] = mapped_column(String)
    message: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    details_json: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[str] = mapped_column(String)


class SyncRunModel(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String)
    scope_id: Mapped[str | None] = mapped_column(String)
    started_at: Mapped[str] = mapped_column(String)
    finished_at: Mapped[str | None] = mapped_column(String)
    outcome: Mapped[str] = mapped_column(String)
    upserted: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    deleted: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    failed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    requests: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    bytes: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    message: Mapped[str | None] = mapped_column(Text)


# Core handles on the tables, for the queries (declarative types them as FromClause).
organizations = cast(Table, OrganizationModel.__table__)
fields = cast(Table, FieldModel.__table__)
surveys = cast(Table, SurveyModel.__table__)
mosaics = cast(Table, MosaicModel.__table__)
scope_state = cast(Table, ScopeStateModel.__table__)
sync_errors = cast(Table, SyncErrorModel.__table__)
sync_runs = cast(Table, SyncRunModel.__table__)


class FileModel(Base):
    """The file catalogue: one row per mosaic file FieldDesk tracks, and its local copy.

    The server's side (`sentera_id` … `size`) comes from `sync_files`; the local side
    (`local_*`, `part_*`, `last_viewed_at`) is what the library folder holds. A file is
    current only while `local_hash` equals `content_hash` and `mosaic_hash` equals the
    mosaic's own hash: anything else is shown as missing, never as the current imagery.
    Deleting the mosaic deletes the row; the library sweeps the bytes that no row claims.
    """

    __tablename__ = "mosaic_files"
    __table_args__ = (Index("ix_mosaic_files_mosaic", "mosaic_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sentera_id: Mapped[str] = mapped_column(String, unique=True)
    content_hash: Mapped[str] = mapped_column(String)
    mosaic_id: Mapped[int] = mapped_column(ForeignKey("mosaics.id", ondelete="CASCADE"))
    # The mosaic's content hash when this row was last confirmed by sync_files.
    mosaic_hash: Mapped[str] = mapped_column(String)
    filename: Mapped[str] = mapped_column(String)
    download_filename: Mapped[str | None] = mapped_column(String)
    file_type: Mapped[str] = mapped_column(String)
    size: Mapped[int | None] = mapped_column(Integer)  # None: the server stores no bytes yet
    updated_at: Mapped[str] = mapped_column(String)
    first_seen_at: Mapped[str] = mapped_column(String)
    # The copy in the library folder (name relative to it), and which version it holds.
    local_name: Mapped[str | None] = mapped_column(String)
    local_hash: Mapped[str | None] = mapped_column(String)
    local_size: Mapped[int | None] = mapped_column(Integer)
    verified_at: Mapped[str | None] = mapped_column(String)
    # Which version a `.part` file belongs to, so a resume can ask `If-Range` for it.
    part_hash: Mapped[str | None] = mapped_column(String)
    last_viewed_at: Mapped[str | None] = mapped_column(String)
    evicted_at: Mapped[str | None] = mapped_column(String)


class OfflinePinModel(Base):
    """ "Keep offline" choices: a target (all imagery or one catalogue item) plus filters."""

    __tablename__ = "offline_pins"
    __table_args__ = (UniqueConstraint("kind", "target_id", name="uq_offline_pins_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String)  # PinKind value
    target_id: Mapped[str] = mapped_column(String)  # "" for all imagery
    quality: Mapped[str | None] = mapped_column(String)  # e.g. "FULL"; None: any
    index_only: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    seasons: Mapped[int | None] = mapped_column(Integer)  # the last N seasons; None: all
    created_at: Mapped[str] = mapped_column(String)


mosaic_files = cast(Table, FileModel.__table__)
offline_pins = cast(Table, OfflinePinModel.__table__)
