"""Setting a damaged database aside and starting a fresh one, which the next sync refills.

Everything in the local database came from FieldAgent, so a damaged file is not
repaired page by page: it is renamed (never deleted: a support person may want it)
to `<name>.damaged-<timestamp>` in the same folder, with its `-wal` and `-shm`, and an
empty database takes its place. Refused while a sync holds the lock, and for a
database a newer FieldDesk wrote (that one is not damaged, this FieldDesk is old).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.store import health
from app.store.errors import (
    DatabaseOpenError,
    NewerDatabaseError,
    StoreError,
)
from app.store.locking import SyncLock
from app.store.paths import damage_marker
from app.store.revisions import inspect_revision, shipped_revisions

log = logging.getLogger(__name__)

_SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True, slots=True)
class RepairResult:
    """`kept_as` is where the damaged file went; None when it was sound (nothing done)."""

    path: Path
    kept_as: Path | None
    problem: str | None


def diagnose(path: Path) -> StoreError | None:
    """What is wrong with the database at `path` (every page read), or None."""
    try:
        health.check_location(path)
        if not path.exists():
            return None
        _head, known = shipped_revisions()
        inspect_revision(path, known)
        health.check_database(path, thorough=True)
    except NewerDatabaseError:
        raise
    except StoreError as error:
        return error
    return None


def rebuild(path: Path, *, now: datetime | None = None) -> RepairResult:
    """Set the database at `path` aside if it is damaged and create a fresh one.

    Raises `NewerDatabaseError` (left alone), `SyncInProgressError` (a live sync), or
    another `StoreError` when the folder cannot be changed.
    """
    lock = SyncLock(path)
    if path.parent.is_dir():
        lock.acquire()
    try:
        problem = diagnose(path)
        if problem is None:
            damage_marker(path).unlink(missing_ok=True)  # a false alarm: all pages read
            return RepairResult(path, None, None)
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        kept = path.with_name(f"{path.name}.damaged-{stamp}")
        try:
            for suffix in _SIDE_FILES:  # journals first: never a journal beside a new file
                side = Path(f"{path}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{kept}{suffix}"))
            os.replace(path, kept)
        except OSError as error:
            raise DatabaseOpenError(
                f"The damaged FieldDesk database {path} could not be moved aside: {error.strerror}."
            ) from error
        damage_marker(path).unlink(missing_ok=True)
        log.warning("Moved the damaged database %s aside to %s (%s)", path, kept, problem)
    finally:
        lock.release()
    from app.store.store import Store  # the store imports this package's modules

    Store.open(path).close()
    return RepairResult(path, kept, str(problem))
