"""Mosaic lists as CSV and GeoJSON files, for the window's Export… and `ls --csv`. No Qt.

CSV is written UTF-8 with a byte-order mark and CRLF line ends: that is what Excel
needs to read accented names correctly when the file is double-clicked. Dates stay ISO
8601 in UTC (Excel and every script parse them; a locale's format does not round-trip).
GeoJSON places each mosaic at its field's location (WGS84 longitude, latitude), with
the same properties as the CSV.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from app.domain import Mosaic
from app.units import convert_area

__all__ = [
    "ExportColumn",
    "FieldPlace",
    "flatten",
    "mosaic_columns",
    "write_csv",
    "write_geojson",
]


@dataclass(frozen=True, slots=True)
class FieldPlace:
    """Where a survey's mosaics lie: its field's name, farm and centre."""

    field_name: str
    farm: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class ExportColumn:
    header: str
    value: Callable[[Mosaic], object]


def _area(metric: bool) -> ExportColumn:
    header = "area_ha" if metric else "area_ac"

    def value(m: Mosaic) -> object:
        converted = convert_area(m.area_value, m.area_unit, metric)
        return "" if converted is None else round(converted[0], 4)

    return ExportColumn(header, value)


def mosaic_columns(*, metric: bool) -> tuple[ExportColumn, ...]:
    """The exported columns: API names, the area in the user's unit system."""
    return (
        ExportColumn("sentera_id", lambda m: m.sentera_id),
        ExportColumn("name", lambda m: m.name),
        ExportColumn("mosaic_type", lambda m: m.mosaic_type),
        ExportColumn("quality", lambda m: m.quality),
        ExportColumn("image_status", lambda m: m.image_status),
        ExportColumn("captured_at", lambda m: m.captured_at),
        _area(metric),
        ExportColumn("image_count", lambda m: m.image_count),
        ExportColumn("released", lambda m: m.released),
        ExportColumn("is_from_sentera_sensor", lambda m: m.is_from_sentera_sensor),
        ExportColumn("updated_at", lambda m: m.updated_at),
        ExportColumn("survey_sentera_id", lambda m: m.survey_sentera_id),
        ExportColumn("message", lambda m: m.message or ""),
    )


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def write_csv(
    out: TextIO, headers: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True
) -> int:
    """Write a header and rows; returns the number of rows. `out` is opened with
    newline="" (the csv module writes the line ends)."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        count += 1
    return count


def mosaics_csv(path: Path, mosaics: Iterable[Mosaic], *, metric: bool) -> int:
    columns = mosaic_columns(metric=metric)
    with path.open("w", encoding="utf-8", newline="") as out:
        return write_csv(
            out, [c.header for c in columns], ([c.value(m) for c in columns] for m in mosaics)
        )


def write_geojson(
    path: Path,
    mosaics: Iterable[Mosaic],
    places: Mapping[str, FieldPlace],
    *,
    metric: bool,
) -> int:
    """A FeatureCollection, one Point per mosaic at its field's centre (null when the
    field is unknown locally: the mosaic is still listed)."""
    columns = mosaic_columns(metric=metric)
    features: list[dict[str, Any]] = []
    for m in mosaics:
        place = places.get(m.survey_sentera_id)
        geometry = None
        properties: dict[str, Any] = {c.header: c.value(m) for c in columns}
        if place is not None:
            properties["field_name"] = place.field_name
            properties["farm"] = place.farm
            if place.latitude is not None and place.longitude is not None:
                geometry = {"type": "Point", "coordinates": [place.longitude, place.latitude]}
        features.append(
            {"type": "Feature", "id": m.sentera_id, "geometry": geometry, "properties": properties}
        )
    document = {"type": "FeatureCollection", "features": features}
    text = json.dumps(document, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    return len(features)


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"area": {"value": 1, "unit": "ACRE"}} -> {"area_value": 1, "area_unit": "ACRE"}."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def rows_csv(out: TextIO, rows: Sequence[Mapping[str, Any]]) -> None:
    """`ls --csv`: the JSON rows flattened, one column per leaf. No BOM: this output is
    for scripts (`cut`, pandas), and the window's Export… writes Excel's kind."""
    flat = [flatten(r) for r in rows]
    headers: list[str] = []
    for r in flat:
        headers.extend(k for k in r if k not in headers)
    # `"updated_by": null` in one row, `{"sentera_id": …}` in the next: one column.
    headers = [
        h
        for h in headers
        if not (
            any(other.startswith(f"{h}_") for other in headers)
            and all(r.get(h) is None for r in flat)
        )
    ]
    buffer = io.StringIO()
    write_csv(buffer, headers, ([r.get(h) for h in headers] for r in flat), bom=False)
    out.write(buffer.getvalue())
