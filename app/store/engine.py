"""SQLAlchemy engines for the FieldDesk database, with every connection set up alike.

Each new driver connection gets WAL (readers never wait for the writer), `synchronous=
NORMAL` (durable at each checkpoint, safe against corruption in WAL mode), foreign keys
(the cascades depend on them) and a busy timeout. The driver's own transaction handling is
switched off and SQLAlchemy emits `BEGIN` itself (the recipe in SQLAlchemy's SQLite
notes), so DDL in migrations is transactional and writers can take the write lock up
front with `BEGIN IMMEDIATE` instead of failing to upgrade a read lock mid-transaction.

A read-only engine (`fielddesk ls`, a window on a read-only folder) opens the file with
SQLite's `mode=ro` and `query_only`, so nothing it runs can change a byte; it leaves
the journal mode alone (the writer set WAL once, and it is stored in the file).
`immutable` is for a read-only folder with no `-wal` file: SQLite could not create the
`-shm` it needs there, and with no WAL there is nothing it would hold.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.pool import ConnectionPoolEntry

from app.store.errors import DamagedDatabaseError, translating
from app.store.paths import damage_marker, read_only_uri

log = logging.getLogger(__name__)

CACHE_KIB = 64 * 1024
BUSY_TIMEOUT_MS = 5000
_WRITE_OPTION = "fielddesk_write"
_paths: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def create_store_engine(
    path: Path, *, foreign_keys: bool = True, read_only: bool = False, immutable: bool = False
) -> Engine:
    """An engine on the SQLite file at `path`.

    `foreign_keys=False` is only for migrations: rebuilding a parent table with foreign
    keys on would cascade-delete its children. The migration checks the keys instead.
    """
    if read_only:
        uri = read_only_uri(path, immutable=immutable)
        engine = create_engine(
            URL.create("sqlite", database=str(path)),  # the pool class; `creator` connects
            creator=lambda: sqlite3.connect(
                uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            ),
            pool_size=4,
            max_overflow=8,
        )
    else:
        engine = create_engine(
            URL.create("sqlite", database=str(path)),  # no parsing: "?" or "#" is fine
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            pool_size=4,
            max_overflow=8,
        )
    _paths[engine] = str(path)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" listener emits BEGIN
        cursor = dbapi_connection.cursor()
        try:
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
            else:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        if immediate:
            # Writers get a 64 MB page cache (SQLite's default is 2 MB): upserting into a
            # survey of 100,000 mosaics otherwise re-reads index pages for every row.
            # Readers keep the default, so browsing a huge catalogue stays small.
            connection.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def database_path(engine: Engine) -> str:
    """The file behind `engine`, for messages."""
    return _paths.get(engine) or engine.url.database or ""


# Engines whose file turned out damaged (SQLITE_CORRUPT on some read or write), with
# the message: nothing more is written through them, since writing into a damaged
# B-tree can spread the damage to pages that were still good.
_damaged: weakref.WeakKeyDictionary[Engine, DamagedDatabaseError] = weakref.WeakKeyDictionary()


def known_damage(engine: Engine) -> DamagedDatabaseError | None:
    return _damaged.get(engine)


@contextmanager
def _remembering_damage(engine: Engine) -> Iterator[None]:
    try:
        with translating(database_path(engine)):
            yield
    except DamagedDatabaseError as error:
        if engine not in _damaged:
            _damaged[engine] = error
            note_damage(Path(database_path(engine)))
        raise


def note_damage(path: Path) -> None:
    try:
        fd = os.open(damage_marker(path), os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
    except OSError as error:  # a read-only folder: the message still says it all
        log.debug("could not leave the damage marker: %s", error)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction holding the write lock from its start; commits on success.

    Refused (`DamagedDatabaseError`) once the file is known to be damaged.
    """
    damage = _damaged.get(engine)
    if damage is not None:
        raise DamagedDatabaseError(str(damage))
    with _remembering_damage(engine), engine.connect() as connection:
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A short read: its statements see one consistent snapshot; nothing is written."""
    with _remembering_damage(engine), engine.connect() as connection:
        yield connection


def driver_connection(connection: Connection) -> sqlite3.Connection:
    """The `sqlite3` connection under `connection`, for the executemany hot path."""
    raw: Any = connection.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw
