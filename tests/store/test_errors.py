"""SQLite failures become the store's expected errors; bugs stay bugs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from app.domain import Level
from app.store import (
    CorruptDatabaseError,
    DatabaseLockedError,
    DiskFullError,
    ReadOnlyDatabaseError,
    Store,
    StoreError,
)
from app.store.errors import translate_sqlite_error, translating

from .conftest import mosaic, page


def _raised(action: object) -> BaseException:
    try:
        action()  # type: ignore[operator]
    except BaseException as error:
        return error
    raise AssertionError("no error")


@pytest.fixture
def plain_db(tmp_path: Path) -> Path:
    path = tmp_path / "plain.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    return path


def test_lock_held_elsewhere(plain_db: Path) -> None:
    holder = sqlite3.connect(plain_db, timeout=0, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(plain_db, timeout=0)
    try:
        error = _raised(lambda: other.execute("SELECT * FROM t"))
    finally:
        other.close()
        holder.close()
    assert isinstance(translate_sqlite_error(error), DatabaseLockedError)


def test_full_database(plain_db: Path) -> None:
    with sqlite3.connect(plain_db) as connection:
        connection.execute("PRAGMA max_page_count = 3")
        error = _raised(lambda: connection.execute("INSERT INTO t VALUES (zeroblob(100000))"))
    mapped = translate_sqlite_error(error)
    assert isinstance(mapped, DiskFullError)
    assert "full" in str(mapped)


def test_read_only_database(plain_db: Path) -> None:
    connection = sqlite3.connect(plain_db.resolve().as_uri() + "?mode=ro", uri=True)
    with connection:
        error = _raised(lambda: connection.execute("INSERT INTO t VALUES (1)"))
    connection.close()
    assert isinstance(translate_sqlite_error(error), ReadOnlyDatabaseError)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk"
    path.write_bytes(b"junk" * 1000)
    connection = sqlite3.connect(path)
    error = _raised(lambda: connection.execute("SELECT * FROM sqlite_master"))
    connection.close()
    assert isinstance(translate_sqlite_error(error), CorruptDatabaseError)


def test_bugs_are_not_translated(store: Store) -> None:
    memory = sqlite3.connect(":memory:")
    memory.execute("CREATE TABLE u (x UNIQUE)")
    memory.execute("INSERT INTO u VALUES (1)")
    duplicate = _raised(lambda: memory.execute("INSERT INTO u VALUES (1)"))
    missing = _raised(lambda: memory.execute("SELECT 1 FROM missing_table"))
    memory.close()
    assert isinstance(duplicate, sqlite3.IntegrityError)
    assert translate_sqlite_error(duplicate) is None
    assert translate_sqlite_error(missing) is None
    assert translate_sqlite_error(ValueError("x")) is None
    with pytest.raises(sa_exc.OperationalError), translating(), store.engine.connect() as c:
        c.exec_driver_sql("SELECT * FROM missing_table")


def test_disk_full_during_a_page_leaves_the_store_as_it_was(seeded: Store) -> None:
    before = seeded.local_hashes(Level.MOSAICS, "S1")
    seeded.engine.dispose()  # new connections get the limit below

    @event.listens_for(seeded.engine, "connect")
    def _limit(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        (pages,) = dbapi_connection.execute("PRAGMA page_count").fetchone()
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    records = [mosaic(f"X{n:04d}", "S1", message="x" * 500) for n in range(500)]
    with pytest.raises(DiskFullError) as raised:
        seeded.apply_page(Level.MOSAICS, "S1", page(records), scope_complete=True, run_id=None)
    assert isinstance(raised.value, StoreError)
    event.remove(seeded.engine, "connect", _limit)
    seeded.engine.dispose()
    assert seeded.local_hashes(Level.MOSAICS, "S1") == before
