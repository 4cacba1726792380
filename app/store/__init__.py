"""FieldDesk's local store: the catalogue and sync bookkeeping in one SQLite file.

No Qt here. `Store.open(path)` creates or migrates the file (backing it up first) and
refuses a database written by a newer FieldDesk. One thread writes; any thread reads and
gets frozen records back.

Importing the package costs nothing: each name loads its module on first use (PEP 562).
A cold start draws its first frame before SQLAlchemy is imported (`app.store.glance`),
so `app.store.paths` or `app.store.errors` must not pull the engine in.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from app.store.mosaic_query import MosaicQuery, MosaicSort
    from app.store.paths import DB_FILENAME, default_data_dir, default_database_path
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

# name -> the module that defines it
_HOMES = {
    **dict.fromkeys(
        (
            "CorruptDatabaseError",
            "DamagedDatabaseError",
            "DatabaseLockedError",
            "DatabaseOpenError",
            "DiskFullError",
            "DiskIOError",
            "MigrationError",
            "NewerDatabaseError",
            "ReadOnlyDatabaseError",
            "StoreError",
            "SyncInProgressError",
            "UnknownScopeError",
        ),
        "errors",
    ),
    **dict.fromkeys(("DB_FILENAME", "default_data_dir", "default_database_path"), "paths"),
    **dict.fromkeys(("MosaicQuery", "MosaicSort"), "mosaic_query"),
    **dict.fromkeys(
        (
            "FieldRow",
            "FilterValues",
            "LevelCounts",
            "MosaicDetail",
            "MosaicSnapshot",
            "RunSnapshot",
            "ScopeStateSnapshot",
            "SurveyRow",
            "SyncErrorRecord",
            "SyncState",
            "TreeCounts",
        ),
        "snapshots",
    ),
    "Store": "store",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # once is enough
    return value


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
