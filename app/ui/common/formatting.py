"""How values look to a person: local dates, areas with units, enum names, "12 minutes ago".

The store keeps UTC ISO-8601 strings and raw enum names; everything here converts them for
display only, in the user's locale and time zone, and never raises on odd input (an
unparseable date is shown as it came).
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimeZone

from app.units import UnitChoice, convert_area

_locale: QLocale | None = None
_unit_choice = UnitChoice.AUTO


def default_locale() -> QLocale:
    """The user's locale, built once: QLocale() per painted cell adds up."""
    global _locale
    if _locale is None:
        _locale = QLocale()
    return _locale


_AREA_UNITS = {
    "ACRE": "ac",
    "ACRES": "ac",
    "HECTARE": "ha",
    "HECTARES": "ha",
    "SQUARE_METER": "m²",
    "SQUARE_METERS": "m²",
    "SQUARE_FOOT": "ft²",
    "SQUARE_FEET": "ft²",
    "SQUARE_KILOMETER": "km²",
    "SQUARE_MILE": "mi²",
}


def parse_utc(text: str | None) -> QDateTime | None:
    """A UTC ISO string ("2024-05-01T10:00:00Z", with or without ms/offset) as a QDateTime."""
    if not text:
        return None
    value = QDateTime.fromString(text, Qt.DateFormat.ISODateWithMs)
    if not value.isValid():
        value = QDateTime.fromString(text, Qt.DateFormat.ISODate)
    if not value.isValid():
        return None
    if value.timeSpec() == Qt.TimeSpec.LocalTime and not _has_offset(text):
        value.setTimeZone(QTimeZone.utc())
    return value


def _has_offset(text: str) -> bool:
    tail = text[10:]
    return tail.endswith("Z") or "+" in tail or "-" in tail


def format_datetime(text: str | None, locale: QLocale | None = None) -> str:
    """Local date and time in the locale's short format; the raw text if unparseable."""
    value = parse_utc(text)
    if value is None:
        return text or ""
    loc = locale or default_locale()
    if loc.language() == QLocale.Language.C:  # no locale configured: ISO reads best
        return value.toLocalTime().toString("yyyy-MM-dd HH:mm")
    return loc.toString(value.toLocalTime(), QLocale.FormatType.ShortFormat)


def format_datetime_long(text: str | None, locale: QLocale | None = None) -> str:
    value = parse_utc(text)
    if value is None:
        return text or ""
    local = value.toLocalTime()
    loc = locale or default_locale()
    zone = local.timeZoneAbbreviation()
    if loc.language() == QLocale.Language.C:
        return f"{local.toString('yyyy-MM-dd HH:mm:ss')} {zone}"
    date = loc.toString(local.date(), QLocale.FormatType.LongFormat)
    time = loc.toString(local.time(), QLocale.FormatType.ShortFormat)
    return f"{date} {time} {zone}"


def set_unit_choice(choice: UnitChoice) -> None:
    """The user's unit system for every area shown from now on (cached row texts must
    be rebuilt by their owners)."""
    global _unit_choice
    _unit_choice = choice


def metric_units(locale: QLocale | None = None) -> bool:
    """Whether areas are shown in hectares (else acres): the setting, or the locale's."""
    if _unit_choice is UnitChoice.METRIC:
        return True
    if _unit_choice is UnitChoice.US:
        return False
    system = (locale or default_locale()).measurementSystem()
    return system == QLocale.MeasurementSystem.MetricSystem


def format_area(value: float | None, unit: str | None, locale: QLocale | None = None) -> str:
    """The area in the user's unit system ("53.11 ha" or "131.24 ac"); a unit FieldDesk
    does not know is shown as sent rather than guessed."""
    if value is None:
        return ""
    loc = locale or default_locale()
    converted = convert_area(value, unit, metric_units(loc))
    if converted is not None:
        number, suffix = converted
    else:
        number = float(value)
        suffix = _AREA_UNITS.get((unit or "").upper(), (unit or "").lower().replace("_", " "))
    text = loc.toString(number, "f", 2 if abs(number) < 100 else 1)
    return f"{text} {suffix}".strip()


def time_zone_name() -> str:
    """The local time zone as people read it ("CET", "UTC-5")."""
    return QDateTime.currentDateTime().timeZoneAbbreviation()


def format_count(value: int, locale: QLocale | None = None) -> str:
    """Grouped thousands in the user's locale: 1,200 or 1.200 or 1 200."""
    return (locale or default_locale()).toString(int(value))


def counted(count: int, noun: str) -> str:
    """ "1 mosaic", "1,200 mosaics": the count in the user's locale, the noun in the
    plural (with an s) unless the count is one."""
    return f"{format_count(count)} {noun}{'' if count == 1 else 's'}"


_ACRONYMS = frozenset({"RGB", "NDVI", "NDRE", "CIR", "NIR", "DSM", "DTM", "LAI", "VARI", "GNDVI"})


def enum_label(value: str | None) -> str:
    """MULTISPECTRAL -> "Multispectral", CUSTOM_INDEXED -> "Custom indexed", RGB -> "RGB"."""
    if not value:
        return ""
    if value in _ACRONYMS:
        return value
    words = value.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]


def relative_age(then: datetime, now: datetime | None = None) -> str:
    """ "just now", "12 minutes ago", "3 hours ago", "2 days ago" — for "Last synced ..."."""
    current = now or datetime.now(UTC)
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = max(0, int((current - then).total_seconds()))
    if seconds < 60:
        return "just now"
    for unit_seconds, name in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day")):
        if seconds >= unit_seconds * (2 if name != "day" else 1):
            count = seconds // unit_seconds
            return f"{count} {name}{'s' if count != 1 else ''} ago"
    if seconds >= 3600:
        count = seconds // 3600
        return f"{count} hour{'s' if count != 1 else ''} ago"
    count = seconds // 60
    return f"{count} minute{'s' if count != 1 else ''} ago"


def parse_iso_utc(text: str | None) -> datetime | None:
    """A Python aware datetime from the store's ISO strings (for ages, not display)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_clock_time(when: datetime, locale: QLocale | None = None) -> str:
    """ "14:30" or "2:30 PM" (the locale's short time) for a moment today; a later day
    gets its short date too, so a 24-hour interval never reads as "in a few minutes"."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    value = QDateTime.fromMSecsSinceEpoch(round(when.timestamp() * 1000)).toLocalTime()
    loc = locale or default_locale()
    c_locale = loc.language() == QLocale.Language.C
    if value.date() == QDateTime.currentDateTime().date():
        if c_locale:
            return value.toString("HH:mm")
        return loc.toString(value.time(), QLocale.FormatType.ShortFormat)
    if c_locale:
        return value.toString("yyyy-MM-dd HH:mm")
    return loc.toString(value, QLocale.FormatType.ShortFormat)
