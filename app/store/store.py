"""`Store`: FieldDesk's local copy of the catalogue in one SQLite file.

One thread writes (the sync engine's writer: `StoreWriter` methods); any thread reads
(`StoreReader` methods), each call on its own pooled connection. See
docs/architecture.md for how the layers use it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from app.store.engine import create_store_engine
from app.store.errors import DatabaseOpenError
from app.store.migrate import MIGRATIONS_DIR, MigrationOutcome, prepare_database
from app.store.reader import StoreReader
from app.store.writer import StoreWriter

log = logging.getLogger(__name__)


class Store(StoreWriter, StoreReader):
    def __init__(self, path: Path, engine: Engine, migration: MigrationOutcome) -> None:
        StoreWriter.__init__(self, engine)
        StoreReader.__init__(self, engine)
        self.path = path
        self.migration = migration

    @classmethod
    def open(cls, path: Path, *, migrations: Path = MIGRATIONS_DIR) -> Store:
        """Open (creating or migrating) the database at `path`.

        Raises `NewerDatabaseError` for a database of a newer FieldDesk (left untouched),
        `CorruptDatabaseError` for a file that is not a FieldDesk database, and the other
        `StoreError`s for disk and permission problems. `migrations` is for tests.
        """
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseOpenError(
                f"The FieldDesk data folder {path.parent} could not be created: {error.strerror}."
            ) from error
        migration = prepare_database(path, script_location=migrations)
        engine = create_store_engine(path)
        store = cls(path, engine, migration)
        try:
            interrupted = store.mark_interrupted_runs()
        except BaseException:
            engine.dispose()
            raise
        if interrupted:
            log.info("Marked %d unfinished sync run(s) as interrupted", interrupted)
        log.debug("Opened %s at revision %s", path, migration.to_revision)
        return store

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for tools and tests; the app goes through the methods."""
        return self._engine

    def close(self) -> None:
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
