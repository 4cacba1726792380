"""The user's choices that change how FieldDesk syncs, in the shared INI settings file.

The keys match `app.config`, so the headless command sees the same server and
concurrency as the window.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from app import config
from app.ui.common.settings import read_bool, read_str
from app.ui.session.autosync import AutoSyncSettings

SYNC_ON_RECONNECT = "sync/on_reconnect"
SYNC_PERIODIC_MINUTES = "sync/periodic_minutes"
SYNC_ON_START = "sync/on_start"


@dataclass(frozen=True, slots=True)
class Preferences:
    server_url: str
    concurrency: int
    auto: AutoSyncSettings


def _read_number(settings: QSettings, key: str, default: float, low: float, high: float) -> float:
    try:
        value = float(str(settings.value(key, default)))
    except ValueError:
        return default
    return min(max(value, low), high)


def load_preferences(settings: QSettings) -> Preferences:
    defaults = AutoSyncSettings()
    return Preferences(
        server_url=read_str(settings, config.SERVER_URL_KEY) or config.DEFAULT_SERVER_URL,
        concurrency=int(
            _read_number(settings, config.CONCURRENCY_KEY, config.DEFAULT_CONCURRENCY, 1, 16)
        ),
        auto=AutoSyncSettings(
            on_reconnect=read_bool(settings, SYNC_ON_RECONNECT, defaults.on_reconnect),
            periodic_minutes=_read_number(
                settings, SYNC_PERIODIC_MINUTES, defaults.periodic_minutes, 0, 24 * 60
            ),
            on_start=read_bool(settings, SYNC_ON_START, defaults.on_start),
        ),
    )


def save_preferences(settings: QSettings, preferences: Preferences) -> None:
    settings.setValue(config.SERVER_URL_KEY, preferences.server_url)
    settings.setValue(config.CONCURRENCY_KEY, preferences.concurrency)
    settings.setValue(SYNC_ON_RECONNECT, preferences.auto.on_reconnect)
    settings.setValue(SYNC_PERIODIC_MINUTES, preferences.auto.periodic_minutes)
    settings.setValue(SYNC_ON_START, preferences.auto.on_start)
    settings.sync()
