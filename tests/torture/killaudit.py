"""What SIGKILLs during a sync cost: the counting shared by the kill test and the long
torture run (`benchmarks/torture.py --kills N`).

A run is one `fielddesk sync` process, killed with SIGKILL (or left to finish, the last
time). Right after each kill, before the next process starts, the store is read as the
next process will find it (read-only, so the hot WAL is left in place):

- corrupt: `PRAGMA integrity_check` (or `quick_check`) reports anything but "ok";
- committed: per sync scope, the content hashes of the items the store holds.

Refetched pages. FieldAgent's sync has no cursor: the client sends the content hashes of
every item it holds in a scope (`content_hashes`), and the server answers with items whose
hash is not among them. The hash set is the checkpoint, so a page committed before a kill
is asked for again exactly when a later request for that scope leaves out a hash that was
committed: the server then counts that item as missing and sends it again. Hence:

    a request of run k+1 (sync_fields, sync_surveys or sync_mosaics, scope S) is a
    refetched page when committed_k[S] is not a subset of the hashes it sent;
    its refetched items are committed_k[S] minus those hashes.

Items of a page that arrived but was not committed when the kill came are not in
committed_k, so asking for them again is correct and is not counted. The check needs the
hash sets themselves (`SimulatorConfig(record_hashes=True)`); a record without them is an
error, not a pass. The server must be quiet (no request in flight) before a run's
records are collected, so that a killed process's last requests are not taken for the
next one's.

After the last run: lost items are the server's items (fields, surveys, mosaics) the
store lacks or holds with another hash; extra items are stored items the server does not
have; duplicated items are rows beyond the first per `sentera_id` in each table.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# Per hash-synced level: (scope sentera_id, item sentera_id, content hash) of each row.
LEVELS = {
    "sync_fields": "SELECT o.sentera_id, f.sentera_id, f.content_hash "
    "FROM fields f JOIN organizations o ON o.id = f.organization_id",
    "sync_surveys": "SELECT f.sentera_id, s.sentera_id, s.content_hash "
    "FROM surveys s JOIN fields f ON f.id = s.field_id",
    "sync_mosaics": "SELECT s.sentera_id, m.sentera_id, m.content_hash "
    "FROM mosaics m JOIN surveys s ON s.id = m.survey_id",
}
TABLES = ("organizations", "fields", "surveys", "mosaics")

# level -> item sentera_id -> (scope sentera_id, content hash)
Catalogue = dict[str, dict[str, tuple[str, str]]]


class Request(Protocol):
    """What the audit reads of a request record (`app.simulator.requestlog`)."""

    @property
    def query_name(self) -> str: ...
    @property
    def scope_id(self) -> str | None: ...
    @property
    def hashes(self) -> frozenset[str] | None: ...


def connect_read_only(db: Path) -> sqlite3.Connection:
    """A reader that writes nothing: no WAL recovery checkpoint, no new files."""
    return sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)


def page_problems(db: Path, *, thorough: bool = True) -> list[str]:
    """SQLite's own check of every page: empty when the file is sound."""
    pragma = "integrity_check" if thorough else "quick_check"
    try:
        with contextlib.closing(connect_read_only(db)) as connection:
            rows = connection.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as error:
        return [f"{type(error).__name__}: {error}"]
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


def read_catalogue(db: Path) -> Catalogue:
    catalogue: Catalogue = {}
    with contextlib.closing(connect_read_only(db)) as connection:
        for level, sql in LEVELS.items():
            rows = connection.execute(sql).fetchall()
            catalogue[level] = {item: (scope, digest) for scope, item, digest in rows}
    return catalogue


def duplicated_rows(db: Path) -> int:
    """Rows beyond the first per sentera_id, over every catalogue table."""
    with contextlib.closing(connect_read_only(db)) as connection:
        return sum(
            connection.execute(
                f"SELECT count(*) - count(DISTINCT sentera_id) FROM {table}"
            ).fetchone()[0]
            for table in TABLES
        )


def truth_of(dataset: Any) -> Catalogue:
    """The simulator's account in the audit's shape (a `Dataset`, read under its lock)."""
    fields: dict[str, tuple[str, str]] = {}
    surveys: dict[str, tuple[str, str]] = {}
    mosaics: dict[str, tuple[str, str]] = {}
    for org in dataset.organizations():
        for item in dataset.fields_of(org["sentera_id"]):
            fields[item["sentera_id"]] = (org["sentera_id"], item["content_hash"])
    for field_id in fields:
        for item in dataset.surveys_of(field_id):
            surveys[item["sentera_id"]] = (field_id, item["content_hash"])
    for survey_id in surveys:
        for item in dataset.mosaics_of(survey_id):
            mosaics[item["sentera_id"]] = (survey_id, item["content_hash"])
    return {"sync_fields": fields, "sync_surveys": surveys, "sync_mosaics": mosaics}


def committed_by_scope(catalogue: Catalogue) -> dict[tuple[str, str], set[str]]:
    held: dict[tuple[str, str], set[str]] = {}
    for level, items in catalogue.items():
        for scope, digest in items.values():
            held.setdefault((level, scope), set()).add(digest)
    return held


@dataclass(slots=True)
class Run:
    """One `fielddesk sync` process: what it asked, and what the store held after it."""

    number: int
    killed: bool
    requests: int = 0  # hash-synced requests it sent
    refetched_pages: int = 0
    refetched_items: int = 0
    corrupt: bool = False
    mosaics: int = 0  # mosaics in the store when it ended


@dataclass(slots=True)
class KillAudit:
    """Feed it each run's records and the store after the run; it keeps the tallies."""

    thorough: bool = True
    runs: list[Run] = field(default_factory=list)
    lost: int = 0
    extra: int = 0
    duplicated: int = 0
    _committed: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def run_ended(self, db: Path, records: Iterable[Request], *, killed: bool) -> Run:
        """Count the run's refetches against the last kill, then check and read the store."""
        run = Run(number=len(self.runs) + 1, killed=killed)
        self.runs.append(run)
        for record in records:
            if record.query_name not in LEVELS or record.scope_id is None:
                continue
            if record.hashes is None:
                raise ValueError("the simulator must record hashes (record_hashes=True)")
            run.requests += 1
            held = self._committed.get((record.query_name, record.scope_id), set())
            missing = held - record.hashes
            run.refetched_pages += bool(missing)
            run.refetched_items += len(missing)
        problems = page_problems(db, thorough=self.thorough)
        run.corrupt = bool(problems)
        if not problems:
            catalogue = read_catalogue(db)
            run.mosaics = len(catalogue["sync_mosaics"])
            self._committed = committed_by_scope(catalogue)
        return run

    def compare(self, db: Path, truth: Catalogue) -> None:
        """The final store against the server's account."""
        stored = read_catalogue(db)
        self.duplicated = duplicated_rows(db)
        self.lost = self.extra = 0
        for level, items in truth.items():
            mine = stored.get(level, {})
            self.lost += sum(mine.get(key, ("", ""))[1] != value[1] for key, value in items.items())
            self.extra += sum(key not in items for key in mine)

    @property
    def kills(self) -> int:
        return sum(run.killed for run in self.runs)

    @property
    def corrupt(self) -> int:
        return sum(run.corrupt for run in self.runs)

    @property
    def refetched_pages(self) -> int:
        return sum(run.refetched_pages for run in self.runs)

    @property
    def refetched_items(self) -> int:
        return sum(run.refetched_items for run in self.runs)

    def failures(self) -> dict[str, int]:
        """The figures that must be zero; the ones that are not."""
        figures = {
            "corrupt": self.corrupt,
            "lost": self.lost,
            "extra": self.extra,
            "duplicated": self.duplicated,
            "refetched": self.refetched_pages,
        }
        return {name: n for name, n in figures.items() if n}
