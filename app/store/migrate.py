"""Bring a database file to the schema this FieldDesk expects, without risking it.

Order of events at start-up:
1. Look at the file without changing a byte: it must be SQLite, and FieldDesk's.
   It is opened read-only (and `immutable` when no WAL file exists, so not even
   `-wal`/`-shm` side files appear). A revision this FieldDesk does not know means a
   newer FieldDesk wrote it: refuse, leave it alone.
2. When a migration is pending on an existing database, copy it first (SQLite's backup
   API, so committed pages still in the WAL are included) into `backups/`, keeping the
   last few.
3. Run the Alembic migrations in one transaction with foreign keys off (rebuilding a
   parent table with them on would cascade-delete its children), then check the keys
   before committing.

The migration scripts ship inside the package; no alembic.ini is read at run time.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.store.engine import create_store_engine, write_transaction
from app.store.errors import (
    CorruptDatabaseError,
    DamagedDatabaseError,
    MigrationError,
    NewerDatabaseError,
    StoreError,
    translate_sqlite_error,
    translating,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BACKUP_DIRNAME = "backups"
BACKUPS_KEPT = 3
_SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class MigrationOutcome:
    from_revision: str | None
    to_revision: str
    backup: Path | None


def prepare_database(path: Path, *, script_location: Path = MIGRATIONS_DIR) -> MigrationOutcome:
    """Create or upgrade the database at `path`; raise a `StoreError` if it must not be."""
    head, known = shipped_revisions(script_location)
    current = inspect_revision(path, known)
    if current == head:
        return MigrationOutcome(current, head, None)
    # Alembic is imported only when there is something to migrate: it costs a tenth
    # of a second, and nearly every start finds the database already current.
    from alembic import command

    config = _alembic_config(script_location)
    backup = make_backup(path, label=f"rev{current}") if current is not None else None
    log.info("Migrating %s from revision %s to %s", path, current, head)
    engine = create_store_engine(path, foreign_keys=False)
    try:
        with write_transaction(engine) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationError(
                    f"Upgrading the FieldDesk database left {len(broken)} broken references; "
                    "nothing was changed."
                )
    except StoreError:
        raise
    except Exception as error:
        where = f" A copy made before the upgrade is at {backup}." if backup else ""
        raise MigrationError(
            f"Upgrading the FieldDesk database failed ({error}); it was left as it was.{where}"
        ) from error
    finally:
        engine.dispose()
    return MigrationOutcome(current, head, backup)


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
    with closing(_open_read_only(path)) as connection:
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


def make_backup(path: Path, *, label: str) -> Path:
    """Copy the database into `backups/` next to it and keep only the newest few copies."""
    folder = path.parent / BACKUP_DIRNAME
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}-{label}{path.suffix}"
    partial = target.with_name(target.name + ".partial")
    with translating(path):
        source = _open_read_only(path)
        with closing(source), closing(sqlite3.connect(partial)) as destination:
            source.backup(destination)
    partial.replace(target)
    log.info("Backed up %s to %s", path, target)
    copies = sorted(folder.glob(f"{path.stem}-*{path.suffix}"))
    for old in copies[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
    return target


def _open_read_only(path: Path) -> sqlite3.Connection:
    # Without a WAL file there is nothing to recover, so `immutable` is safe and keeps
    # SQLite from creating side files next to a database it must not touch.
    immutable = not path.with_name(path.name + "-wal").exists()
    uri = path.resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
    return sqlite3.connect(uri, uri=True)


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


def _alembic_config(script_location: Path) -> Any:
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolation treats "%" specially.
    config.set_main_option("script_location", str(script_location).replace("%", "%%"))
    return config
