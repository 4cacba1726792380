"""The user's choices that change how FieldDesk syncs, read from QSettings.

Every option is declared in `app.settings` (section, key, type, default, bounds); this
module only moves values between QSettings and `Preferences`, parsing them there the
same way the headless command does.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from app import settings as options
from app.ui.autosync import AutoSyncSettings

SYNC_ON_RECONNECT = options.SYNC_ON_RECONNECT.path


@dataclass(frozen=True, slots=True)
class Preferences:
    server_url: str
    concurrency: int
    auto: AutoSyncSettings


def _read(settings: QSettings, option: options.Option[options.T]) -> options.T:
    return option.parse(settings.value(option.path))


def load_preferences(settings: QSettings) -> Preferences:
    return Preferences(
        server_url=_read(settings, options.SERVER_URL),
        concurrency=_read(settings, options.CONCURRENCY),
        auto=AutoSyncSettings(
            on_reconnect=_read(settings, options.SYNC_ON_RECONNECT),
            periodic_minutes=_read(settings, options.SYNC_PERIODIC_MINUTES),
            on_start=_read(settings, options.SYNC_ON_START),
        ),
    )


def save_preferences(settings: QSettings, preferences: Preferences) -> None:
    settings.setValue(options.SERVER_URL.path, preferences.server_url)
    settings.setValue(options.CONCURRENCY.path, preferences.concurrency)
    settings.setValue(options.SYNC_ON_RECONNECT.path, preferences.auto.on_reconnect)
    settings.setValue(options.SYNC_PERIODIC_MINUTES.path, preferences.auto.periodic_minutes)
    settings.setValue(options.SYNC_ON_START.path, preferences.auto.on_start)
    settings.sync()
