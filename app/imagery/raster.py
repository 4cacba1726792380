"""Reading a mosaic's GeoTIFF for the map: only what is visible, at the needed resolution.

A `MosaicRaster` wraps one open file. Its grid is in the map's CRS (see `geo.py`): a
file already in that CRS is read directly, level by level from its overviews; any other
is seen through a GDAL warped VRT in the map's CRS. Every read is a window of one level
of the pyramid, so a 16,384-pixel mosaic costs a few 256-pixel reads to draw whatever
the zoom. A rasterio dataset is not safe to share between threads, so each raster
serialises its reads with a lock; the map gives each mosaic its own raster.

Errors: `RasterError` (the file cannot be used: missing, not a GeoTIFF, no CRS, rotated)
carries a message fit for the user; anything else is a bug.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.features import geometry_mask
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from app.imagery.geo import WGS84, MapCrs, Ring, transformer
from app.imagery.stretch import BandStats
from app.imagery.tiles import TILE, TileGrid, TileKey

# The stretch statistics come from the whole raster when it is small (exact), else
# from a level about 512 pixels across: a quarter of a million pixels puts the
# percentiles well within a colour step, for the price of a block or two.
STATS_EXACT_SIDE = 1_024
STATS_SIDE = 512
HISTOGRAM_SIDE = 1_024


class RasterError(Exception):
    """The file cannot be shown; the message says why, for the user."""


class RasterKind(StrEnum):
    RGB = "rgb"
    INDEX = "index"
    THERMAL = "thermal"


@dataclass(frozen=True, slots=True)
class TileData:
    """One tile's values (bands, TILE, TILE) and where they are valid (TILE, TILE)."""

    values: npt.NDArray[Any]
    valid: npt.NDArray[np.bool_]

    @property
    def nbytes(self) -> int:
        return int(self.values.nbytes + self.valid.nbytes)


@dataclass(frozen=True, slots=True)
class Area:
    """Values read over a map rectangle, and the affine transform of that read."""

    values: npt.NDArray[Any]
    valid: npt.NDArray[np.bool_]
    transform: Any  # affine.Affine in map coordinates


class MosaicRaster:
    """One mosaic file opened for the map (thread-safe; close it when done)."""

    def __init__(self, path: Path, map_crs: MapCrs, *, mosaic_type: str = "") -> None:
        self.path = Path(path)
        self.map_crs = map_crs
        self._lock = threading.Lock()
        self._levels: dict[int, Any] = {}
        try:
            self._src = rasterio.open(self.path)
        except RasterioIOError as error:
            raise RasterError(f"{self.path.name} cannot be opened as a GeoTIFF: {error}") from error
        try:
            self._setup(mosaic_type)
        except BaseException:
            self._src.close()
            raise

    def _setup(self, mosaic_type: str) -> None:
        src = self._src
        if src.crs is None:
            raise RasterError(f"{self.path.name} has no coordinate reference system")
        self.source_epsg = src.crs.to_epsg()
        self.warped = self.source_epsg != self.map_crs.epsg
        base = (
            WarpedVRT(src, crs=self.map_crs.crs, resampling=Resampling.nearest)
            if self.warped
            else src
        )
        self._base = base
        t = base.transform
        if t.b != 0 or t.d != 0 or t.e >= 0 or not math.isclose(t.a, -t.e, rel_tol=1e-6):
            raise RasterError(f"{self.path.name} is rotated or has non-square pixels")
        self.grid = TileGrid(left=t.c, top=t.f, pixel=t.a, width=base.width, height=base.height)
        self.count = src.count
        self.dtype = src.dtypes[0]
        self.nodata = src.nodata
        self.factors: list[int] = [] if self.warped else list(src.overviews(1))
        if src.count >= 3 and self.dtype == "uint8":
            self.kind = RasterKind.RGB
        elif mosaic_type.upper() == "THERMAL":
            self.kind = RasterKind.THERMAL
        else:
            self.kind = RasterKind.INDEX
        self.bands = (1, 2, 3) if self.kind is RasterKind.RGB else (1,)

    # -- levels -------------------------------------------------------------------------
    def _dataset_for(self, factor: float) -> tuple[Any, float]:
        """The finest pyramid level no sharper than needed, and its real factor."""
        if self.warped or not self.factors:
            return self._base, 1.0
        index = -1
        for i, f in enumerate(self.factors):
            if f <= factor + 1e-9:
                index = i
        if index < 0:
            return self._src, 1.0
        dataset = self._levels.get(index)
        if dataset is None:
            dataset = rasterio.open(self.path, overview_level=index)
            self._levels[index] = dataset
        return dataset, self._src.width / dataset.width

    def _valid(self, values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
        if self.kind is RasterKind.RGB:
            nodata = 0 if self.nodata is None else self.nodata
            valid = np.any(values != nodata, axis=0)
        else:
            valid = np.isfinite(values[0])
            if self.nodata is not None:
                valid &= values[0] != self.nodata
        return np.asarray(valid, dtype=bool)

    def _read(
        self,
        col0: float,
        row0: float,
        cols: float,
        rows: float,
        out_w: int,
        out_h: int,
        factor: float,
    ) -> npt.NDArray[Any]:
        """Full-resolution window → (bands, out_h, out_w), read from the level for
        `factor` (full-resolution pixels per output pixel). Call with the lock held."""
        dataset, real = self._dataset_for(factor)
        c0, r0 = round(col0 / real), round(row0 / real)
        window = Window(
            c0,
            r0,
            max(1, min(dataset.width - c0, math.ceil(cols / real))),
            max(1, min(dataset.height - r0, math.ceil(rows / real))),
        )
        if abs(real - factor) <= 0.01 * factor:
            # The level is the one asked for: its pixels as they are, no resampling (an
            # overview may be a pixel narrower than cols / factor: the caller pads).
            out_h, out_w = int(window.height), int(window.width)
        return np.asarray(
            dataset.read(
                list(self.bands),
                window=window,
                out_shape=(len(self.bands), out_h, out_w),
                resampling=Resampling.nearest,
            )
        )

    # -- reads ----------------------------------------------------------------------------
    def read_tile(self, key: TileKey) -> TileData:
        col0, row0, cols, rows = self.grid.tile_pixels(key)
        dtype = np.uint8 if self.kind is RasterKind.RGB else np.float32
        values = np.zeros((len(self.bands), TILE, TILE), dtype=dtype)
        valid = np.zeros((TILE, TILE), dtype=bool)
        if cols and rows:
            factor = 1 << key.level
            out_w, out_h = math.ceil(cols / factor), math.ceil(rows / factor)
            with self._lock:
                data = self._read(col0, row0, cols, rows, out_w, out_h, factor)
            _, h, w = data.shape
            values[:, :h, :w] = data
            valid[:h, :w] = self._valid(data)
        return TileData(values, valid)

    def read_area(self, bounds: tuple[float, float, float, float], max_side: int) -> Area | None:
        """The raster over a map rectangle, at most `max_side` pixels across; None outside."""
        g = self.grid
        left, bottom, right, top = bounds
        col0 = max(0, math.floor((left - g.left) / g.pixel))
        col1 = min(g.width, math.ceil((right - g.left) / g.pixel))
        row0 = max(0, math.floor((g.top - top) / g.pixel))
        row1 = min(g.height, math.ceil((g.top - bottom) / g.pixel))
        if col1 <= col0 or row1 <= row0:
            return None
        cols, rows = col1 - col0, row1 - row0
        step = max(1.0, max(cols, rows) / max_side)
        out_w, out_h = max(1, round(cols / step)), max(1, round(rows / step))
        with self._lock:
            values = self._read(col0, row0, cols, rows, out_w, out_h, step)
        out_h, out_w = values.shape[1:]
        from affine import Affine

        transform = Affine(
            cols * g.pixel / out_w,
            0,
            g.left + col0 * g.pixel,
            0,
            -rows * g.pixel / out_h,
            g.top - row0 * g.pixel,
        )
        return Area(values, self._valid(values), transform)

    def value_at(self, lon: float, lat: float) -> tuple[float, ...] | None:
        """The full-resolution value(s) of the pixel holding a WGS84 point; None outside
        the raster or on nodata. Read from the file itself, never from a tile."""
        x, y = transformer(WGS84, self.source_epsg).transform(lon, lat)
        if not (math.isfinite(x) and math.isfinite(y)):
            return None  # far outside what the raster's CRS can express
        with self._lock:
            row, col = self._src.index(x, y)
            if not (0 <= row < self._src.height and 0 <= col < self._src.width):
                return None
            data = self._src.read(list(self.bands), window=Window(col, row, 1, 1))
        if not self._valid(data)[0, 0]:
            return None
        return tuple(float(v) for v in data[:, 0, 0])

    def stats(self) -> list[BandStats | None]:
        """Per-band statistics for the stretches, from a coarse level of the pyramid."""
        g = self.grid
        bounds = (g.left, g.top - g.height * g.pixel, g.left + g.width * g.pixel, g.top)
        longest = max(g.width, g.height)
        area = self.read_area(bounds, longest if longest <= STATS_EXACT_SIDE else STATS_SIDE)
        if area is None:
            return [None for _ in self.bands]
        return [BandStats.of(band[area.valid]) for band in area.values]

    def histogram(
        self,
        rings: list[list[Ring]],
        bounds: tuple[float, float, float, float] | None,
        *,
        value_range: tuple[float, float],
        bins: int = 64,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Counts of the values inside the field's outline (within `bounds`, or the
        whole raster), in `bins` equal bins over `value_range`. RGB: mean brightness."""
        g = self.grid
        whole = (g.left, g.top - g.height * g.pixel, g.left + g.width * g.pixel, g.top)
        area = self.read_area(bounds or whole, HISTOGRAM_SIDE)
        edges = np.linspace(value_range[0], value_range[1], bins + 1)
        if area is None:
            return np.zeros(bins, dtype=np.int64), edges
        valid = area.valid
        if rings:
            shapes = [
                {"type": "Polygon", "coordinates": [ring.tolist() for ring in polygon]}
                for polygon in rings
            ]
            inside = geometry_mask(
                shapes, out_shape=valid.shape, transform=area.transform, invert=True
            )
            valid = valid & inside
        values = (
            area.values.astype(np.float64).mean(axis=0) if len(self.bands) > 1 else area.values[0]
        )
        counts, edges = np.histogram(values[valid], bins=edges)
        return counts.astype(np.int64), edges

    def close(self) -> None:
        with self._lock:
            for dataset in self._levels.values():
                dataset.close()
            self._levels.clear()
            if self.warped:
                self._base.close()
            self._src.close()

    def __enter__(self) -> MosaicRaster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
