"""Where FieldDesk keeps its database by default: the one answer the store, the window
and the command line all use."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from app import APP_NAME

DB_FILENAME = "fielddesk.sqlite3"
DATA_DIR_ENV = "FIELDDESK_DATA_DIR"


def default_data_dir() -> Path:
    """`FIELDDESK_DATA_DIR` when set, else the platform's per-user data folder."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def demo_data_dir() -> Path:
    """The demo's own folder, so demo and real data never mix."""
    return platformdirs.user_data_path(f"{APP_NAME}-demo", appauthor=False)


def default_database_path() -> Path:
    return default_data_dir() / DB_FILENAME
