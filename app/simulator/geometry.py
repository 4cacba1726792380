"""Field outlines: irregular, realistic boundaries whose geodesic area is the field's area.

A Midwest field is mostly a rotated rectangle on the section grid, with corners cut by a
farmstead, a creek or a pivot, and now and then a hole (a wetland, a shelter belt) or a
second part across a road. Outlines are drawn in metres in the field's UTM zone, scaled
so their geodesic area (pyproj.Geod, the WGS84 ellipsoid) equals the field's `area`,
and served as GeoJSON in WGS84 (RFC 7946: exterior rings counter-clockwise, holes
clockwise, longitude first). Everything is a function of the field's id, position and
area, so a seed always gives the same outlines.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from functools import lru_cache
from typing import Any

from pyproj import CRS, Geod, Transformer

GeoJSON = dict[str, Any]
Ring = list[tuple[float, float]]

SQUARE_METRES_PER_ACRE = 4_046.856_422_4
SQUARE_METRES_PER_HECTARE = 10_000.0
_GEOD = Geod(ellps="WGS84")
_DECIMALS = 7  # about a centimetre


def utm_epsg(longitude: float, latitude: float) -> int:
    """The EPSG code of the WGS84 UTM zone holding a point."""
    zone = min(60, max(1, int((longitude + 180.0) // 6.0) + 1))
    return (32_600 if latitude >= 0 else 32_700) + zone


@lru_cache(maxsize=64)
def _transformer(epsg: int, to_utm: bool) -> Transformer:
    utm, wgs84 = CRS.from_epsg(epsg), CRS.from_epsg(4326)
    source, target = (wgs84, utm) if to_utm else (utm, wgs84)
    return Transformer.from_crs(source, target, always_xy=True)


def to_utm(epsg: int, lon: list[float], lat: list[float]) -> tuple[list[float], list[float]]:
    x, y = _transformer(epsg, True).transform(lon, lat)
    return list(x), list(y)


def to_wgs84(epsg: int, x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    lon, lat = _transformer(epsg, False).transform(x, y)
    return list(lon), list(lat)


def area_square_metres(area: dict[str, Any]) -> float:
    unit = str(area.get("unit", "ACRE")).upper()
    factor = SQUARE_METRES_PER_HECTARE if unit == "HECTARE" else SQUARE_METRES_PER_ACRE
    return float(area["value"]) * factor


def polygons_of(geometry: GeoJSON) -> list[list[list[list[float]]]]:
    """The polygons of a Polygon or MultiPolygon, as lists of rings."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def geodesic_area(geometry: GeoJSON) -> float:
    """Area in square metres on the WGS84 ellipsoid, holes subtracted."""
    total = 0.0
    for rings in polygons_of(geometry):
        for index, ring in enumerate(rings):
            area, _ = _GEOD.polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
            total += abs(area) if index == 0 else -abs(area)
    return total


def bbox_of(geometry: GeoJSON) -> list[float]:
    """(west, south, east, north) of every vertex."""
    points = [p for rings in polygons_of(geometry) for ring in rings for p in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return [min(lons), min(lats), max(lons), max(lats)]


def digest(geometry: GeoJSON) -> str:
    """A short stable digest of an outline (ties imagery to the outline it covers)."""
    raw = json.dumps(geometry, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


# -- drawing ------------------------------------------------------------------------------


def _signed_area(ring: Ring) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def _oriented(ring: Ring, counter_clockwise: bool) -> Ring:
    return ring if (_signed_area(ring) > 0) == counter_clockwise else ring[::-1]


def _field_outline(rng: random.Random, width: float, height: float) -> Ring:
    """A rectangle centred on (0, 0) with wobbly edges and one or two corners cut."""
    corners = [(-width / 2, -height / 2), (width / 2, -height / 2),
               (width / 2, height / 2), (-width / 2, height / 2)]  # fmt: skip
    cut = set(rng.sample(range(4), rng.choice([1, 1, 2])))
    ring: Ring = []
    for index, (x0, y0) in enumerate(corners):
        x1, y1 = corners[(index + 1) % 4]
        if index in cut:  # a farmstead or creek takes the corner off diagonally
            share = rng.uniform(0.12, 0.3)
            ring.append((x0 + (x1 - x0) * share, y0 + (y1 - y0) * share))
        else:
            ring.append((x0, y0))
        # Points along the edge, pushed in and out a little: fences are not straight.
        steps = rng.randint(3, 7)
        wobble = 0.015 * min(width, height)
        nx, ny = -(y1 - y0), x1 - x0
        length = math.hypot(nx, ny)
        for step in range(1, steps):
            t = step / steps
            offset = rng.uniform(-wobble, wobble)
            ring.append((x0 + (x1 - x0) * t + nx / length * offset,
                         y0 + (y1 - y0) * t + ny / length * offset))  # fmt: skip
        if (index + 1) % 4 in cut:  # the other end of the cut
            share = rng.uniform(0.12, 0.3)
            ring.append((x1 - (x1 - x0) * share, y1 - (y1 - y0) * share))
    return ring


def _hole(rng: random.Random, width: float, height: float) -> Ring:
    """A small wetland: an irregular blob well inside the outline."""
    cx, cy = rng.uniform(-0.2, 0.2) * width, rng.uniform(-0.2, 0.2) * height
    radius = 0.08 * min(width, height)
    points = rng.randint(9, 14)
    return [
        (cx + radius * rng.uniform(0.7, 1.2) * math.cos(2 * math.pi * k / points),
         cy + radius * rng.uniform(0.7, 1.2) * math.sin(2 * math.pi * k / points))
        for k in range(points)
    ]  # fmt: skip


def _rotate(ring: Ring, angle: float, dx: float = 0.0, dy: float = 0.0) -> Ring:
    c, s = math.cos(angle), math.sin(angle)
    return [(x * c - y * s + dx, x * s + y * c + dy) for x, y in ring]


def _scaled(polygons: list[list[Ring]], factor: float) -> list[list[Ring]]:
    return [[[(x * factor, y * factor) for x, y in ring] for ring in rings] for rings in polygons]


def _to_geojson(polygons: list[list[Ring]], epsg: int, cx: float, cy: float) -> GeoJSON:
    out = []
    for rings in polygons:
        converted = []
        for index, ring in enumerate(rings):
            ring = _oriented(ring, counter_clockwise=index == 0)
            lon, lat = to_wgs84(epsg, [cx + x for x, _ in ring], [cy + y for _, y in ring])
            points = [
                [round(a, _DECIMALS), round(b, _DECIMALS)] for a, b in zip(lon, lat, strict=True)
            ]
            converted.append([*points, points[0]])
        out.append(converted)
    if len(out) == 1:
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def make_boundary(
    *, key: str, latitude: float, longitude: float, area_m2: float, shape: str
) -> GeoJSON:
    """An outline centred on the field's position; `shape` is simple, hole or parts."""
    rng = random.Random(f"boundary/{key}")
    epsg = utm_epsg(longitude, latitude)
    xs, ys = to_utm(epsg, [longitude], [latitude])
    aspect = rng.uniform(1.0, 2.4)
    height = 1.0
    width = aspect
    angle = math.radians(rng.uniform(-8, 8))  # fields follow the survey grid, roughly
    polygons: list[list[Ring]]
    if shape == "parts":
        # Two pieces either side of a road running north-south.
        gap = 0.04 * width
        left = _field_outline(rng, width * 0.55, height)
        right = _field_outline(rng, width * 0.4, height * rng.uniform(0.6, 0.95))
        polygons = [
            [_rotate(left, angle, -width * 0.225 - gap / 2)],
            [_rotate(right, angle, width * 0.275 + gap / 2)],
        ]
    else:
        rings = [_rotate(_field_outline(rng, width, height), angle)]
        if shape == "hole":
            rings.append(_rotate(_hole(rng, width, height), angle))
        polygons = [rings]
    planar = sum(
        abs(_signed_area(rings[0])) - sum(abs(_signed_area(r)) for r in rings[1:])
        for rings in polygons
    )
    polygons = _scaled(polygons, math.sqrt(area_m2 / planar))
    geometry = _to_geojson(polygons, epsg, xs[0], ys[0])
    # UTM's scale factor makes planar and geodesic areas differ by up to ~0.2 %; one
    # correction against the ellipsoid brings it to rounding error.
    polygons = _scaled(polygons, math.sqrt(area_m2 / geodesic_area(geometry)))
    return _to_geojson(polygons, epsg, xs[0], ys[0])


def shape_of(geometry: GeoJSON) -> str:
    if geometry["type"] == "MultiPolygon":
        return "parts"
    return "hole" if len(geometry["coordinates"]) > 1 else "simple"


def boundary_fields(
    item: dict[str, Any], serial: int | None = None, *, shape: str | None = None
) -> dict[str, Any]:
    """`boundary` and `bbox` for a field item (from its id, position and area).

    One field in five has a hole and one in five has two parts (by serial when known,
    so even the four fields of `tiny` show each kind); an edited field keeps its kind.
    """
    key = f"{item['sentera_id']}/{item['latitude']}/{item['longitude']}/{item['area']}"
    if shape is None:
        pick = serial if serial is not None else int(hashlib.sha256(key.encode()).hexdigest(), 16)
        shape = {1: "hole", 2: "parts"}.get(pick % 5, "simple")
    boundary = make_boundary(
        key=key,
        latitude=item["latitude"],
        longitude=item["longitude"],
        area_m2=area_square_metres(item["area"]),
        shape=shape,
    )
    return {"boundary": boundary, "bbox": bbox_of(boundary)}
