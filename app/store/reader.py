"""The read side of the store: any thread, each call on its own short connection.

Everything returned is a frozen record (`app.domain` or `app.store.snapshots`), so
nothing tied to a connection or an ORM session crosses threads. In WAL mode these reads
never wait for the sync writer and always see whole committed pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from app.domain import Field, Level, Organization, Outcome, Scope, Survey
from app.store.catalogue import chunks
from app.store.engine import driver_connection, read_connection
from app.store.models import mosaics
from app.store.queries import MosaicQuery, mosaic_ids_statement, survey_ids_in_scope
from app.store.snapshots import (
    FieldRow,
    FilterValues,
    LevelCounts,
    MosaicDetail,
    MosaicSnapshot,
    RunSnapshot,
    ScopeStateSnapshot,
    SurveyRow,
    SyncErrorRecord,
    SyncState,
    TreeCounts,
    parse_outcome,
    parse_time,
)

_MOSAIC_COLUMNS = (
    "m.sentera_id, m.content_hash, s.sentera_id, m.name, m.mosaic_type, m.quality, "
    "m.image_status, m.area_value, m.area_unit, m.captured_at, m.image_count, "
    "m.is_from_sentera_sensor, m.released, m.message, m.created_at, m.created_by, "
    "m.updated_at, m.updated_by, m.first_seen_at, m.viewed_at IS NULL"
)
_MOSAIC_FROM = "FROM mosaics m JOIN surveys s ON s.id = m.survey_id"
# The state of a scope's last sync, joined as `st`, and its stored failed entries.
_STATE = "st.last_run_complete, st.last_attempt_at, st.last_full_sync_at"
_ERRORS = "(SELECT count(*) FROM sync_errors e WHERE e.level = {level} AND e.scope_id = {id})"


def _convert(row: Sequence[Any], converters: dict[int, Callable[[Any], Any]]) -> list[Any]:
    values = list(row)
    for index, convert in converters.items():
        values[index] = convert(values[index])
    return values


def _scope_or_none(value: str) -> str | None:
    return value or None  # the organization list is stored as scope ""


_MOSAIC_CONVERTERS: dict[int, Callable[[Any], Any]] = {
    11: bool,
    12: bool,
    18: datetime.fromisoformat,
    19: bool,
}


def _mosaic(row: Sequence[Any]) -> MosaicSnapshot:
    return MosaicSnapshot(*_convert(row, _MOSAIC_CONVERTERS))


def _sync_state(complete: int | None, attempted: str | None, errors: int) -> SyncState:
    if attempted is None:
        return SyncState.NEVER
    if not complete:
        return SyncState.PARTIAL
    return SyncState.WITH_ERRORS if errors else SyncState.SYNCED


def _state(row: Sequence[Any]) -> list[Any]:
    """[sync state, last full sync] from a tree row ending in `_STATE` and `_ERRORS`."""
    return [_sync_state(row[7], row[8], row[10]), parse_time(row[9])]


class StoreReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        with read_connection(self._engine) as connection:
            return driver_connection(connection).execute(sql, parameters).fetchall()

    def organizations(self) -> list[Organization]:
        rows = self._fetch(
            "SELECT sentera_id, name, organization_type, parent_organization_id "
            "FROM organizations ORDER BY name, id"
        )
        return [Organization(*row) for row in rows]

    def fields(self, organization_id: str | None = None) -> list[Field]:
        rows = self._fetch(
            "SELECT f.sentera_id, f.content_hash, o.sentera_id, f.name, f.latitude, f.longitude, "
            "f.area_value, f.area_unit, f.active, f.farm, f.grower, f.time_zone, f.created_at, "
            "f.updated_at FROM fields f JOIN organizations o ON o.id = f.organization_id "
            "WHERE ?1 IS NULL OR o.sentera_id = ?1 ORDER BY f.name, f.id",
            (organization_id,),
        )
        return [Field(*_convert(row, {8: bool})) for row in rows]

    def surveys(self, field_id: str | None = None) -> list[Survey]:
        rows = self._fetch(
            "SELECT s.sentera_id, s.content_hash, f.sentera_id, s.name, s.color, s.start_time, "
            "s.end_time, s.notes, s.created_at, s.updated_at "
            "FROM surveys s JOIN fields f ON f.id = s.field_id "
            "WHERE ?1 IS NULL OR f.sentera_id = ?1 ORDER BY s.start_time DESC, s.id",
            (field_id,),
        )
        return [Survey(*row) for row in rows]

    def field_rows(self, organization_id: str | None = None) -> list[FieldRow]:
        """Fields for the tree: survey counts and the state of their survey lists."""
        errors = _ERRORS.format(level="'surveys'", id="f.sentera_id")
        rows = self._fetch(
            "SELECT f.sentera_id, o.sentera_id, f.name, f.farm, f.grower, f.active, "
            f"(SELECT count(*) FROM surveys s WHERE s.field_id = f.id), {_STATE}, {errors} "
            "FROM fields f JOIN organizations o ON o.id = f.organization_id "
            "LEFT JOIN scope_state st ON st.level = 'surveys' AND st.scope_id = f.sentera_id "
            "WHERE ?1 IS NULL OR o.sentera_id = ?1 ORDER BY f.name, f.id",
            (organization_id,),
        )
        return [
            FieldRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], _state(r)[0]) for r in rows
        ]

    def survey_rows(self, field_id: str | None = None) -> list[SurveyRow]:
        """Surveys for the tree: mosaic counts ("new" too) and the state of their mosaics."""
        errors = _ERRORS.format(level="'mosaics'", id="s.sentera_id")
        rows = self._fetch(
            "SELECT s.sentera_id, f.sentera_id, s.name, s.start_time, s.end_time, "
            "(SELECT count(*) FROM mosaics m WHERE m.survey_id = s.id), "
            "(SELECT count(*) FROM mosaics m WHERE m.survey_id = s.id AND m.viewed_at IS NULL), "
            f"{_STATE}, {errors} FROM surveys s JOIN fields f ON f.id = s.field_id "
            "LEFT JOIN scope_state st ON st.level = 'mosaics' AND st.scope_id = s.sentera_id "
            "WHERE ?1 IS NULL OR f.sentera_id = ?1 ORDER BY s.start_time DESC, s.id",
            (field_id,),
        )
        return [SurveyRow(*r[:7], *_state(r)) for r in rows]

    def tree_counts(self) -> TreeCounts:
        per_field = self._fetch(
            "SELECT f.sentera_id, count(s.id) FROM fields f "
            "LEFT JOIN surveys s ON s.field_id = f.id GROUP BY f.id"
        )
        per_survey = self._fetch(
            "SELECT s.sentera_id, (SELECT count(*) FROM mosaics m WHERE m.survey_id = s.id), "
            "(SELECT count(*) FROM mosaics m WHERE m.survey_id = s.id AND m.viewed_at IS NULL) "
            "FROM surveys s"
        )
        return TreeCounts(
            surveys_per_field=dict(per_field),
            mosaics_per_survey={row[0]: row[1] for row in per_survey},
            new_mosaics_per_survey={row[0]: row[2] for row in per_survey},
        )

    def counts(self) -> LevelCounts:
        (row,) = self._fetch(
            "SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM fields), "
            "(SELECT count(*) FROM surveys), (SELECT count(*) FROM mosaics), "
            "(SELECT count(*) FROM mosaics WHERE viewed_at IS NULL)"
        )
        return LevelCounts(*row)

    def mosaic_ids(self, query: MosaicQuery) -> list[str]:
        """sentera_ids matching `query`, in its order; rows load later via `mosaics_by_id`."""
        compiled = mosaic_ids_statement(query).compile(
            dialect=self._engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        parameters = [compiled.params[name] for name in compiled.positiontup or ()]
        # Straight from the driver: a million ids is a third faster without Result rows.
        with read_connection(self._engine) as connection:
            cursor = driver_connection(connection).execute(compiled.string, parameters)
            return [row[0] for row in cursor]

    def mosaics_by_id(self, ids: Sequence[str]) -> list[MosaicSnapshot]:
        """The stored mosaics among `ids`, in the order given (missing ids are skipped)."""
        found: dict[str, MosaicSnapshot] = {}
        with read_connection(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            for chunk in chunks(ids):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT {_MOSAIC_COLUMNS} {_MOSAIC_FROM} WHERE m.sentera_id IN ({marks})"
                for row in cursor.execute(sql, chunk):
                    found[row[0]] = _mosaic(row)
        return [found[i] for i in ids if i in found]

    def mosaic(self, sentera_id: str) -> MosaicDetail | None:
        rows = self._fetch(
            f"SELECT {_MOSAIC_COLUMNS}, s.name, f.sentera_id, f.name, o.sentera_id, o.name "
            f"{_MOSAIC_FROM} JOIN fields f ON f.id = s.field_id "
            "JOIN organizations o ON o.id = f.organization_id WHERE m.sentera_id = ?",
            (sentera_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return MosaicDetail(_mosaic(row[:20]), *row[20:])

    def filter_values(self, scope: Scope | None = None) -> FilterValues:
        """Distinct mosaic types and qualities stored (within `scope`), sorted."""
        base = select(mosaics.c.mosaic_type, mosaics.c.quality).distinct()
        if scope is not None:
            base = base.where(survey_ids_in_scope(scope))
        with read_connection(self._engine) as connection:
            pairs = connection.execute(base).all()
        return FilterValues(
            mosaic_types=tuple(sorted({p[0] for p in pairs})),
            qualities=tuple(sorted({p[1] for p in pairs})),
        )

    def scope_states(self) -> list[ScopeStateSnapshot]:
        rows = self._fetch(
            "SELECT level, scope_id, last_full_sync_at, last_attempt_at, last_run_complete, "
            "last_error, last_run_id FROM scope_state ORDER BY level, scope_id"
        )
        return [
            ScopeStateSnapshot(
                Level(r[0]), r[1] or None, parse_time(r[2]), parse_time(r[3]), bool(r[4]), *r[5:]
            )
            for r in rows
        ]

    def sync_errors(
        self, level: Level | None = None, scope_id: str | None = None
    ) -> list[SyncErrorRecord]:
        """Stored `failed` entries, optionally of one level and/or scope, oldest first."""
        rows = self._fetch(
            "SELECT level, scope_id, run_id, key, message, code, reason, details_json, "
            "recorded_at FROM sync_errors WHERE (?1 IS NULL OR level = ?1) "
            "AND (?2 IS NULL OR scope_id = ?2) ORDER BY id",
            (None if level is None else Level(level).value, scope_id),
        )
        return [
            SyncErrorRecord(*_convert(r, {0: Level, 1: _scope_or_none, 8: datetime.fromisoformat}))
            for r in rows
        ]

    def runs(self, limit: int = 50) -> list[RunSnapshot]:
        """The latest sync runs, newest first."""
        rows = self._fetch(
            "SELECT id, scope_kind, scope_id, started_at, finished_at, outcome, upserted, "
            "deleted, failed, requests, bytes, message FROM sync_runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            RunSnapshot(*_convert(r, {3: datetime.fromisoformat, 4: parse_time, 5: parse_outcome}))
            for r in rows
        ]

    def last_successful_sync_at(self) -> datetime | None:
        """When the latest run that completed every scope it covered finished."""
        ((value,),) = self._fetch(
            "SELECT max(finished_at) FROM sync_runs WHERE outcome = ?",
            (Outcome.COMPLETE.value,),
        )
        return parse_time(value)
