"""Where the library folder is and how much it may hold, resolved like every setting.

Order: command-line option, environment (`FIELDDESK_LIBRARY_DIR`,
`FIELDDESK_IMAGERY_BUDGET_GB`), the settings file (`[files] library_dir`,
`budget_gb`, written by Settings, Storage), then the default: `imagery/` in the data
folder and min(20 GB, 25 % of the free space).
"""

from __future__ import annotations

import os
from pathlib import Path

from app import config
from app.files.budget import GB, default_quota

LIBRARY_DIR_KEY = "files/library_dir"
BUDGET_KEY = "files/budget_gb"
LIBRARY_DIRNAME = "imagery"


def resolve_library_dir(option: str | None, data_dir: Path) -> Path:
    chosen = (
        option or os.environ.get("FIELDDESK_LIBRARY_DIR") or config.read_setting(LIBRARY_DIR_KEY)
    )
    return Path(chosen).expanduser() if chosen else data_dir / LIBRARY_DIRNAME


def resolve_quota(option_gb: float | None, library_dir: Path) -> int:
    """Bytes; a value that is not a positive number falls back to the default."""
    for candidate in (
        option_gb,
        os.environ.get("FIELDDESK_IMAGERY_BUDGET_GB"),
        config.read_setting(BUDGET_KEY),
    ):
        if candidate is None or candidate == "":
            continue
        try:
            value = float(candidate)
        except ValueError:
            continue
        if value > 0:
            return int(value * GB)
    return default_quota(library_dir)
