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
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.store.engine import create_store_engine, write_transaction
from app.store.errors import (
    MigrationError,
    StoreError,
    translating,
)
from app.store.revisions import MIGRATIONS_DIR, inspect_revision, open_read_only, shipped_revisions

log = logging.getLogger(__name__)

BACKUP_DIRNAME = "backups"
BACKUPS_KEPT = 3


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


def make_backup(path: Path, *, label: str) -> Path:
    """Copy the database into `backups/` next to it and keep only the newest few copies."""
    folder = path.parent / BACKUP_DIRNAME
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}-{label}{path.suffix}"
    partial = target.with_name(target.name + ".partial")
    with translating(path):
        source = open_read_only(path)
        with closing(source), closing(sqlite3.connect(partial)) as destination:
            source.backup(destination)
    partial.replace(target)
    log.info("Backed up %s to %s", path, target)
    copies = sorted(folder.glob(f"{path.stem}-*{path.suffix}"))
    for old in copies[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
    return target


def _alembic_config(script_location: Path) -> Any:
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolation treats "%" specially.
    config.set_main_option("script_location", str(script_location).replace("%", "%%"))
    return config
