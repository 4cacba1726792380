"""Areas in the user's unit system, whatever unit FieldAgent sent them in. No Qt.

FieldAgent reports each area with its own unit (hectares for one field, acres for the
next), so a list mixed "53.11 ha" and "131.7 ac". Everything shown is converted to one
system, chosen in the settings (metric or US customary; by default the locale's), and
sorting uses the true area in square metres.

The setting is declared with the others in `app.settings` (`UNIT_SYSTEM`: section
"display", key "unit_system", default "auto", the locale's measurement system).
"""

from __future__ import annotations

from enum import StrEnum

from app import settings

UNIT_SYSTEM_KEY = settings.UNIT_SYSTEM.path


class UnitChoice(StrEnum):
    AUTO = "auto"  # the locale's measurement system
    METRIC = "metric"
    US = "us"


UNIT_SYSTEM_DEFAULT = UnitChoice(settings.UNIT_SYSTEM.default)

# Square metres per unit, by every spelling FieldAgent is known to use.
SQUARE_METRES = {
    "ACRE": 4046.8564224,
    "ACRES": 4046.8564224,
    "HECTARE": 10_000.0,
    "HECTARES": 10_000.0,
    "SQUARE_METER": 1.0,
    "SQUARE_METERS": 1.0,
    "SQUARE_METRE": 1.0,
    "SQUARE_FOOT": 0.09290304,
    "SQUARE_FEET": 0.09290304,
    "SQUARE_KILOMETER": 1_000_000.0,
    "SQUARE_MILE": 2_589_988.110336,
}


def parse_choice(text: object) -> UnitChoice:
    """A stored value as a choice; anything unknown is the default."""
    try:
        return UnitChoice(str(text).strip().lower())
    except ValueError:
        return UNIT_SYSTEM_DEFAULT


def square_metres(value: float | None, unit: str | None) -> float | None:
    """The area in m², or None when the unit is unknown (it is then shown as sent)."""
    if value is None:
        return None
    factor = SQUARE_METRES.get((unit or "").strip().upper())
    return None if factor is None else float(value) * factor


def convert_area(value: float | None, unit: str | None, metric: bool) -> tuple[float, str] | None:
    """(number, unit symbol) in hectares or acres; None when there is nothing to convert."""
    area = square_metres(value, unit)
    if area is None:
        return None
    if metric:
        return area / SQUARE_METRES["HECTARE"], "ha"
    return area / SQUARE_METRES["ACRE"], "ac"
