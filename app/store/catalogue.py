"""SQL and cursor-level helpers behind `StoreWriter`: upserts, scoped deletes, bookkeeping.

Statements are generated once from the table definitions in `app.store.models` and the
record fields in `app.domain`, so a column added to both is written without touching this
file. Everything here runs on a raw `sqlite3` cursor inside the caller's transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy import Table

from app.domain import Field, Level, Mosaic, Organization, Outcome, Survey, SyncError
from app.store.models import fields, mosaics, organizations, surveys

# Well below SQLite's bound-variable limit (999 before 3.32).
CHUNK = 900


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(count: int) -> str:
    return ",".join("?" * count)


@dataclass(frozen=True, slots=True)
class LevelSpec:
    """How records of one level map onto their table and their parent's table."""

    table: Table
    parent: Table
    parent_column: str
    parent_noun: str
    values_of: Callable[[Any], tuple[Any, ...]]
    parent_of: Callable[[Any], str]
    upsert_sql: str
    parent_pk_sql: str
    tracks_viewed: bool

    def extra_values(self, cursor: Any, parent_pk: int, now: str) -> tuple[Any, ...]:
        """The values after the record's own: parent key, first_seen_at[, viewed_at]."""
        if not self.tracks_viewed:
            return (parent_pk, now)
        # The first catalogue ever synced is not "new": only what arrives after a
        # completed sync is marked, so a first sync does not flag everything.
        (synced_before,) = cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM sync_runs WHERE outcome = ?)",
            (Outcome.COMPLETE.value,),
        ).fetchone()
        return (parent_pk, now, None if synced_before else now)


def _spec(
    record: type[Any], table: Table, parent: Table, parent_column: str, parent_attr: str, noun: str
) -> LevelSpec:
    own = [f.name for f in dataclasses.fields(record) if f.name != parent_attr]
    tracks_viewed = "viewed_at" in table.c
    columns = [*own, parent_column, "first_seen_at"] + (["viewed_at"] if tracks_viewed else [])
    missing = [c for c in columns if c not in table.c]
    if missing:  # app.domain and app.store.models disagree: a bug, caught at import
        raise RuntimeError(f"table {table.name} lacks columns {missing}")
    changing = [c for c in own if c != "sentera_id"] + [parent_column]
    updates = ", ".join(f"{c} = excluded.{c}" for c in changing)
    name = table.name
    return LevelSpec(
        table=table,
        parent=parent,
        parent_column=parent_column,
        parent_noun=noun,
        values_of=attrgetter(*own),
        parent_of=attrgetter(parent_attr),
        upsert_sql=(
            f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({_marks(len(columns))}) "
            f"ON CONFLICT (sentera_id) DO UPDATE SET {updates}"
        ),
        parent_pk_sql=f"SELECT id FROM {parent.name} WHERE sentera_id = ?",
        tracks_viewed=tracks_viewed,
    )


SPECS: dict[Level, LevelSpec] = {
    Level.FIELDS: _spec(
        Field, fields, organizations, "organization_id", "organization_sentera_id", "organization"
    ),
    Level.SURVEYS: _spec(Survey, surveys, fields, "field_id", "field_sentera_id", "field"),
    Level.MOSAICS: _spec(Mosaic, mosaics, surveys, "survey_id", "survey_sentera_id", "survey"),
}

# Organizations carry no content hash, so changes are found by comparing values.
ORG_VALUES_SQL = (
    "SELECT sentera_id, name, organization_type, parent_organization_id FROM organizations"
)
ORG_UPSERT_SQL = (
    "INSERT INTO organizations (sentera_id, name, organization_type, parent_organization_id, "
    "first_seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sentera_id) DO UPDATE SET "
    "name = excluded.name, organization_type = excluded.organization_type, "
    "parent_organization_id = excluded.parent_organization_id"
)


def org_values(org: Organization, now: str) -> tuple[Any, ...]:
    return (org.sentera_id, org.name, org.organization_type, org.parent_organization_id, now)


def existing_ids(cursor: Any, table: Table, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(ids):
        sql = f"SELECT sentera_id FROM {table.name} WHERE sentera_id IN ({_marks(len(chunk))})"
        found.update(row[0] for row in cursor.execute(sql, chunk))
    return found


@dataclass(slots=True)
class Removed:
    """What a delete removed, by level, gathered before the rows went."""

    deleted: set[str] = dataclasses.field(default_factory=set)
    fields: set[str] = dataclasses.field(default_factory=set)
    surveys: set[str] = dataclasses.field(default_factory=set)
    mosaics: set[str] = dataclasses.field(default_factory=set)


def _rows(cursor: Any, sql: str, keys: Sequence[Any], *prefix: Any) -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = []
    for chunk in chunks(keys):
        rows.extend(cursor.execute(sql.format(marks=_marks(len(chunk))), (*prefix, *chunk)))
    return rows


def _children(cursor: Any, table: Table, column: str, pks: Sequence[int]) -> list[tuple[int, str]]:
    sql = f"SELECT id, sentera_id FROM {table.name} WHERE {column} IN ({{marks}})"
    return _rows(cursor, sql, pks)


_LEVELS = (Level.ORGANIZATIONS, Level.FIELDS, Level.SURVEYS, Level.MOSAICS)


def _remove(cursor: Any, level: Level, top: list[tuple[int, str]]) -> Removed:
    """Delete the `top` rows (id, sentera_id) of `level`; report everything that goes.

    The cascade itself is SQLite's; the ids below are collected first because the change
    set must name them. Each organization, field or survey removed was the scope of the
    level below it, so that scope's bookkeeping is dropped too.
    """
    removed = Removed(deleted={sentera_id for _, sentera_id in top})
    rows = top
    for child in _LEVELS[_LEVELS.index(level) + 1 :]:
        scope_ids = [sentera_id for _, sentera_id in rows]
        for chunk in chunks(scope_ids):
            for table in ("scope_state", "sync_errors"):
                cursor.execute(
                    f"DELETE FROM {table} WHERE level = ? AND scope_id IN ({_marks(len(chunk))})",
                    (child.value, *chunk),
                )
        spec = SPECS[child]
        rows = _children(cursor, spec.table, spec.parent_column, [pk for pk, _ in rows])
        getattr(removed, child.value).update(sentera_id for _, sentera_id in rows)
    table = "organizations" if level is Level.ORGANIZATIONS else SPECS[level].table.name
    for chunk in chunks([pk for pk, _ in top]):
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({_marks(len(chunk))})", chunk)
    return removed


def delete_in_scope(cursor: Any, level: Level, parent_pk: int, ids: Sequence[str]) -> Removed:
    """Delete the `ids` of `level` that belong to the parent row `parent_pk`, and only those."""
    spec = SPECS[level]
    sql = (
        f"SELECT id, sentera_id FROM {spec.table.name} "
        f"WHERE {spec.parent_column} = ? AND sentera_id IN ({{marks}})"
    )
    return _remove(cursor, level, _rows(cursor, sql, ids, parent_pk))


def delete_organizations(cursor: Any, ids: Sequence[str]) -> Removed:
    sql = "SELECT id, sentera_id FROM organizations WHERE sentera_id IN ({marks})"
    return _remove(cursor, Level.ORGANIZATIONS, _rows(cursor, sql, ids))


def record_scope(
    cursor: Any,
    level: Level,
    scope_id: str,
    run_id: int | None,
    *,
    complete: bool,
    now: str,
    error: str | None = None,
) -> None:
    cursor.execute(
        "INSERT INTO scope_state (level, scope_id, last_full_sync_at, last_attempt_at, "
        "last_run_complete, last_error, last_run_id) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (level, scope_id) DO UPDATE SET "
        "last_full_sync_at = COALESCE(excluded.last_full_sync_at, last_full_sync_at), "
        "last_attempt_at = excluded.last_attempt_at, "
        "last_run_complete = excluded.last_run_complete, last_error = excluded.last_error, "
        "last_run_id = COALESCE(excluded.last_run_id, last_run_id)",
        (level.value, scope_id, now if complete else None, now, complete, error, run_id),
    )


def failed_key(error: SyncError) -> tuple[str, str | None, str, str | None, str | None]:
    return (error.key, error.code, error.message, error.reason, error.details_json)


def record_failed(
    cursor: Any,
    level: Level,
    scope_id: str,
    run_id: int | None,
    failed: Sequence[SyncError],
    *,
    now: str,
) -> None:
    """Keep this run's `failed` entries for the scope; drop those of earlier runs."""
    where = "level = ? AND scope_id = ?"
    if run_id is None:
        cursor.execute(f"DELETE FROM sync_errors WHERE {where}", (level.value, scope_id))
    else:
        cursor.execute(
            f"DELETE FROM sync_errors WHERE {where} AND (run_id IS NULL OR run_id != ?)",
            (level.value, scope_id, run_id),
        )
    if not failed:
        return
    held = set(
        cursor.execute(
            f"SELECT key, code, message, reason, details_json FROM sync_errors WHERE {where}",
            (level.value, scope_id),
        )
    )
    rows = []
    for error in failed:
        key = failed_key(error)
        if key not in held:
            held.add(key)
            rows.append((level.value, scope_id, run_id, *key, now))
    cursor.executemany(
        "INSERT INTO sync_errors (level, scope_id, run_id, key, code, message, reason, "
        "details_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
