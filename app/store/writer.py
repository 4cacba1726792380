"""The write side of the store: one thread (the sync engine's writer) calls these.

The exceptions are `mark_viewed` / `mark_all_viewed`, which the UI calls: they are tiny
transactions and at worst wait (busy timeout) for the page being committed.

Each sync page is applied in one transaction: deletes, then upserts, then the scope's
bookkeeping, then commit. The hash set the next request sends is read back from the
committed rows, so an interruption between pages resumes by itself.

The hot path goes straight to the `sqlite3` connection under SQLAlchemy: one SELECT of the
page's ids that already exist (to tell inserts from updates), then one `executemany` of
`INSERT … ON CONFLICT(sentera_id) DO UPDATE` over tuples taken from the records with an
`attrgetter`. That stays close to a bare executemany loop; the ORM unit of work would be an
order of magnitude slower. It must stay an UPSERT: `INSERT OR REPLACE` deletes the old
row first, and the cascade would wipe the item's children.

`failed` SyncErrors accumulate per run and scope: the first page of a new run for a
scope replaces what older runs recorded, later pages of the same run add to it, and an
identical entry is stored once. `run_id=None` means every page replaces them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from app.domain import ChangeSet, Level, Organization, Outcome, Scope, ScopeKind, SyncPage
from app.store import catalogue as cat
from app.store.engine import driver_connection, write_transaction
from app.store.errors import UnknownScopeError
from app.store.models import mosaics
from app.store.queries import survey_ids_in_scope
from app.store.snapshots import utc_now_text

log = logging.getLogger(__name__)

RUNS_KEPT = 1000


class StoreWriter:
    """Catalogue and bookkeeping writes; every method is one committed transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def apply_organizations(
        self, orgs: Sequence[Organization], *, complete: bool, run_id: int | None = None
    ) -> ChangeSet:
        """Upsert `orgs`; with `complete` (the full list) delete every other organization."""
        now = utc_now_text()
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            stored = {row[0]: tuple(row[1:]) for row in cursor.execute(cat.ORG_VALUES_SQL)}
            before = set(stored)
            listed = {org.sentera_id for org in orgs}
            removed = cat.Removed()
            if complete and before - listed:
                removed = cat.delete_organizations(cursor, sorted(before - listed))
            changed = [
                org
                for org in orgs
                if stored.get(org.sentera_id)
                != (org.name, org.organization_type, org.parent_organization_id)
            ]
            cursor.executemany(cat.ORG_UPSERT_SQL, [cat.org_values(org, now) for org in changed])
            cat.record_scope(cursor, Level.ORGANIZATIONS, "", run_id, complete=complete, now=now)
        log.debug("Applied %d organizations (complete=%s)", len(orgs), complete)
        return ChangeSet(
            level=Level.ORGANIZATIONS,
            scope_id=None,
            inserted=frozenset(listed - before),
            updated=frozenset(org.sentera_id for org in changed) & before,
            deleted=frozenset(removed.deleted),
            cascaded_surveys=frozenset(removed.surveys),
            cascaded_mosaics=frozenset(removed.mosaics),
        )

    def apply_page(
        self,
        level: Level,
        scope_id: str,
        page: SyncPage[Any],
        *,
        scope_complete: bool,
        run_id: int | None,
        before_commit: Callable[[], None] | None = None,
    ) -> ChangeSet:
        """Apply one sync page of `level` items for the parent `scope_id`, atomically.

        Deletes only touch items of this scope; upserts move an item that was stored under
        another parent (a survey moved between fields) into this scope. `scope_complete`
        records a full sync of the scope (its loop ended with remaining_count == 0).
        `before_commit` runs last inside the transaction; raising there (a cancellation)
        rolls the page back. Raises `UnknownScopeError` when the parent is not stored.
        """
        if level not in cat.SPECS:
            raise ValueError(f"apply_page takes fields, surveys or mosaics, not {level}")
        spec = cat.SPECS[level]
        now = utc_now_text()
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            row = cursor.execute(spec.parent_pk_sql, (scope_id,)).fetchone()
            if row is None:
                raise UnknownScopeError(
                    f"The {spec.parent_noun} {scope_id} is no longer stored locally, "
                    f"so its {level.value} were not saved."
                )
            parent_pk: int = row[0]
            removed = cat.Removed()
            if page.deleted:
                ids = [item.sentera_id for item in page.deleted]
                removed = cat.delete_in_scope(cursor, level, parent_pk, ids)
            inserted: set[str] = set()
            updated: set[str] = set()
            if page.upserted:
                ids = [item.sentera_id for item in page.upserted]
                updated = cat.existing_ids(cursor, spec.table, ids)
                inserted = set(ids) - updated
                stray = sum(1 for item in page.upserted if spec.parent_of(item) != scope_id)
                if stray:
                    log.warning(
                        "%d %s in the page for %s name another parent; kept in this scope",
                        stray,
                        level.value,
                        scope_id,
                    )
                extra = spec.extra_values(cursor, parent_pk, now)
                get = spec.values_of
                cursor.executemany(spec.upsert_sql, [get(item) + extra for item in page.upserted])
            cat.record_scope(cursor, level, scope_id, run_id, complete=scope_complete, now=now)
            cat.record_failed(cursor, level, scope_id, run_id, page.failed, now=now)
            if before_commit is not None:
                before_commit()
        log.debug(
            "Committed %s page for %s: +%d ~%d -%d, %d failed",
            level.value,
            scope_id,
            len(inserted),
            len(updated),
            len(removed.deleted),
            len(page.failed),
        )
        return ChangeSet(
            level=level,
            scope_id=scope_id,
            inserted=frozenset(inserted),
            updated=frozenset(updated),
            deleted=frozenset(removed.deleted - inserted - updated),
            cascaded_surveys=frozenset(removed.surveys),
            cascaded_mosaics=frozenset(removed.mosaics),
        )

    def mark_scope_started(self, level: Level, scope_id: str | None, run_id: int | None) -> None:
        """Record an attempt on the scope (None: the organization list) before its loop."""
        now = utc_now_text()
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            cat.record_scope(cursor, level, scope_id or "", run_id, complete=False, now=now)

    def mark_scope_failed(
        self, level: Level, scope_id: str | None, run_id: int | None, message: str
    ) -> None:
        """Record that the scope's loop stopped early; its stored items stay as they are."""
        now = utc_now_text()
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            cat.record_scope(
                cursor, level, scope_id or "", run_id, complete=False, now=now, error=message
            )

    def begin_run(self, scope_kind: ScopeKind, scope_id: str | None) -> int:
        """Log a new run as "running"; keeps the last RUNS_KEPT runs."""
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            cursor.execute(
                "INSERT INTO sync_runs (scope_kind, scope_id, started_at, outcome) "
                "VALUES (?, ?, ?, ?)",
                (scope_kind.value, scope_id, utc_now_text(), Outcome.RUNNING.value),
            )
            run_id = cursor.lastrowid
            assert run_id is not None
            cursor.execute("DELETE FROM sync_runs WHERE id <= ?", (run_id - RUNS_KEPT,))
        return run_id

    def finish_run(
        self,
        run_id: int,
        *,
        outcome: Outcome,
        upserted: int,
        deleted: int,
        failed: int,
        requests: int,
        bytes: int,  # named after the column, as the engine's counters are
        message: str | None = None,
    ) -> None:
        """Record how a run ended."""
        with write_transaction(self._engine) as connection:
            driver_connection(connection).execute(
                "UPDATE sync_runs SET finished_at = ?, outcome = ?, upserted = ?, deleted = ?, "
                "failed = ?, requests = ?, bytes = ?, message = ? WHERE id = ?",
                (
                    utc_now_text(),
                    outcome.value,
                    upserted,
                    deleted,
                    failed,
                    requests,
                    bytes,
                    message,
                    run_id,
                ),
            )

    def mark_interrupted_runs(self) -> int:
        """Close the runs a previous FieldDesk left "running" (it stopped mid-run)."""
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).execute(
                "UPDATE sync_runs SET outcome = ?, finished_at = NULL, message = COALESCE("
                "message, 'FieldDesk stopped before this sync finished') WHERE outcome = ?",
                (Outcome.INTERRUPTED.value, Outcome.RUNNING.value),
            )
            return cursor.rowcount

    def mark_viewed(self, ids: Sequence[str]) -> int:
        """Clear the "new" mark of these mosaics; returns how many were new."""
        now = utc_now_text()
        changed = 0
        with write_transaction(self._engine) as connection:
            cursor = driver_connection(connection).cursor()
            for chunk in cat.chunks(ids):
                marks = ",".join("?" * len(chunk))
                cursor.execute(
                    f"UPDATE mosaics SET viewed_at = ? WHERE viewed_at IS NULL "
                    f"AND sentera_id IN ({marks})",
                    (now, *chunk),
                )
                changed += cursor.rowcount
        return changed

    def mark_all_viewed(self, scope: Scope | None = None) -> int:
        """Clear the "new" mark of every mosaic in `scope` (None: all)."""
        condition = survey_ids_in_scope(scope) if scope is not None else None
        statement = mosaics.update().where(mosaics.c.viewed_at.is_(None))
        if condition is not None:
            statement = statement.where(condition)
        with write_transaction(self._engine) as connection:
            return connection.execute(statement.values(viewed_at=utc_now_text())).rowcount
