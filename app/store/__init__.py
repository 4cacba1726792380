"""FieldDesk's local store: the catalogue and sync bookkeeping in one SQLite file.

No Qt here. `Store.open(path)` creates or migrates the file (backing it up first) and
refuses a database written by a newer FieldDesk. One thread writes; any thread reads and
gets frozen records back.
"""

from app.store.errors import (
    CorruptDatabaseError,
    DamagedDatabaseError,
    DatabaseLockedError,
    DatabaseOpenError,
    DiskFullError,
    DiskIOError,
    MigrationError,
    NewerDatabaseError,
    ReadOnlyDatabaseError,
    StoreError,
    SyncInProgressError,
    UnknownScopeError,
)
from app.store.paths import DB_FILENAME, default_data_dir, default_database_path
from app.store.queries import MosaicQuery, MosaicSort
from app.store.snapshots import (
    FieldRow,
    FilterValues,
    LevelCounts,
    MosaicDetail,
    MosaicSnapshot,
    RunSnapshot,
    ScopeStateSnapshot,
    SurveyRow,
    SyncErrorRecord,
    SyncState,
    TreeCounts,
)
from app.store.store import Store

__all__ = [
    "DB_FILENAME",
    "CorruptDatabaseError",
    "DamagedDatabaseError",
    "DatabaseLockedError",
    "DatabaseOpenError",
    "DiskFullError",
    "DiskIOError",
    "FieldRow",
    "FilterValues",
    "LevelCounts",
    "MigrationError",
    "MosaicDetail",
    "MosaicQuery",
    "MosaicSnapshot",
    "MosaicSort",
    "NewerDatabaseError",
    "ReadOnlyDatabaseError",
    "RunSnapshot",
    "ScopeStateSnapshot",
    "Store",
    "StoreError",
    "SurveyRow",
    "SyncErrorRecord",
    "SyncInProgressError",
    "SyncState",
    "TreeCounts",
    "UnknownScopeError",
    "default_data_dir",
    "default_database_path",
]
