"""Frozen records the read side returns: safe to hand to any thread, never ORM-bound.

The catalogue levels above mosaics are returned as `app.domain` records; these add what
only the local store knows: counts, "new" flags, sync state and bookkeeping.
FieldDesk-made timestamps are timezone-aware UTC datetimes; server timestamps stay the
ISO-8601 text the server sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from app.domain import Level, Mosaic, Outcome


class SyncState(StrEnum):
    """How far a scope's local copy can be trusted, as the tree shows it."""

    SYNCED = "synced"  # the last sync of the scope completed, with no failed items
    WITH_ERRORS = "with_errors"  # completed, but the server reported failed items
    PARTIAL = "partial"  # started but not completed (cancelled, failed, interrupted)
    NEVER = "never_synced"


@dataclass(frozen=True, slots=True)
class MosaicSnapshot(Mosaic):
    """Every field of `app.domain.Mosaic`, in the same order, plus what the local copy adds."""

    first_seen_at: datetime
    is_new: bool  # not viewed yet


@dataclass(frozen=True, slots=True)
class MosaicDetail:
    mosaic: MosaicSnapshot
    survey_name: str
    field_sentera_id: str
    field_name: str
    organization_sentera_id: str
    organization_name: str


@dataclass(frozen=True, slots=True)
class FieldRow:
    """A field in the catalogue tree."""

    sentera_id: str
    organization_sentera_id: str
    name: str
    farm: str | None
    grower: str | None
    active: bool
    survey_count: int
    sync_state: SyncState  # of the field's survey list


@dataclass(frozen=True, slots=True)
class SurveyRow:
    """A survey in the catalogue tree, with its mosaic counts and sync state."""

    sentera_id: str
    field_sentera_id: str
    name: str
    start_time: str
    end_time: str
    mosaic_count: int
    new_mosaic_count: int
    sync_state: SyncState  # of the survey's mosaics
    last_full_sync_at: datetime | None


@dataclass(frozen=True, slots=True)
class TreeCounts:
    surveys_per_field: Mapping[str, int]
    mosaics_per_survey: Mapping[str, int]
    new_mosaics_per_survey: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class LevelCounts:
    organizations: int
    fields: int
    surveys: int
    mosaics: int
    new_mosaics: int


@dataclass(frozen=True, slots=True)
class FilterValues:
    """Distinct values present locally, for the filter combo boxes."""

    mosaic_types: tuple[str, ...]
    qualities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScopeStateSnapshot:
    level: Level
    scope_id: str | None  # None for the organization list
    last_full_sync_at: datetime | None
    last_attempt_at: datetime | None
    last_run_complete: bool
    last_error: str | None
    last_run_id: int | None


@dataclass(frozen=True, slots=True)
class SyncErrorRecord:
    """A `failed` entry the server reported for a scope, as stored."""

    level: Level
    scope_id: str | None
    run_id: int | None
    key: str
    message: str
    code: str | None
    reason: str | None
    details_json: str | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    id: int
    scope_kind: str
    scope_id: str | None
    started_at: datetime
    finished_at: datetime | None
    outcome: Outcome | str  # a str only for a value written by a newer FieldDesk
    upserted: int
    deleted: int
    failed: int
    requests: int
    bytes: int
    message: str | None


def utc_now_text() -> str:
    """Now, as the ISO-8601 UTC text every FieldDesk-made timestamp column holds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def parse_outcome(value: str) -> Outcome | str:
    try:
        return Outcome(value)
    except ValueError:
        return value


# -- rows into records ------------------------------------------------------------------
# Shared by the two readers of the file, `StoreReader` (SQLAlchemy Core) and the first
# frame's `Glance` (sqlite3): a row is anything whose columns are attributes named as
# the record's fields, so both build the same records from the same columns.

MOSAIC_FIELDS = tuple(field.name for field in fields(MosaicSnapshot))


def sync_state_of(row: Any) -> SyncState:
    """From a scope's last_attempt_at, last_run_complete and error_count columns."""
    if row.last_attempt_at is None:
        return SyncState.NEVER
    if not row.last_run_complete:
        return SyncState.PARTIAL
    return SyncState.WITH_ERRORS if row.error_count else SyncState.SYNCED


def mosaic_of(row: Any) -> MosaicSnapshot:
    values = {name: getattr(row, name) for name in MOSAIC_FIELDS}
    values["first_seen_at"] = datetime.fromisoformat(row.first_seen_at)
    values["is_new"] = bool(row.is_new)
    return MosaicSnapshot(**values)


def field_row_of(row: Any) -> FieldRow:
    return FieldRow(
        sentera_id=row.sentera_id,
        organization_sentera_id=row.organization_sentera_id,
        name=row.name,
        farm=row.farm,
        grower=row.grower,
        active=bool(row.active),
        survey_count=row.survey_count,
        sync_state=sync_state_of(row),
    )


def survey_row_of(row: Any) -> SurveyRow:
    return SurveyRow(
        sentera_id=row.sentera_id,
        field_sentera_id=row.field_sentera_id,
        name=row.name,
        start_time=row.start_time,
        end_time=row.end_time,
        mosaic_count=row.mosaic_count,
        new_mosaic_count=row.new_count,
        sync_state=sync_state_of(row),
        last_full_sync_at=parse_time(row.last_full_sync_at),
    )


def scope_state_of(row: Any) -> ScopeStateSnapshot:
    return ScopeStateSnapshot(
        level=Level(row.level),
        scope_id=row.scope_id or None,  # the organization list is stored as scope ""
        last_full_sync_at=parse_time(row.last_full_sync_at),
        last_attempt_at=parse_time(row.last_attempt_at),
        last_run_complete=bool(row.last_run_complete),
        last_error=row.last_error,
        last_run_id=row.last_run_id,
    )


def sync_error_of(row: Any) -> SyncErrorRecord:
    return SyncErrorRecord(
        level=Level(row.level),
        scope_id=row.scope_id or None,
        run_id=row.run_id,
        key=row.key,
        message=row.message,
        code=row.code,
        reason=row.reason,
        details_json=row.details_json,
        recorded_at=datetime.fromisoformat(row.recorded_at),
    )
