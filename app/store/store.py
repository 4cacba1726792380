"""`Store`: FieldDesk's local copy of the catalogue in one SQLite file.

One thread writes (the sync engine's writer: `StoreWriter` methods); any thread reads
(`StoreReader` methods), each call on its own pooled connection. See
docs/architecture.md for how the layers use it.

Two ways to open it. `Store.open(path)` is for a process that may sync (the window,
`fielddesk sync`): it creates or migrates the file, privately (0600). `Store.open(path,
read_only=True)` is for reading alone (`fielddesk ls`, a window on a read-only folder):
it never writes a byte, works in a read-only folder and beside a live sync. Neither
decides on open that a sync is dead: that takes the sync lock (`app.store.locking`),
which only a live syncing process holds. The file's health (`app.store.health`) is
checked before anything is read or written.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from app.domain import Outcome, ScopeKind
from app.private_files import PRIVATE_DIR_MODE, make_private, private_umask
from app.store import health
from app.store.engine import create_store_engine, known_damage
from app.store.errors import DatabaseOpenError, ReadOnlyDatabaseError
from app.store.files import FileCatalogue
from app.store.locking import SyncLock
from app.store.migrate import MigrationOutcome, prepare_database
from app.store.reader import StoreReader
from app.store.revisions import MIGRATIONS_DIR, inspect_revision, shipped_revisions
from app.store.writer import StoreWriter

log = logging.getLogger(__name__)


class Store(StoreWriter, StoreReader, FileCatalogue):
    def __init__(
        self, path: Path, engine: Engine, migration: MigrationOutcome, *, read_only: bool = False
    ) -> None:
        StoreWriter.__init__(self, engine)
        StoreReader.__init__(self, engine)
        self.path = path
        self.migration = migration
        self.read_only = read_only
        self._sync_lock = SyncLock(path)
        self._pages_checked = False

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        read_only: bool = False,
        check_pages: bool = False,
        migrations: Path = MIGRATIONS_DIR,
    ) -> Store:
        """Open the database at `path`: for syncing (creating or migrating it), or
        `read_only` for reading alone (it must exist and be current).

        Raises `NewerDatabaseError` for a database of a newer FieldDesk (left untouched),
        `CorruptDatabaseError` for a file that is not a FieldDesk database or is damaged,
        and the other `StoreError`s for disk and permission problems. Every message names
        the file. `check_pages` reads every page first (`PRAGMA quick_check`, about 2 s
        per million mosaics): a writer that will sync right away passes it, so a damaged
        file is refused before a single write. `migrations` is for tests.
        """
        health.check_location(path)
        if read_only:
            return cls._open_for_reading(path, migrations)
        if check_pages and path.exists():
            inspect_revision(path, shipped_revisions(migrations)[1])  # is it ours at all?
            health.check_database(path, thorough=True)
        store = cls._open_for_writing(path, migrations)
        store._pages_checked = check_pages
        return store

    @classmethod
    def _open_for_writing(cls, path: Path, migrations: Path) -> Store:
        try:
            with private_umask():
                path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseOpenError(
                f"The FieldDesk data folder {path.parent} could not be created: {error.strerror}."
            ) from error
        probe = SyncLock(path)
        try:
            free = probe.try_acquire()  # also proves the folder is writable
        except DatabaseOpenError as error:
            raise ReadOnlyDatabaseError(
                f"The FieldDesk database {path} cannot be written ({error}). "
                "Browsing works read-only; syncing needs a writable data folder."
            ) from error
        try:
            with private_umask():  # the database, its -wal/-shm and backups: 0600
                migration = prepare_database(path, script_location=migrations)
                health.check_database(path, thorough=False)
                engine = create_store_engine(path)
                store = cls(path, engine, migration)
                try:
                    # Any read creates -wal/-shm now, under the umask; this one is a
                    # single index step (counting walked every mosaic, tens of
                    # milliseconds of opening a million-mosaic catalogue).
                    store.has_mosaics()
                    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                        make_private(name)  # an older FieldDesk made them 0644
                    # Runs left "running" belong to a dead process only when nobody
                    # holds the sync lock; a live sync elsewhere keeps its run.
                    if free and (interrupted := store.mark_interrupted_runs()):
                        log.info("Marked %d unfinished sync run(s) as interrupted", interrupted)
                except BaseException:
                    engine.dispose()
                    raise
        finally:
            probe.release()
        log.debug("Opened %s at revision %s", path, migration.to_revision)
        return store

    @classmethod
    def _open_for_reading(cls, path: Path, migrations: Path) -> Store:
        if not path.exists():
            raise DatabaseOpenError(
                f"There is no FieldDesk database at {path} yet; run `fielddesk sync` first."
            )
        head, known = shipped_revisions(migrations)
        current = inspect_revision(path, known)
        if current != head:
            raise DatabaseOpenError(
                f"The FieldDesk database {path} is from an older FieldDesk (revision "
                f"{current}); run `fielddesk sync` or open the window once to upgrade it."
            )
        health.check_database(path, thorough=False)
        engine = create_store_engine(path, read_only=True, immutable=health.needs_immutable(path))
        log.debug("Opened %s read-only", path)
        return cls(path, engine, MigrationOutcome(current, head, None), read_only=True)

    def check_pages(self) -> None:
        """Read every page now (`PRAGMA quick_check`); `DamagedDatabaseError` if any is
        bad. Done once per writer session; `begin_run` calls it when nobody did."""
        if not self._pages_checked:
            health.check_database(self.path, thorough=True)
            self._pages_checked = True

    # -- runs: the sync lock -------------------------------------------------------------

    def begin_run(self, scope_kind: ScopeKind, scope_id: str | None) -> int:
        """Take the sync lock, check every page once per session, then log the run.

        All of this happens before the engine creates its client, so a damaged, locked
        or read-only database fails the run without a single request to the server.
        """
        if self.read_only:
            raise ReadOnlyDatabaseError(
                f"The FieldDesk database {self.path} is open read-only; syncing is off."
            )
        damage = known_damage(self._engine)
        if damage is not None:
            raise damage
        self._sync_lock.acquire()
        try:
            self.check_pages()
            self.mark_interrupted_runs()  # we hold the lock: any "running" run is dead
            return super().begin_run(scope_kind, scope_id)
        except BaseException:
            self._sync_lock.release()
            raise

    def finish_run(
        self,
        run_id: int,
        *,
        outcome: Outcome,
        upserted: int,
        deleted: int,
        failed: int,
        requests: int,
        bytes: int,
        message: str | None = None,
    ) -> None:
        """Record the outcome, then let the next sync (here or elsewhere) start."""
        try:
            super().finish_run(
                run_id,
                outcome=outcome,
                upserted=upserted,
                deleted=deleted,
                failed=failed,
                requests=requests,
                bytes=bytes,
                message=message,
            )
        finally:
            self._sync_lock.release()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for tools and tests; the app goes through the methods."""
        return self._engine

    def close(self) -> None:
        self._sync_lock.release()
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
