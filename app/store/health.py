"""Is the database file usable? Checked before anything is read from or written to it.

Three checks, cheapest first, each failing with a message that names the file:

1. The location: the path must be a regular file (or nothing yet). A folder or a device
   there is a `DatabaseOpenError`, not an `IsADirectoryError` traceback.
2. The schema: every table and column the models declare must exist. A missing table
   would otherwise surface as "no such table" halfway through a sync, after the server
   was already asked for pages. Reads `sqlite_master` and `table_info`: microseconds.
3. `PRAGMA quick_check`: reads every page of the file, so its cost grows with the
   file (about 2 s for a million mosaics, 490 MB; `benchmarks/torture.py` measures it). That is too
   slow for every open — the window must open a million mosaics in under a second and
   `fielddesk ls` must stay instant — so it runs once per writer session, before the
   first sync run asks the server for anything (`Store.begin_run`). A damaged page met
   by any later read or write is caught too (SQLITE_CORRUPT) and ends all writing
   through that store (`engine.known_damage`).

A damaged file is a `DamagedDatabaseError`; `app.store.repair` sets it aside.
"""

from __future__ import annotations

import logging
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

from app.store.engine import note_damage
from app.store.errors import (
    DamagedDatabaseError,
    DatabaseOpenError,
    StoreError,
    translate_sqlite_error,
)
from app.store.models import metadata
from app.store.paths import read_only_uri

log = logging.getLogger(__name__)

# Tables Alembic and SQLite keep for themselves; not declared in the models.
_INTERNAL = {"alembic_version"}


def check_location(path: Path) -> None:
    """Raise `DatabaseOpenError` unless `path` is a regular file or does not exist yet."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise DatabaseOpenError(
            f"The FieldDesk database {path} cannot be reached: {error.strerror}."
        ) from error
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseOpenError(
            f"The FieldDesk database {path} is a folder, not a file. Move that folder "
            "away (or run `fielddesk repair`, which moves it aside), or choose another "
            "data folder."
        )
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseOpenError(
            f"The FieldDesk database {path} is not a regular file. Move it away or choose "
            "another data folder."
        )


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write to `path`, even in a read-only folder.

    `mode=ro` first: it sees what a live writer commits. Where SQLite cannot open the
    file that way (a read-only folder without the `-shm` a WAL database needs) and no
    `-wal` file exists, `immutable` is safe: there is no journal to recover and nobody
    can write in that folder.
    """
    connection = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        connection.close()
        if Path(f"{path}-wal").exists():
            raise
        connection = sqlite3.connect(
            read_only_uri(path, immutable=True), uri=True, check_same_thread=False
        )
    return connection


def needs_immutable(path: Path) -> bool:
    """True when only an `immutable` read-only open works for `path` (see above)."""
    try:
        with closing(sqlite3.connect(read_only_uri(path), uri=True)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        return not Path(f"{path}-wal").exists()
    return False


def check_database(path: Path, *, thorough: bool) -> None:
    """Raise a `StoreError` naming `path` unless its schema (and, when `thorough`, every
    page) is sound. Reads only; a missing or empty file passes (it will be created)."""
    check_location(path)
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with closing(connect_read_only(path)) as connection:
            missing = missing_schema(connection)
            if missing:
                raise DamagedDatabaseError(
                    f"The FieldDesk database {path} is damaged: {missing}. Run `fielddesk "
                    "repair` (or choose Rebuild in the window): the damaged file is kept "
                    "aside and everything is synced again from FieldAgent."
                )
            if thorough:
                problem = quick_check(connection)
                if problem:
                    raise DamagedDatabaseError(
                        f"The FieldDesk database {path} is damaged ({problem}). Run "
                        "`fielddesk repair` (or choose Rebuild in the window): the damaged "
                        "file is kept aside and everything is synced again from FieldAgent."
                    )
    except DamagedDatabaseError:
        note_damage(path)
        raise
    except sqlite3.Error as error:
        mapped: StoreError | None = translate_sqlite_error(error, path)
        if mapped is None:
            raise
        if isinstance(mapped, DamagedDatabaseError):
            note_damage(path)
        raise mapped from error


def missing_schema(connection: sqlite3.Connection) -> str:
    """What the models declare and the file lacks, as a phrase ('' when nothing)."""
    present = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "alembic_version" not in present:
        return ""  # a fresh file: the migration creates everything
    problems: list[str] = []
    for name, table in metadata.tables.items():
        if name in _INTERNAL:
            continue
        if name not in present:
            problems.append(f"table {name} is missing")
            continue
        columns = {row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')}
        lacking = sorted(column.name for column in table.columns if column.name not in columns)
        if lacking:
            problems.append(f"table {name} lacks {', '.join(lacking)}")
    return "; ".join(problems)


def quick_check(connection: sqlite3.Connection) -> str:
    """The first problem `PRAGMA quick_check` finds, or '' when the file is sound."""
    rows = connection.execute("PRAGMA quick_check(5)").fetchall()
    findings = [row[0] for row in rows if row[0] != "ok"]
    if findings:
        log.warning("quick_check: %s", findings)
    return "; ".join(findings)
