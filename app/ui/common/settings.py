"""What the window remembers between sessions, in QSettings under "FieldDesk".

Only view state lives here (geometry, splitter, columns, sort, last scope); never tokens or
anything from the catalogue. Tests pass their own INI-backed `QSettings` so the user's
real settings are never touched.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "FieldDesk"
APPLICATION = "FieldDesk"

GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
SPLITTER = "window/splitter"
SIDE_SPLITTER = "window/side-splitter"  # details above the map
TABLE_HEADER = "table/header"
TREE_HEADER = "tree/header"
SORT_KEY = "table/sort"
SORT_DESCENDING = "table/descending"
SCOPE = "view/scope"  # "kind:sentera_id" of the tree selection


def default_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def read_bytes(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, bytes | bytearray) and value:
        return QByteArray(bytes(value))
    return None


def read_str(settings: QSettings, key: str) -> str | None:
    value = settings.value(key)
    return value if isinstance(value, str) and value else None


def read_bool(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return default
