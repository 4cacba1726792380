"""The store's file side: field outlines, the mosaic file catalogue and offline pins.

A mixin of `Store` (it uses the same engine). Reads work from any thread and return
frozen records; writes are small transactions made by the one thread that runs a file
sync or a download pass (the download manager funnels its workers' results to it).

The file catalogue follows the sync protocol like every other level: the hash set
sent to `sync_files` is read back from committed rows, each page is one transaction,
and a page's deletes and changed versions hand back the local file names whose bytes
are no longer current, for the library to remove *after* the commit (a crash between
the two leaves only unclaimed bytes, which the library's sweep removes).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from app.domain import SyncPage
from app.domain_files import INDEX_TYPES, FieldBoundary, Pin, PinKind, RemoteFile
from app.store.catalogue import chunks
from app.store.engine import driver_connection, read_connection, write_transaction
from app.store.snapshots import utc_now_text


@dataclass(frozen=True, slots=True)
class FileRow:
    """One catalogue row: the server's current version and what the library holds."""

    file_id: str
    mosaic_id: str
    content_hash: str
    current: bool  # the row was confirmed for the mosaic's current version
    size: int | None
    filename: str
    local_name: str | None
    local_hash: str | None
    local_size: int | None
    part_hash: str | None
    last_viewed_at: str | None
    evicted_at: str | None

    @property
    def present(self) -> bool:
        """The library holds the current version, complete and verified."""
        return self.current and self.local_hash == self.content_hash and self.local_name is not None


@dataclass(frozen=True, slots=True)
class FilePageResult:
    inserted: frozenset[str]  # mosaic ids whose file is new to the catalogue
    changed: frozenset[str]  # mosaic ids whose file has a new version
    deleted: frozenset[str]  # mosaic ids whose file is gone
    stale_names: tuple[str, ...]  # library names whose bytes are no longer current


_FILE_COLUMNS = (
    "f.sentera_id, m.sentera_id, f.content_hash, f.mosaic_hash = m.content_hash, f.size, "
    "f.filename, f.local_name, f.local_hash, f.local_size, f.part_hash, f.last_viewed_at, "
    "f.evicted_at FROM mosaic_files f JOIN mosaics m ON m.id = f.mosaic_id"
)
_BOUNDARY_COLUMNS = (
    "SELECT f.sentera_id, o.sentera_id, f.name, f.boundary, f.bbox FROM fields f "
    "JOIN organizations o ON o.id = f.organization_id WHERE f.boundary IS NOT NULL"
)


def _file_row(row: Sequence[Any]) -> FileRow:
    values = list(row)
    values[3] = bool(values[3])
    return FileRow(*values)


def _boundary(row: Sequence[Any]) -> FieldBoundary | None:
    try:
        west, south, east, north = (float(v) for v in json.loads(row[4] or "null"))
    except (TypeError, ValueError):
        return None  # an outline without a usable box is not drawn rather than drawn wrong
    return FieldBoundary(row[0], row[1], row[2], row[3], (west, south, east, north))


def _pin_condition(pin: Pin, now_year: int) -> tuple[str, list[Any]]:
    """SQL over mosaics m / surveys s / fields f / organizations o for one pin."""
    parts: list[str] = ["m.image_status = 'AVAILABLE'"]
    params: list[Any] = []
    target = {
        PinKind.ORGANIZATION: "o.sentera_id = ?",
        PinKind.FIELD: "f.sentera_id = ?",
        PinKind.SURVEY: "s.sentera_id = ?",
        PinKind.MOSAIC: "m.sentera_id = ?",
    }.get(pin.kind)
    if target is not None:
        parts.append(target)
        params.append(pin.target_id)
    if pin.quality:
        parts.append("m.quality = ?")
        params.append(pin.quality)
    if pin.index_only:
        parts.append(f"m.mosaic_type IN ({','.join('?' * len(INDEX_TYPES))})")
        params.extend(sorted(INDEX_TYPES))
    if pin.seasons:
        parts.append("substr(m.captured_at, 1, 4) >= ?")
        params.append(f"{now_year - pin.seasons + 1:04d}")
    return " AND ".join(parts), params


class FileCatalogue:
    """Outline readers, pins and the file catalogue (see the module docstring)."""

    _engine: Engine

    # -- field outlines (read API for the map) ------------------------------------------

    def field_boundary(self, field_id: str) -> FieldBoundary | None:
        """The outline of one field, or None when it is not stored (yet)."""
        rows = self._files_fetch(f"{_BOUNDARY_COLUMNS} AND f.sentera_id = ?", (field_id,))
        return _boundary(rows[0]) if rows else None

    def fields_with_boundaries(self, org_id: str | None = None) -> list[FieldBoundary]:
        """Every field of an organization (None: all) that has an outline, by name."""
        sql: str = _BOUNDARY_COLUMNS
        params: tuple[str, ...] = ()
        if org_id is not None:
            sql, params = f"{sql} AND o.sentera_id = ?", (org_id,)
        rows = self._files_fetch(f"{sql} ORDER BY f.name, f.sentera_id", params)
        return [b for b in (_boundary(row) for row in rows) if b is not None]

    # -- pins ---------------------------------------------------------------------------

    def pins(self) -> list[Pin]:
        rows = self._files_fetch(
            "SELECT kind, target_id, quality, index_only, seasons FROM offline_pins ORDER BY id"
        )
        return [Pin(PinKind(r[0]), r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def add_pin(self, pin: Pin) -> None:
        """Keep `pin`'s imagery offline; the same target again replaces its filters."""
        with write_transaction(self._engine) as connection:
            driver_connection(connection).execute(
                "INSERT INTO offline_pins (kind, target_id, quality, index_only, seasons, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, target_id) DO UPDATE "
                "SET quality = excluded.quality, index_only = excluded.index_only, "
                "seasons = excluded.seasons",
                (pin.kind.value, pin.target_id, pin.quality, pin.index_only, pin.seasons,
                 utc_now_text()),
            )  # fmt: skip

    def remove_pin(self, kind: PinKind, target_id: str) -> bool:
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).execute(
                "DELETE FROM offline_pins WHERE kind = ? AND target_id = ?",
                (kind.value, target_id),
            )
            return cursor.rowcount > 0

    def pinned_mosaic_ids(self, *, survey_id: str | None = None) -> list[str]:
        """Available mosaics some pin keeps offline (within one survey if given), sorted."""
        pins = self.pins()
        if not pins:
            return []
        year = datetime.now(UTC).year
        conditions, params = [], []
        for pin in pins:
            sql, values = _pin_condition(pin, year)
            conditions.append(f"({sql})")
            params.extend(values)
        where = " OR ".join(conditions)
        if survey_id is not None:
            where = f"({where}) AND s.sentera_id = ?"
            params.append(survey_id)
        rows = self._files_fetch(
            "SELECT m.sentera_id FROM mosaics m JOIN surveys s ON s.id = m.survey_id "
            "JOIN fields f ON f.id = s.field_id JOIN organizations o ON o.id = f.organization_id "
            f"WHERE {where} ORDER BY m.captured_at, m.sentera_id",
            params,
        )
        return [row[0] for row in rows]

    # -- the file catalogue -------------------------------------------------------------

    def file_rows(self, mosaic_ids: Sequence[str] | None = None) -> list[FileRow]:
        if mosaic_ids is None:
            return [_file_row(r) for r in self._files_fetch(f"SELECT {_FILE_COLUMNS}")]
        found: list[FileRow] = []
        for chunk in chunks(mosaic_ids):
            sql = f"SELECT {_FILE_COLUMNS} WHERE m.sentera_id IN ({','.join('?' * len(chunk))})"
            found.extend(_file_row(r) for r in self._files_fetch(sql, chunk))
        return found

    def file_hashes(self, mosaic_ids: Sequence[str]) -> dict[str, str]:
        """file id → content hash held for these owners: the set `sync_files` is sent."""
        return {row.file_id: row.content_hash for row in self.file_rows(mosaic_ids)}

    def apply_file_page(self, page: SyncPage[RemoteFile]) -> FilePageResult:
        """Apply one `sync_files` page in one transaction (see the module docstring)."""
        now = utc_now_text()
        inserted: set[str] = set()
        changed: set[str] = set()
        deleted: set[str] = set()
        stale: list[str] = []
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            for gone in page.deleted:
                row = cursor.execute(
                    "SELECT m.sentera_id, f.local_name FROM mosaic_files f "
                    "JOIN mosaics m ON m.id = f.mosaic_id WHERE f.sentera_id = ?",
                    (gone.sentera_id,),
                ).fetchone()
                if row is None:
                    continue
                deleted.add(row[0])
                stale.extend([row[1]] if row[1] else [])
                cursor.execute("DELETE FROM mosaic_files WHERE sentera_id = ?", (gone.sentera_id,))
            for item in page.upserted:
                self._upsert_file(cursor, item, now, inserted, changed, stale)
        return FilePageResult(
            frozenset(inserted), frozenset(changed), frozenset(deleted), tuple(stale)
        )

    @staticmethod
    def _upsert_file(
        cursor: sqlite3.Cursor,
        item: RemoteFile,
        now: str,
        inserted: set[str],
        changed: set[str],
        stale: list[str],
    ) -> None:
        mosaic = cursor.execute(
            "SELECT id, content_hash FROM mosaics WHERE sentera_id = ?", (item.owner_id,)
        ).fetchone()
        if mosaic is None:
            return  # the mosaic is not stored (deleted meanwhile): nothing to attach it to
        old = cursor.execute(
            "SELECT content_hash, local_name FROM mosaic_files WHERE sentera_id = ?",
            (item.sentera_id,),
        ).fetchone()
        if old is None:
            inserted.add(item.owner_id)
        elif old[0] != item.content_hash:
            changed.add(item.owner_id)
            if old[1]:
                stale.append(old[1])
        cursor.execute(
            "INSERT INTO mosaic_files (sentera_id, content_hash, mosaic_id, mosaic_hash, "
            "filename, download_filename, file_type, size, updated_at, first_seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sentera_id) DO UPDATE SET "
            "content_hash = excluded.content_hash, mosaic_id = excluded.mosaic_id, "
            "mosaic_hash = excluded.mosaic_hash, filename = excluded.filename, "
            "download_filename = excluded.download_filename, file_type = excluded.file_type, "
            "size = excluded.size, updated_at = excluded.updated_at",
            (item.sentera_id, item.content_hash, mosaic[0], mosaic[1], item.filename,
             item.download_filename, item.file_type, item.size, item.updated_at, now),
        )  # fmt: skip
        if old is not None and old[0] != item.content_hash:
            cursor.execute(
                "UPDATE mosaic_files SET local_name = NULL, local_hash = NULL, "
                "local_size = NULL, verified_at = NULL WHERE sentera_id = ?",
                (item.sentera_id,),
            )

    def confirm_files(self, mosaic_ids: Iterable[str]) -> None:
        """After a complete `sync_files` loop: the rows left describe the current mosaics."""
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            for chunk in chunks(list(mosaic_ids)):
                cursor.execute(
                    "UPDATE mosaic_files SET mosaic_hash = (SELECT content_hash FROM mosaics "
                    "WHERE mosaics.id = mosaic_files.mosaic_id) WHERE mosaic_id IN (SELECT id "
                    f"FROM mosaics WHERE sentera_id IN ({','.join('?' * len(chunk))}))",
                    chunk,
                )

    def record_local(self, file_id: str, **values: Any) -> None:
        """Update the local side of one row (`local_*`, `part_hash`, `evicted_at`, ...)."""
        allowed = {"local_name", "local_hash", "local_size", "verified_at", "part_hash",
                   "evicted_at", "last_viewed_at"}  # fmt: skip
        if not values or set(values) - allowed:
            raise ValueError(f"record_local takes {sorted(allowed)}, not {sorted(values)}")
        assignments = ", ".join(f"{name} = ?" for name in values)
        with write_transaction(self._engine) as connection:
            driver_connection(connection).execute(
                f"UPDATE mosaic_files SET {assignments} WHERE sentera_id = ?",
                (*values.values(), file_id),
            )

    def record_viewed_file(self, mosaic_id: str) -> None:
        """The imagery of `mosaic_id` was shown: eviction removes it after older ones."""
        with write_transaction(self._engine) as connection:
            driver_connection(connection).execute(
                "UPDATE mosaic_files SET last_viewed_at = ? WHERE mosaic_id = "
                "(SELECT id FROM mosaics WHERE sentera_id = ?)",
                (utc_now_text(), mosaic_id),
            )

    def claimed_local_names(self) -> set[str]:
        rows = self._files_fetch("SELECT local_name FROM mosaic_files WHERE local_name IS NOT NULL")
        return {row[0] for row in rows}

    def _files_fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        with read_connection(self._engine) as connection:
            return driver_connection(connection).execute(sql, tuple(parameters)).fetchall()
