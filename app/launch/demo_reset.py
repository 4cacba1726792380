"""`fielddesk --demo --reset`: forget the demo's local catalogue. No Qt.

The demo keeps its data in its own folder (never the user's), so resetting it can
never touch real data. The database goes with its WAL files and pre-upgrade backups;
logs stay. A sync running against it (another demo window) keeps it from being reset.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from app.store import DB_FILENAME
from app.store.locking import SyncLock
from app.store.migrate import BACKUP_DIRNAME


def reset_demo_data(folder: Path) -> str:
    """Delete the demo database in `folder`; returns the sentence to print."""
    database = folder / DB_FILENAME
    if not database.exists():
        return f"The demo has no local data yet (it keeps it in {folder})."
    lock = SyncLock(database)
    if not lock.try_acquire():
        raise SystemExit(
            f"fielddesk: the demo is syncing in {folder}; close that FieldDesk window first"
        )
    try:
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)
        backups = folder / BACKUP_DIRNAME
        if backups.is_dir():
            shutil.rmtree(backups, ignore_errors=True)
    finally:
        lock.release()
    return f"The demo's local data in {folder} was deleted; it starts afresh."
