"""The user's choices that change how FieldDesk syncs, read from QSettings.

Every option is declared in `app.settings` (section, key, type, default, bounds); this
module only moves values between QSettings and `Preferences`, parsing them there the
same way the headless command does. The records live in `common` because both the
session (which applies them) and the settings dialog (which edits them) use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QSettings

from app import settings as options
from app.units import UNIT_SYSTEM_DEFAULT, UnitChoice, parse_choice

SYNC_ON_RECONNECT = options.SYNC_ON_RECONNECT.path


@dataclass(frozen=True, slots=True)
class AutoSyncSettings:
    """When `session.autosync.AutoSync` starts a sync by itself, and how long it waits."""

    # The user's choices: defaults declared with the option in app.settings.
    on_reconnect: bool = options.SYNC_ON_RECONNECT.default
    periodic_minutes: float = options.SYNC_PERIODIC_MINUTES.default  # 0 = off
    on_start: bool = options.SYNC_ON_START.default
    # A catalogue that was never synced is fetched as soon as FieldAgent answers: a new
    # user (or the demo) should not have to find the Sync button to see anything.
    first_sync: bool = True
    settle_ms: int = 3_000  # wait for a new connection to settle before syncing
    recent_minutes: int = 5  # a completed sync this recent makes a reconnect sync pointless


@dataclass(frozen=True, slots=True)
class Preferences:
    server_url: str
    concurrency: int
    auto: AutoSyncSettings
    unit_system: UnitChoice = field(default=UNIT_SYSTEM_DEFAULT)


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
        unit_system=parse_choice(_read(settings, options.UNIT_SYSTEM)),
    )


def save_preferences(settings: QSettings, preferences: Preferences) -> None:
    settings.setValue(options.SERVER_URL.path, preferences.server_url)
    settings.setValue(options.CONCURRENCY.path, preferences.concurrency)
    settings.setValue(options.SYNC_ON_RECONNECT.path, preferences.auto.on_reconnect)
    settings.setValue(options.SYNC_PERIODIC_MINUTES.path, preferences.auto.periodic_minutes)
    settings.setValue(options.SYNC_ON_START.path, preferences.auto.on_start)
    settings.setValue(options.UNIT_SYSTEM.path, preferences.unit_system.value)
    settings.sync()
