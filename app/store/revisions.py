"""Which schema revision a database file is at, and which this FieldDesk ships.

Read with `sqlite3` and the migration scripts' text alone (no SQLAlchemy, no Alembic):
a cold start checks the file this way before its first frame, and `app.store.migrate`
before it upgrades anything.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

from app.store.errors import (
    CorruptDatabaseError,
    DamagedDatabaseError,
    MigrationError,
    NewerDatabaseError,
    translate_sqlite_error,
)
from app.store.paths import read_only_uri

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_SQLITE_HEADER = b"SQLite format 3\x00"


def inspect_revision(path: Path, known: set[str]) -> str | None:
    """The schema revision of the file at `path`: None for a new or empty database.

    Raises `CorruptDatabaseError` for a file that is not a FieldDesk database and
    `NewerDatabaseError` for a revision not in `known`. Never writes to the file.
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as stream:
        header = stream.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise CorruptDatabaseError(
            f"{path} is not a FieldDesk database (it is not an SQLite file). "
            "Run `fielddesk repair` to set it aside and start a fresh local copy, "
            "or choose another data folder."
        )
    try:
        revisions = _read_revisions(path)
    except sqlite3.Error as error:
        mapped = translate_sqlite_error(error, path)
        if isinstance(mapped, CorruptDatabaseError):
            raise DamagedDatabaseError(
                f"{path} is damaged or is not a FieldDesk database ({error}). "
                "Run `fielddesk repair` to set it aside and start a fresh local copy, "
                "or choose another data folder."
            ) from error
        if mapped is not None:
            raise mapped from error
        raise
    unknown = [revision for revision in revisions if revision not in known]
    if unknown:
        raise NewerDatabaseError(
            f"{path} was written by a newer version of FieldDesk (database revision "
            f"{unknown[0]}). Update FieldDesk, or choose another data folder. "
            "The file was not changed."
        )
    if len(revisions) > 1:
        raise CorruptDatabaseError(f"{path} records several schema revisions: {revisions}.")
    return revisions[0] if revisions else None


def _read_revisions(path: Path) -> list[str]:
    with closing(open_read_only(path)) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if "alembic_version" not in tables:
            if tables:
                raise CorruptDatabaseError(
                    f"{path} is an SQLite file but not a FieldDesk database. "
                    "Run `fielddesk repair` to set it aside and start a fresh local copy, "
                    "or choose another data folder."
                )
            return []
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        return [row[0] for row in rows]


def open_read_only(path: Path) -> sqlite3.Connection:
    # Without a WAL file there is nothing to recover, so `immutable` is safe and keeps
    # SQLite from creating side files next to a database it must not touch.
    immutable = not path.with_name(path.name + "-wal").exists()
    return sqlite3.connect(read_only_uri(path, immutable=immutable), uri=True)


_REVISION_LINE = re.compile(r'^(revision|down_revision)(?:: [^=]+)? = "([^"]+)"', re.MULTILINE)


def shipped_revisions(script_location: Path = MIGRATIONS_DIR) -> tuple[str, set[str]]:
    """(head, every revision) of the migration scripts, read from their text.

    Each script states `revision = "..."` and `down_revision = "..."`; the head is the
    revision no other script names as its parent. A test checks this against Alembic.
    """
    parents: dict[str, str | None] = {}
    for script in sorted((script_location / "versions").glob("*.py")):
        found: dict[str, str] = {
            match.group(1): match.group(2) for match in _REVISION_LINE.finditer(script.read_text())
        }
        if "revision" in found:
            parents[found["revision"]] = found.get("down_revision")
    heads = set(parents) - {parent for parent in parents.values() if parent}
    if len(heads) != 1:
        raise MigrationError(
            f"FieldDesk's database migrations are broken (heads: {sorted(heads)}); "
            "reinstall FieldDesk."
        )
    return heads.pop(), set(parents)
