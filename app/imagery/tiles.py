"""The tile grid over a raster, and a bounded, thread-safe LRU cache for tiles.

Tiles are TILE × TILE screen-ready pixels. Level z has pixels 2**z times the raster's
own, so level 0 is the raster at full resolution and each level up halves it, which is
exactly the COG's overview pyramid: a tile of level z reads from the overview with
factor 2**z (or the nearest finer one) and never more pixels than it shows. The grid
starts at the raster's top-left corner, so tile windows are whole pixels at every level.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

TILE = 256

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class TileKey:
    level: int
    column: int
    row: int


@dataclass(frozen=True, slots=True)
class TileGrid:
    """A raster's tiles in map units: origin (top-left), its pixel size, its size."""

    left: float
    top: float
    pixel: float  # map units per full-resolution pixel
    width: int
    height: int

    @property
    def max_level(self) -> int:
        """The level at which the whole raster fits in one tile."""
        return max(0, math.ceil(math.log2(max(self.width, self.height, 1) / TILE)))

    def level_for(self, units_per_screen_pixel: float) -> int:
        """The level whose pixels are nearest the screen's: a tile pixel spans 0.71 to
        1.41 screen pixels. (Always the sharper level would draw up to four times the
        pixels, each shrunk, for a difference the eye hardly sees.)"""
        if units_per_screen_pixel <= self.pixel:
            return 0
        level = math.floor(math.log2(units_per_screen_pixel / self.pixel) + 0.5)
        return min(self.max_level, max(0, level))

    def tile_span(self, level: int) -> float:
        """Map units covered by one tile side at `level`."""
        return TILE * self.pixel * (1 << level)

    def tile_bounds(self, key: TileKey) -> tuple[float, float, float, float]:
        span = self.tile_span(key.level)
        left = self.left + key.column * span
        top = self.top - key.row * span
        return left, top - span, left + span, top

    def tile_pixels(self, key: TileKey) -> tuple[int, int, int, int]:
        """The tile's full-resolution pixel window: (col_off, row_off, cols, rows), clipped
        to the raster; cols or rows is 0 for a tile outside it."""
        side = TILE << key.level
        col0, row0 = key.column * side, key.row * side
        col1, row1 = min(self.width, col0 + side), min(self.height, row0 + side)
        return col0, row0, max(0, col1 - col0), max(0, row1 - row0)

    def tiles_in(
        self, left: float, bottom: float, right: float, top: float, level: int
    ) -> Iterator[TileKey]:
        """The tiles of `level` that cover a map rectangle and hold raster pixels."""
        span = self.tile_span(level)
        count_x = math.ceil(self.width / (TILE << level))
        count_y = math.ceil(self.height / (TILE << level))
        first_c = max(0, math.floor((left - self.left) / span))
        last_c = min(count_x - 1, math.floor((right - self.left) / span))
        first_r = max(0, math.floor((self.top - top) / span))
        last_r = min(count_y - 1, math.floor((self.top - bottom) / span))
        for row in range(first_r, last_r + 1):
            for column in range(first_c, last_c + 1):
                yield TileKey(level, column, row)


class LruCache(Generic[K, V]):
    """At most `budget` bytes of values (as `weigh` counts them), least recent out first.

    Thread-safe: the map's workers put tiles in while the UI thread looks them up.
    """

    def __init__(self, budget: int, weigh: Callable[[V], int]) -> None:
        self.budget = budget
        self._weigh = weigh
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            self._items.move_to_end(key)
            return entry[0]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= old[1]
            self._items[key] = (value, weight)
            self._used += weight
            while self._used > self.budget and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._used -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0

    @property
    def used(self) -> int:
        with self._lock:
            return self._used

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
