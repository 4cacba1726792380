"""The mosaics table's columns: titles, store sort keys, and how each cell looks.

Kept apart from the model so the model stays about rows and live edits, and so the
details pane and the table agree on how a value is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIcon

from app.store import MosaicSnapshot, MosaicSort
from app.ui.common.formatting import enum_label, format_area, format_count, format_datetime_long
from app.ui.common.formatting import format_datetime as short_datetime
from app.ui.common.icons import icon
from app.ui.common.plain import plain_tooltip

ID_ROLE = Qt.ItemDataRole.UserRole + 1
IS_NEW_ROLE = Qt.ItemDataRole.UserRole + 2
# For boolean cells: True/False, painted by `BoolIconDelegate` as a centred check mark.
BOOL_ROLE = Qt.ItemDataRole.UserRole + 3

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter


def _sort(name: str) -> MosaicSort | None:
    """The store's sort key for a column, if this version of the store has one."""
    try:
        return MosaicSort(name)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    tooltip: str
    sort: MosaicSort | None
    text: Callable[[MosaicSnapshot], str]
    alignment: Qt.AlignmentFlag = _LEFT
    boolean: bool = False
    width: int = 110  # default pixels at a 7-pixel average character (scaled with the font)
    # A typically wide value (in the user's locale): the column starts at least this wide.
    sample: Callable[[], str] | None = None


def _bool_text(value: bool) -> str:
    return "Yes" if value else "No"


def _date_sample() -> str:
    return short_datetime("2024-12-31T23:59:00Z")


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", "Mosaic name", _sort("name"), lambda m: m.name, width=210),
    Column(
        "mosaic_type", "Type", "Mosaic type", _sort("mosaic_type"),
        lambda m: enum_label(m.mosaic_type), width=105, sample=lambda: "Custom indexed",
    ),
    Column(
        "captured_at", "Captured", "When the imagery was captured (your time zone)",
        _sort("captured_at"), lambda m: short_datetime(m.captured_at), width=140,
        sample=_date_sample,
    ),
    Column("quality", "Quality", "Processing quality", _sort("quality"),
           lambda m: enum_label(m.quality), width=80, sample=lambda: "Preview"),
    Column(
        "image_status", "Image status", "Status of the mosaic's imagery", _sort("image_status"),
        lambda m: enum_label(m.image_status), width=95, sample=lambda: "Processing",
    ),
    Column(
        "area", "Area", "Area covered, in the unit system chosen in Preferences",
        _sort("area_value"),
        lambda m: format_area(m.area_value, m.area_unit), _RIGHT, width=90,
        sample=lambda: format_area(99_999.9, "HECTARE"),
    ),
    Column(
        "image_count", "Images", "Number of source images", _sort("image_count"),
        lambda m: format_count(m.image_count), _RIGHT, width=70,
        sample=lambda: format_count(99_999),
    ),
    Column(
        "released", "Released", "Released to the organization", _sort("released"),
        lambda m: _bool_text(m.released), _CENTER, boolean=True, width=70,
    ),
    Column(
        "is_from_sentera_sensor", "Sensor", "Captured with a Sentera sensor",
        _sort("is_from_sentera_sensor"), lambda m: _bool_text(m.is_from_sentera_sensor),
        _CENTER, boolean=True, width=60,
    ),
    Column(
        "updated_at", "Updated", "Last changed on FieldAgent (your time zone)",
        _sort("updated_at"), lambda m: short_datetime(m.updated_at), width=140,
        sample=_date_sample,
    ),
    # Filled by the model from the imagery library (`MosaicTableModel.offline`), not
    # from the row: whether the mosaic's GeoTIFF is on this computer, and its size.
    Column("offline", "Offline", "Whether the imagery is on this computer, and its size",
           None, lambda m: "", width=90),
)  # fmt: skip
OFFLINE_COLUMN = len(COLUMNS) - 1

COLUMN_INDEX = {column.key: number for number, column in enumerate(COLUMNS)}

_icons: dict[str, QIcon] = {}


def _icon(name: str) -> QIcon:
    if name not in _icons:
        _icons[name] = icon(name)
    return _icons[name]


_fonts: list[QFont] = []


def _bold() -> QFont:
    if not _fonts:
        font = QFont()
        font.setBold(True)
        _fonts.append(font)
    return _fonts[0]


@dataclass(frozen=True, slots=True)
class RowView:
    """A mosaic with its cell texts, formatted once when the row is loaded rather than
    on every repaint (dates and numbers go through QLocale, which is not free)."""

    mosaic: MosaicSnapshot
    texts: tuple[str, ...]

    @classmethod
    def of(cls, mosaic: MosaicSnapshot) -> RowView:
        return cls(mosaic, tuple("" if c.boolean else c.text(mosaic) for c in COLUMNS))


_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole


def cell_data(number: int, view: RowView, role: int) -> Any:
    """What cell `number` of a row shows for `role` (None: nothing)."""
    if role == _DISPLAY:
        return view.texts[number]
    if role == _ALIGNMENT:
        return COLUMNS[number].alignment
    column = COLUMNS[number]
    row = view.mosaic
    if role == BOOL_ROLE and column.boolean:
        return bool(getattr(row, column.key))
    if role == Qt.ItemDataRole.ToolTipRole:
        return plain_tooltip(_tooltip(column, row))
    if role == Qt.ItemDataRole.AccessibleTextRole:
        return _tooltip(column, row)
    if role == Qt.ItemDataRole.DecorationRole and column.key == "name":
        return _icon("new") if row.is_new else _icon("blank")
    if role == Qt.ItemDataRole.FontRole and row.is_new:
        return _bold()
    return None


def _tooltip(column: Column, row: MosaicSnapshot) -> str:
    if column.key == "name":
        text = row.name
        if row.is_new:
            text = f"{text} (new since you last looked)"
        return f"{text}\n{row.message}" if row.message else text
    if column.key == "area" and row.area_value is not None:
        sent = f"{row.area_value:g} {enum_label(row.area_unit).lower()}".strip()
        return f"{column.text(row)} (FieldAgent gave {sent})"
    if column.key in ("captured_at", "updated_at"):
        return format_datetime_long(getattr(row, column.key))
    if column.boolean:
        return f"{column.tooltip}: {column.text(row)}"
    return column.text(row)
