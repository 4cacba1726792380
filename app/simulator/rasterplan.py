"""What a mosaic's GeoTIFF looks like before any pixel exists: its grid, bands and seed.

A plan is cheap (no pixels), so File records, cache keys and the 16,384-pixel mosaic of
`large` can be described without generating anything. The grid is in the field's UTM
zone, square pixels, covering the field's outline plus a small margin; how many pixels
depends on the account size, the mosaic's quality and the imagery scale.

CHOICE: products are drawn by `mosaic_type`: RGB is 3-band uint8 (nodata 0), THERMAL is
degrees Celsius and every other type (NDVI, NDRE, multispectral, weed detection, custom
indices) a 1-band float32 index, both with nodata -9999.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from app.simulator.geometry import GeoJSON, digest, polygons_of, to_utm, utm_epsg

GIANT_SIDE = 16_384
FLOAT_NODATA = -9_999.0
RGB_NODATA = 0
_MARGIN = 0.03  # of the outline's extent, on each side
_MIN_SIDE = 32
# Longest side in pixels per account size: (full quality, preview); varied per mosaic.
_SIDES = {"tiny": (320, 192), "demo": (2_048, 1_024), "large": (2_048, 1_024)}


@dataclass(frozen=True, slots=True, eq=False)
class RasterPlan:
    """One mosaic version's raster: grid, product kind and the seed of its pixels."""

    key: str  # cache key and seed: mosaic id, its content, its outline, the scale
    product: str  # "rgb", "index" or "thermal"
    index: str  # the mosaic_type, e.g. NDVI (shapes the value range)
    width: int
    height: int
    epsg: int
    left: float
    top: float
    pixel: float  # metres
    outline_utm: tuple[GeoJSON, ...]  # the field's polygons in the grid's CRS
    centre: tuple[float, float]

    @property
    def bands(self) -> int:
        return 3 if self.product == "rgb" else 1

    @property
    def dtype(self) -> str:
        return "uint8" if self.product == "rgb" else "float32"

    @property
    def nodata(self) -> float:
        return RGB_NODATA if self.product == "rgb" else FLOAT_NODATA

    @property
    def seed(self) -> int:
        return int.from_bytes(hashlib.sha256(self.key.encode()).digest()[:8], "big")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (
            self.left,
            self.top - self.height * self.pixel,
            self.left + self.width * self.pixel,
            self.top,
        )


def product_of(mosaic_type: str) -> str:
    if mosaic_type == "RGB":
        return "rgb"
    return "thermal" if mosaic_type == "THERMAL" else "index"


def _utm_polygons(boundary: GeoJSON, epsg: int) -> tuple[GeoJSON, ...]:
    out = []
    for rings in polygons_of(boundary):
        converted = []
        for ring in rings:
            x, y = to_utm(epsg, [p[0] for p in ring], [p[1] for p in ring])
            converted.append(list(zip(x, y, strict=True)))
        out.append({"type": "Polygon", "coordinates": converted})
    return tuple(out)


def plan_for(
    mosaic: dict[str, Any],
    field: dict[str, Any],
    *,
    size: str,
    scale: float,
    giant: bool = False,
) -> RasterPlan:
    """The raster of one mosaic version over its field's outline."""
    boundary = field["boundary"]
    epsg = utm_epsg(field["longitude"], field["latitude"])
    polygons = _utm_polygons(boundary, epsg)
    xs = [p[0] for poly in polygons for p in poly["coordinates"][0]]
    ys = [p[1] for poly in polygons for p in poly["coordinates"][0]]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    version = hashlib.sha256(
        f"{mosaic['sentera_id']}/{mosaic['content_hash']}/{digest(boundary)}/{scale}".encode()
    ).hexdigest()[:24]
    if giant:
        side = max(_MIN_SIDE, round(GIANT_SIDE * scale))
        extent = max(span_x, span_y) * (1 + 2 * _MARGIN)
        width = height = side
        pixel = extent / side
    else:
        full, preview = _SIDES.get(size, _SIDES["demo"])
        side = full if mosaic.get("quality") == "FULL" else preview
        # 75-100 % of the size's side, so mosaics of one field differ a little.
        spread = 0.75 + 0.25 * (int(version[:4], 16) / 0xFFFF)
        longest = max(_MIN_SIDE, round(side * spread * scale))
        pixel = max(span_x, span_y) * (1 + 2 * _MARGIN) / longest
        width = min(longest, max(_MIN_SIDE, math.ceil(span_x * (1 + 2 * _MARGIN) / pixel)))
        height = min(longest, max(_MIN_SIDE, math.ceil(span_y * (1 + 2 * _MARGIN) / pixel)))
    return RasterPlan(
        key=f"{mosaic['sentera_id']}-{version}",
        product=product_of(str(mosaic.get("mosaic_type", ""))),
        index=str(mosaic.get("mosaic_type", "")),
        width=width,
        height=height,
        epsg=epsg,
        left=cx - width * pixel / 2,
        top=cy + height * pixel / 2,
        pixel=pixel,
        outline_utm=polygons,
        centre=(cx, cy),
    )
