"""The map's coordinate system and the field outlines in it.

CHOICE: the map is drawn in the UTM zone of what it shows (the organization's fields,
or the field), not in Web Mercator. FieldDesk has no web basemap whose tile grid would
need Mercator; in UTM a metre is a metre everywhere on a farm (a true scale bar, true
areas), and the simulator's and most drone mosaics are already in the field's UTM zone,
so their pixels are read as they are: no resampling, so the outline and the raster line
up exactly and a read is a plain windowed read of the COG. A mosaic in another CRS is
warped to the map's on the fly (`raster.py`). The one cost is grid convergence: map up
is a degree or two off true north away from the zone's central meridian, which the
north arrow shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

# numpy and pyproj load on first use (a worker thread, normally), not when the window
# is built: together they cost a noticeable part of a cold start.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from pyproj import CRS, Proj, Transformer

    Ring = npt.NDArray[np.float64]  # shape (n, 2): map x, y
else:
    Ring = Any

GeoJSON = dict[str, Any]
WGS84 = 4326


def utm_epsg(longitude: float, latitude: float) -> int:
    """The EPSG code of the WGS84 UTM zone holding a point."""
    zone = min(60, max(1, int((longitude + 180.0) // 6.0) + 1))
    return (32_600 if latitude >= 0 else 32_700) + zone


@lru_cache(maxsize=32)
def transformer(source: int | str, target: int | str) -> Transformer:
    """A cached always-x-y transformer (pyproj's are thread-safe to call)."""
    from pyproj import CRS, Transformer

    return Transformer.from_crs(
        CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True
    )


@lru_cache(maxsize=32)
def _proj(epsg: int) -> Proj:
    from pyproj import CRS, Proj

    return Proj(CRS.from_epsg(epsg))


@dataclass(frozen=True, slots=True)
class MapCrs:
    """The map's projected CRS (an EPSG code) and its conversions to and from lon/lat."""

    epsg: int

    @classmethod
    def around(cls, lon_lats: Iterable[tuple[float, float]]) -> MapCrs:
        points = list(lon_lats)
        if not points:
            return cls(utm_epsg(0.0, 0.0))
        lon = sum(p[0] for p in points) / len(points)
        lat = sum(p[1] for p in points) / len(points)
        return cls(utm_epsg(lon, lat))

    @property
    def crs(self) -> CRS:
        from pyproj import CRS

        return CRS.from_epsg(self.epsg)

    def to_map(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = transformer(WGS84, self.epsg).transform(lon, lat)
        return float(x), float(y)

    def to_lon_lat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = transformer(self.epsg, WGS84).transform(x, y)
        return float(lon), float(lat)

    def convergence(self, x: float, y: float) -> float:
        """Degrees from grid north to true north at a map point (the north arrow's tilt)."""
        lon, lat = self.to_lon_lat(x, y)
        factors = _proj(self.epsg).get_factors(lon, lat)
        return float(factors.meridian_convergence)

    def scale_factor(self, x: float, y: float) -> float:
        """Ground metres per map unit: 1/k, close to 1 in UTM (kept for the scale bar)."""
        lon, lat = self.to_lon_lat(x, y)
        factors = _proj(self.epsg).get_factors(lon, lat)
        k = float(factors.meridional_scale)
        return 1.0 / k if k > 0 and math.isfinite(k) else 1.0


def polygons_of(geometry: GeoJSON) -> list[list[list[Sequence[float]]]]:
    """The polygons (lists of rings) of a Polygon or MultiPolygon; [] for anything else."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(coordinates, list):
        return []
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        return list(coordinates)
    return []


@dataclass(frozen=True, slots=True)
class FieldOutline:
    """A field's outline as the map needs it: id, name (server text), GeoJSON in WGS84."""

    field_id: str
    name: str
    organization_id: str
    boundary: GeoJSON

    def lon_lats(self) -> list[tuple[float, float]]:
        return [
            (float(p[0]), float(p[1]))
            for polygon in polygons_of(self.boundary)
            for p in (polygon[0] if polygon else [])
        ]


def project_rings(boundary: GeoJSON, crs: MapCrs) -> list[list[Ring]]:
    """Every polygon's rings (exterior first, then holes) in map coordinates."""
    import numpy as np

    to_map = transformer(WGS84, crs.epsg)
    out: list[list[Ring]] = []
    for polygon in polygons_of(boundary):
        rings: list[Ring] = []
        for ring in polygon:
            points = np.asarray([(float(p[0]), float(p[1])) for p in ring], dtype=np.float64)
            if points.shape[0] < 3:
                continue
            x, y = to_map.transform(points[:, 0], points[:, 1])
            rings.append(np.column_stack([x, y]))
        if rings:
            out.append(rings)
    return out


def bounds_of(rings: Sequence[Sequence[Ring]]) -> tuple[float, float, float, float] | None:
    """(left, bottom, right, top) of projected rings; None when there are none."""
    import numpy as np

    arrays = [ring for polygon in rings for ring in polygon]
    if not arrays:
        return None
    stacked = np.concatenate(arrays)
    return (
        float(stacked[:, 0].min()),
        float(stacked[:, 1].min()),
        float(stacked[:, 0].max()),
        float(stacked[:, 1].max()),
    )
