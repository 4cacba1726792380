"""A cold start's first frame, read with `sqlite3` alone, and the store it stands in for.

Importing SQLAlchemy takes a quarter of a second, about a third of a cold start. The
first frame needs only a handful of reads: the tree's names and states, the first
screenful of the restored list and its rows, the last sync and the stored problems.
`Glance` answers those with plain SQL on a read-only connection, and `OpeningStore`
stands in for the `Store` until the first frame is on screen, when `finish()` opens the
real one (`Store.open`: the health check, the sync lock, the engine) and hands every
call to it from then on.

A glance is taken only of a file that looks sound and current: it exists, both it and
its folder are writable, no earlier session left a damage marker, and it is at the
schema revision this FieldDesk ships. Anything else (a new, old, newer, damaged or
read-only file) takes the usual path, which explains itself in dialogs. A read that
fails or a query the glance cannot answer (a text filter, the area sort) is sent to
the real store, opened on the spot.

Both readers build their records with the same functions (`app.store.snapshots`), and
the tests compare their answers on the same files.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from app.domain import Level, Organization, Outcome, ScopeKind
from app.store.errors import DatabaseOpenError, StoreError
from app.store.mosaic_query import MosaicQuery, MosaicSort
from app.store.paths import damage_marker, read_only_uri
from app.store.revisions import MIGRATIONS_DIR, inspect_revision, shipped_revisions
from app.store.snapshots import (
    MOSAIC_FIELDS,
    FieldRow,
    MosaicSnapshot,
    ScopeStateSnapshot,
    SurveyRow,
    SyncErrorRecord,
    field_row_of,
    mosaic_of,
    parse_time,
    scope_state_of,
    survey_row_of,
    sync_error_of,
)

if TYPE_CHECKING:
    from app.store.store import Store

log = logging.getLogger(__name__)

# How long a thread other than the opener waits for the opener to finish before it
# opens the store itself (only a window closed before its first paint gets that far).
WAIT_FOR_OPENER_S = 30.0
_ID_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit

# A scope's state in the tree: its last sync (scope_state) and its stored problems.
_STATE_COLUMNS = """
    st.last_run_complete AS last_run_complete,
    st.last_attempt_at AS last_attempt_at,
    st.last_full_sync_at AS last_full_sync_at,
    (SELECT count(*) FROM sync_errors AS e
        WHERE e.level = :level AND e.scope_id = {child}.sentera_id) AS error_count
"""
_MOSAIC_SELECT = (
    "SELECT "
    + ", ".join(
        "s.sentera_id AS survey_sentera_id"
        if name == "survey_sentera_id"
        else "m.viewed_at IS NULL AS is_new"
        if name == "is_new"
        else f"m.{name} AS {name}"
        for name in MOSAIC_FIELDS
    )
    + " FROM mosaics AS m JOIN surveys AS s ON s.id = m.survey_id"
)
_SCOPE_SURVEYS = {
    ScopeKind.SURVEY: "m.survey_id = (SELECT id FROM surveys WHERE sentera_id = :scope)",
    ScopeKind.FIELD: (
        "m.survey_id IN (SELECT s.id FROM surveys AS s JOIN fields AS f ON s.field_id = f.id "
        "WHERE f.sentera_id = :scope)"
    ),
    ScopeKind.ORGANIZATION: (
        "m.survey_id IN (SELECT s.id FROM surveys AS s JOIN fields AS f ON s.field_id = f.id "
        "JOIN organizations AS o ON f.organization_id = o.id WHERE o.sentera_id = :scope)"
    ),
}


def _named(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> SimpleNamespace:
    """Columns as attributes, as the record builders read them."""
    return SimpleNamespace(
        **{d[0]: value for d, value in zip(cursor.description, row, strict=True)}
    )


class Glance:
    """Read-only answers for the first frame, from a file `take()` found current."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._uri = read_only_uri(path)

    @classmethod
    def take(cls, path: Path, *, migrations: Path = MIGRATIONS_DIR) -> Glance | None:
        """A glance at `path`, or None when the usual opening path should run."""
        try:
            if not path.is_file() or damage_marker(path).exists():
                return None
            if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
                return None
            head, known = shipped_revisions(migrations)
            current = inspect_revision(path, known)  # None for an empty file
        except (OSError, sqlite3.Error, StoreError) as error:
            # The usual opening path meets the same problem and explains it.
            log.debug("no first-frame glance at %s: %s", path, error)
            return None
        return cls(path) if current == head else None

    def _connect(self) -> closing[sqlite3.Connection]:
        connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        connection.row_factory = _named
        return closing(connection)

    def _rows(self, sql: str, parameters: dict[str, Any] | Sequence[Any] = ()) -> list[Any]:
        with self._connect() as connection:
            return connection.execute(sql, parameters).fetchall()

    # -- the reads of the first frame (each as `StoreReader`'s method of that name) ---

    def organizations(self) -> list[Organization]:
        rows = self._rows(
            "SELECT sentera_id, name, organization_type, parent_organization_id "
            "FROM organizations ORDER BY name, id"
        )
        return [Organization(**vars(row)) for row in rows]

    def field_rows(self, organization_id: str | None = None) -> list[FieldRow]:
        rows = self._rows(
            "SELECT f.sentera_id AS sentera_id, o.sentera_id AS organization_sentera_id, "
            "f.name AS name, f.farm AS farm, f.grower AS grower, f.active AS active, "
            "(SELECT count(*) FROM surveys AS s WHERE s.field_id = f.id) AS survey_count, "
            + _STATE_COLUMNS.format(child="f")
            + " FROM fields AS f JOIN organizations AS o ON o.id = f.organization_id "
            "LEFT OUTER JOIN scope_state AS st "
            "ON st.level = :level AND st.scope_id = f.sentera_id "
            "WHERE :parent IS NULL OR o.sentera_id = :parent ORDER BY f.name, f.id",
            {"level": Level.SURVEYS.value, "parent": organization_id},
        )
        return [field_row_of(row) for row in rows]

    def survey_rows(self, field_id: str | None = None, *, counts: bool = True) -> list[SurveyRow]:
        if counts:
            mosaic_count = "(SELECT count(*) FROM mosaics AS m WHERE m.survey_id = s.id)"
            new_count = (
                "(SELECT count(*) FROM mosaics AS m WHERE m.survey_id = s.id "
                "AND m.viewed_at IS NULL)"
            )
        else:
            mosaic_count = new_count = "0"
        rows = self._rows(
            "SELECT s.sentera_id AS sentera_id, f.sentera_id AS field_sentera_id, "
            "s.name AS name, s.start_time AS start_time, s.end_time AS end_time, "
            f"{mosaic_count} AS mosaic_count, {new_count} AS new_count, "
            + _STATE_COLUMNS.format(child="s")
            + " FROM surveys AS s JOIN fields AS f ON f.id = s.field_id "
            "LEFT OUTER JOIN scope_state AS st "
            "ON st.level = :level AND st.scope_id = s.sentera_id "
            "WHERE :parent IS NULL OR f.sentera_id = :parent "
            "ORDER BY s.start_time DESC, s.id",
            {"level": Level.MOSAICS.value, "parent": field_id},
        )
        return [survey_row_of(row) for row in rows]

    def has_mosaics(self) -> bool:
        return bool(self._rows("SELECT EXISTS (SELECT id FROM mosaics LIMIT 1) AS found")[0].found)

    def scope_states(self) -> list[ScopeStateSnapshot]:
        rows = self._rows("SELECT * FROM scope_state ORDER BY level, scope_id")
        return [scope_state_of(row) for row in rows]

    def sync_errors(
        self, level: Level | None = None, scope_id: str | None = None
    ) -> list[SyncErrorRecord]:
        rows = self._rows(
            "SELECT * FROM sync_errors WHERE (:level IS NULL OR level = :level) "
            "AND (:scope IS NULL OR scope_id = :scope) ORDER BY id",
            {"level": None if level is None else Level(level).value, "scope": scope_id},
        )
        return [sync_error_of(row) for row in rows]

    def last_successful_sync_at(self) -> datetime | None:
        rows = self._rows(
            "SELECT max(finished_at) AS finished_at FROM sync_runs WHERE outcome = ?",
            (Outcome.COMPLETE.value,),
        )
        return parse_time(rows[0].finished_at)

    def mosaic_ids(self, query: MosaicQuery, *, limit: int | None = None) -> list[str] | None:
        """As `StoreReader.mosaic_ids`, for a query without filters; None for the rest
        (their SQL is `app.store.queries`'s alone)."""
        filtered = (
            query.text.strip()
            or query.mosaic_types
            or query.qualities
            or query.captured_from
            or query.captured_to
            or query.only_new
        )
        if filtered or query.sort is MosaicSort.AREA:
            return None
        where = "1"
        if query.scope is not None and query.scope.kind is not ScopeKind.ALL:
            where = _SCOPE_SURVEYS[query.scope.kind]
        direction = " DESC" if query.descending else ""
        sql = (
            f"SELECT m.sentera_id FROM mosaics AS m WHERE {where} "
            f"ORDER BY m.{query.sort.value}{direction}, m.id{direction}"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        scope = query.scope.sentera_id if query.scope is not None else None
        with self._connect() as connection:
            connection.row_factory = None
            return [row[0] for row in connection.execute(sql, {"scope": scope})]

    def mosaics_by_id(self, ids: Sequence[str]) -> list[MosaicSnapshot]:
        found: dict[str, MosaicSnapshot] = {}
        with self._connect() as connection:
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = list(ids[start : start + _ID_CHUNK])
                marks = ", ".join("?" * len(chunk))
                sql = f"{_MOSAIC_SELECT} WHERE m.sentera_id IN ({marks})"
                for row in connection.execute(sql, chunk):
                    found[row.sentera_id] = mosaic_of(row)
        return [found[i] for i in ids if i in found]


# The reads `OpeningStore` answers from its glance until the store is open.
GLANCE_READS = frozenset(
    {
        "organizations",
        "field_rows",
        "survey_rows",
        "has_mosaics",
        "scope_states",
        "sync_errors",
        "last_successful_sync_at",
        "mosaic_ids",
        "mosaics_by_id",
    }
)


class OpeningStore:
    """Stands in for the `Store` at `glance.path` while a cold start draws its first
    frame; `finish()` opens the store, and every call goes to it from then on.

    The thread that made it opens the store (the window's, after the first paint). A
    read of another thread that the glance cannot answer waits for that, so a worker
    never loads SQLAlchemy while the first frame is being built; past
    `WAIT_FOR_OPENER_S` it opens the store itself.
    """

    read_only = False  # a glance is only taken of a writable file

    def __init__(self, glance: Glance, open_store: Callable[[Path], Store] | None = None) -> None:
        self.path = glance.path
        self._glance: Glance | None = glance
        self._open_store = open_store or _open_for_writing
        self._store: Store | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._opened = threading.Event()
        self._opener = threading.get_ident()

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def finish(self) -> Store:
        """The store, opened now if it is not yet (a `StoreError` says why it cannot be)."""
        store = self._store
        if store is not None:
            return store
        if threading.get_ident() != self._opener:
            self._opened.wait(WAIT_FOR_OPENER_S)
        with self._lock:
            if self._store is None:
                if self._closed:
                    raise DatabaseOpenError(
                        f"The FieldDesk database {self.path} was closed before it was opened."
                    )
                try:
                    self._store = self._open_store(self.path)
                finally:
                    self._opened.set()  # waiting threads try for themselves on a failure
                self._glance = None
            assert self._store is not None
            return self._store

    def close(self) -> None:
        """Close the store if it was opened. Reads still answer afterwards, as a closed
        `Store`'s do (a closing window may still repaint): from the glance when the
        store was never opened, else from the closed store."""
        with self._lock:
            self._closed = True
            store = self._store
        self._opened.set()
        if store is not None:
            store.close()

    def __getattr__(self, name: str) -> Any:
        # Called only for what this class does not define: the store's own methods.
        if name in GLANCE_READS:
            return lambda *args, **kwargs: self._read(name, args, kwargs)
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.finish(), name)

    def _read(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        glance = self._glance
        if glance is not None and self._store is None:
            try:
                answer = getattr(glance, name)(*args, **kwargs)
            except sqlite3.Error as error:
                log.warning("first-frame read %s failed (%s); opening the store", name, error)
                self._glance = None
            else:
                if not (answer is None and name == "mosaic_ids"):  # None: not answerable
                    return answer
        return getattr(self.finish(), name)(*args, **kwargs)


def _open_for_writing(path: Path) -> Store:
    from app.store.store import Store  # SQLAlchemy and the rest: after the first frame

    return Store.open(path)
