"""Where FieldDesk keeps its database by default (the one answer the store, the window
and the command line all use), and the names derived from a database's path."""

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


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    """The `file:` URI opening `path` read-only (percent-encoded: any path works)."""
    return path.resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")


def damage_marker(path: Path) -> Path:
    """`<database>.damaged`: left when damage was met, so the next start checks and
    offers the rebuild even where the full check is too slow to run on every start."""
    return path.with_name(path.name + ".damaged")
