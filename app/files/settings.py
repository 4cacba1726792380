"""Where the library folder is and how much it may hold, resolved like every setting.

Both options are declared in `app.settings` (`[files] library_dir`, `budget_gb`, written
by Settings, Storage; `FIELDDESK_LIBRARY_DIR`, `FIELDDESK_IMAGERY_BUDGET_GB`). Order:
command-line option, environment, the settings file, then the default: `imagery/` in the
data folder and min(20 GB, 25 % of the free space).
"""

from __future__ import annotations

from pathlib import Path

from app import config, settings
from app.files.budget import GB, default_quota

LIBRARY_DIRNAME = "imagery"


def resolve_library_dir(option: str | None, data_dir: Path) -> Path:
    chosen = settings.value_of(settings.LIBRARY_DIR, config.stored_settings(), override=option)
    return Path(chosen).expanduser() if chosen else data_dir / LIBRARY_DIRNAME


def resolve_quota(option_gb: float | None, library_dir: Path) -> int:
    """Bytes; a value that is not a positive number means the default."""
    stored = config.stored_settings()
    value = settings.value_of(settings.IMAGERY_BUDGET_GB, stored, override=option_gb)
    return int(value * GB) if value > 0 else default_quota(library_dir)
