"""A mosaic on the map: its tiles, rendered off the UI thread, painted from a cache.

The layer opens its `MosaicRaster` on the `imagery` pool, then renders each visible
tile there too (read the window at the level the zoom needs, colour it, make a QImage).
`paint()` runs on the UI thread and only ever looks in the image cache: a missing tile
is requested and, meanwhile, the nearest coarser tile already rendered stands in for
it, so panning never shows holes and never waits for a file. Requests for tiles that
have left the view by the time a worker gets to them are dropped unread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QImage, QPainter

from app.imagery.geo import MapCrs, Ring
from app.imagery.ramps import Ramp, default_ramp
from app.imagery.render import Style, colourise
from app.imagery.stretch import BandStats, Stretch, ValueRange, value_range
from app.imagery.tiles import TILE, LruCache, TileGrid, TileKey
from app.ui.common.tasks import IMAGERY, TaskManager

log = logging.getLogger(__name__)

IMAGE_CACHE_BYTES = 96 << 20  # rendered tiles, per layer
DATA_CACHE_BYTES = 64 << 20  # raw values, per layer (restyling needs no re-read)
_FALLBACK_LEVELS = 4


@dataclass(frozen=True, slots=True)
class View:
    """What the canvas shows: map centre, map units per screen pixel, widget size."""

    cx: float
    cy: float
    res: float
    width: int
    height: int

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        half_w, half_h = self.width * self.res / 2, self.height * self.res / 2
        return self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.cx) / self.res + self.width / 2, (self.cy - y) / self.res + self.height / 2

    def to_map(self, sx: float, sy: float) -> tuple[float, float]:
        return self.cx + (sx - self.width / 2) * self.res, self.cy - (
            sy - self.height / 2
        ) * self.res


@dataclass(frozen=True, slots=True)
class Opened:
    raster: Any  # MosaicRaster (imported on the worker: GDAL loads there, not at start-up)
    stats: list[BandStats | None]


def _open(path: Path, crs: MapCrs, mosaic_type: str) -> Opened:
    from app.imagery.raster import MosaicRaster

    raster = MosaicRaster(path, crs, mosaic_type=mosaic_type)
    try:
        return Opened(raster, raster.stats())
    except BaseException:
        raster.close()
        raise


class RasterLayer(QObject):
    ready = Signal()  # opened: grid, kind and stats known
    failed = Signal(str)  # could not be opened: why, for the user
    updated = Signal()  # a tile arrived or the style changed: repaint
    restyled = Signal()  # the ranges changed (the compared layer follows)
    value_found = Signal(float, float, object)  # lon, lat, tuple of values or None
    histogram_ready = Signal(object, object)  # counts, edges

    def __init__(
        self,
        tasks: TaskManager,
        path: Path,
        crs: MapCrs,
        *,
        mosaic_id: str,
        mosaic_type: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.path = path
        self.crs = crs
        self.mosaic_id = mosaic_id
        self.mosaic_type = mosaic_type
        self.raster: Any = None
        self.stats: list[BandStats | None] = []
        self.ramp = default_ramp(mosaic_type)
        self.stretch = Stretch.PERCENT_2_98
        self.style: Style | None = None
        # Set while compared: the other date's ranges, so one colour means one value.
        self.shared_ranges: tuple[ValueRange, ...] | None = None
        self._generation = 0  # bumped by every restyle: older renders are dropped
        self._images: LruCache[tuple[int, TileKey], QImage] = LruCache(
            IMAGE_CACHE_BYTES, lambda image: image.sizeInBytes()
        )
        self._pending: set[tuple[int, TileKey]] = set()
        self._wanted: frozenset[TileKey] = frozenset()
        self._value_busy = False
        self._value_next: tuple[float, float] | None = None
        self.closed = False
        self.complete = False  # the last paint drew every wanted tile at its level

    # -- opening --------------------------------------------------------------------------
    def open(self) -> None:
        path, crs, kind = self.path, self.crs, self.mosaic_type
        self.tasks.run_in_background(
            lambda: _open(path, crs, kind), self._opened, on_error=self._open_failed, pool=IMAGERY
        )

    def _opened(self, opened: Opened) -> None:
        if self.closed:
            self._release(opened.raster)
            return
        self.raster, self.stats = opened.raster, opened.stats
        from app.imagery.raster import MosaicRaster, RasterKind

        assert isinstance(self.raster, MosaicRaster)
        self._data: LruCache[TileKey, Any] = LruCache(DATA_CACHE_BYTES, lambda tile: tile.nbytes)
        self.is_rgb = self.raster.kind is RasterKind.RGB
        self.is_thermal = self.raster.kind is RasterKind.THERMAL
        self._restyle()
        self.ready.emit()

    def _open_failed(self, error: Exception) -> None:
        from app.imagery.raster import RasterError

        log.warning("could not open %s for the map: %s", self.path, error)
        self.failed.emit(
            str(error)
            if isinstance(error, RasterError)
            else f"This mosaic's file cannot be shown ({error})."
        )

    @property
    def grid(self) -> TileGrid | None:
        return self.raster.grid if self.raster is not None else None

    # -- style -----------------------------------------------------------------------------
    def set_style(
        self,
        *,
        ramp: Ramp | None = None,
        stretch: Stretch | None = None,
        shared: tuple[ValueRange, ...] | bool | None = False,
    ) -> None:
        """Change the colouring; `shared` (a range per band, or None to drop it) makes
        this layer use another's ranges (compare); False leaves that as it is."""
        if ramp is not None:
            self.ramp = ramp
        if stretch is not None:
            self.stretch = stretch
        if shared is not False:
            self.shared_ranges = shared if isinstance(shared, tuple) else None
        if self.raster is not None:
            self._restyle()

    def _restyle(self) -> None:
        if self.shared_ranges is not None:
            ranges = self.shared_ranges
        else:
            ranges = tuple(
                value_range(self.stretch, s, rgb=self.is_rgb, thermal=self.is_thermal)
                for s in self.stats
            )
        if self.is_rgb and ranges:
            # One range for the three bands: a per-band stretch shifts the hues and turns
            # the sensor's noise in a narrow band into coloured speckle.
            linked = ValueRange(min(r.low for r in ranges), max(r.high for r in ranges))
            ranges = (linked,) * len(ranges)
        self.style = Style(self.ramp, ranges)
        self.restyled.emit()
        self._generation += 1
        self._images.clear()
        self._pending.clear()
        self.updated.emit()

    @property
    def legend_range(self) -> ValueRange | None:
        """The values the ramp spans (the legend's), None for RGB or before opening."""
        if self.style is None or self.is_rgb:
            return None
        return self.style.ranges[0]

    # -- painting (UI thread; caches only) -----------------------------------------------
    def paint(
        self,
        painter: QPainter,
        view: View,
        opacity: float,
        pixel_ratio: float = 1.0,
        *,
        smooth: bool = True,
    ) -> None:
        """Draw what the cache holds for `view`; ask for what it lacks. `smooth`
        (bilinear scaling) is for a settled view: while it moves, speed wins."""
        grid = self.grid
        if grid is None or self.style is None:
            return
        # On a HiDPI screen a logical pixel holds several device pixels: read sharper.
        level = grid.level_for(view.res / max(1.0, pixel_ratio))
        wanted = list(grid.tiles_in(*view.bounds, level))
        self._wanted = frozenset(wanted)
        painter.save()
        painter.setOpacity(opacity)
        painter.setRenderHint(
            QPainter.RenderHint.SmoothPixmapTransform, smooth and view.res > grid.pixel
        )
        missing = [key for key in wanted if self._images.get((self._generation, key)) is None]
        drawn_parents: set[TileKey] = set()
        for key in missing:
            self._request(key)
            for up in range(1, _FALLBACK_LEVELS + 1):
                if key.level + up > grid.max_level:
                    break
                parent = TileKey(key.level + up, key.column >> up, key.row >> up)
                if parent in drawn_parents:
                    break
                image = self._images.get((self._generation, parent))
                if image is not None:
                    drawn_parents.add(parent)
                    self._draw(painter, view, grid, parent, image)
                    break
        for key in wanted:
            image = self._images.get((self._generation, key))
            if image is not None:
                self._draw(painter, view, grid, key, image)
        painter.restore()
        self.complete = not missing

    @staticmethod
    def _draw(painter: QPainter, view: View, grid: TileGrid, key: TileKey, image: QImage) -> None:
        left, bottom, right, top = grid.tile_bounds(key)
        x0, y0 = view.to_screen(left, top)
        x1, y1 = view.to_screen(right, bottom)
        painter.drawImage(QRectF(x0, y0, x1 - x0, y1 - y0), image)

    def _request(self, key: TileKey) -> None:
        token = (self._generation, key)
        if token in self._pending:
            return
        self._pending.add(token)
        raster, style, data = self.raster, self.style, self._data
        assert style is not None

        def render() -> QImage | None:
            if key not in self._wanted:
                return None  # scrolled away before its turn: not read
            tile = data.get(key)
            if tile is None:
                tile = raster.read_tile(key)
                data.put(key, tile)
            import numpy as np  # on the worker: loaded there, not with the window

            pixels = np.ascontiguousarray(colourise(tile.values, tile.valid, style))
            image = QImage(
                pixels.data, TILE, TILE, TILE * 4, QImage.Format.Format_ARGB32_Premultiplied
            )
            return image.copy()  # owns its pixels once `pixels` is gone

        self.tasks.run_in_background(
            render,
            lambda image: self._rendered(token, image),
            on_error=self._tile_failed,
            pool=IMAGERY,
        )

    def _rendered(self, token: tuple[int, TileKey], image: QImage | None) -> None:
        self._pending.discard(token)
        if self.closed or token[0] != self._generation:
            return
        if image is not None:
            self._images.put(token, image)
        self.updated.emit()

    def _tile_failed(self, error: Exception) -> None:
        log.warning("a tile of %s could not be read: %s", self.path.name, error)

    # -- values and histograms --------------------------------------------------------------
    def request_value(self, lon: float, lat: float) -> None:
        """Ask for the full-resolution value at a point; the latest ask wins."""
        if self.raster is None:
            return
        if self._value_busy:
            self._value_next = (lon, lat)
            return
        self._value_busy = True
        raster = self.raster
        self.tasks.run_in_background(
            lambda: raster.value_at(lon, lat),
            lambda values: self._value_done(lon, lat, values),
            on_error=lambda _error: self._value_done(lon, lat, None),
            pool=IMAGERY,
        )

    def _value_done(self, lon: float, lat: float, values: object) -> None:
        self._value_busy = False
        if self.closed:
            return
        self.value_found.emit(lon, lat, values)
        if self._value_next is not None:
            point, self._value_next = self._value_next, None
            self.request_value(*point)

    def request_histogram(
        self, rings: list[list[Ring]], bounds: tuple[float, float, float, float] | None
    ) -> None:
        raster, style = self.raster, self.style
        if raster is None or style is None:
            return
        span = (0.0, 255.0) if self.is_rgb else (style.ranges[0].low, style.ranges[0].high)
        self.tasks.run_in_background(
            lambda: raster.histogram(rings, bounds, value_range=span),
            lambda result: self.histogram_ready.emit(*result),
            pool=IMAGERY,
        )

    # -- closing -----------------------------------------------------------------------------
    def close(self) -> None:
        """Forget the tiles; the file is closed by a worker once reads in flight end."""
        self.closed = True
        self._images.clear()
        self._wanted = frozenset()
        if self.raster is not None:
            self._release(self.raster)
            self.raster = None

    def _release(self, raster: Any) -> None:
        release: Callable[[], None] = raster.close
        self.tasks.run_in_background(release, None, pool=IMAGERY)
