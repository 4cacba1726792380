"""Mosaic GeoTIFFs on disk: generated on first request, then served from a cache.

The demo must start at once, so nothing is drawn up front. The first time a mosaic's
size or bytes are needed its Cloud-Optimized GeoTIFF is written (GDAL's COG driver:
512-pixel deflate tiles, overviews, the field's UTM CRS) and kept in the cache folder
under a name made of the mosaic id and its plan's digest (content, outline, scale), so a
re-processed mosaic gets a new file and an old one is never served for it.

Pixels go first to a tiled scratch GeoTIFF a block of rows at a time, then the COG
driver copies that into the final layout and builds the overviews; GDAL's block cache is
capped, so even the 16,384-pixel mosaic is written in bounded memory. A file appears
in the cache by an atomic rename, so a concurrent reader (or another simulator sharing
the folder) sees a whole file or none.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import uuid
from pathlib import Path

from platformdirs import user_cache_dir

from app.simulator.rasterplan import RasterPlan

log = logging.getLogger(__name__)

TILE = 512
# Pixels drawn at once: a few float32 arrays of this many pixels (16 MB each) are alive
# while a block is drawn, so memory stays flat whatever the mosaic's size.
_BLOCK_PIXELS = 1 << 22
_GDAL_CACHE_MB = 128


def default_cache_dir() -> Path:
    return Path(user_cache_dir("fielddesk")) / "simulator-imagery"


def tile_size(plan: RasterPlan) -> int:
    """512-pixel tiles as usual, smaller ones for small mosaics so they too get tiles
    and at least one overview level (what a viewer of the test files must cope with)."""
    longest = max(plan.width, plan.height)
    return TILE if longest >= 4 * TILE else 256 if longest >= 1_024 else 128


def overview_count(plan: RasterPlan) -> int:
    longest, tile = max(plan.width, plan.height), tile_size(plan)
    return max(1, math.ceil(math.log2(max(1.0, longest / tile))))


def write_cog(plan: RasterPlan, destination: Path) -> None:
    """Draw `plan` and write it as a COG at `destination` (replaced atomically)."""
    # Imported here: GDAL takes about a second to load, and the demo starts without it.
    import rasterio
    import rasterio.shutil
    from affine import Affine
    from rasterio.crs import CRS
    from rasterio.windows import Window

    from app.simulator.rasterpixels import render

    started = time.perf_counter()
    destination.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:8]
    scratch = destination.with_name(f".{destination.stem}.{token}.scratch.tif")
    partial = destination.with_name(f".{destination.stem}.{token}.part.tif")
    profile = {
        "driver": "GTiff",
        "width": plan.width,
        "height": plan.height,
        "count": plan.bands,
        "dtype": plan.dtype,
        "crs": CRS.from_epsg(plan.epsg),
        "transform": Affine(plan.pixel, 0, plan.left, 0, -plan.pixel, plan.top),
        "nodata": plan.nodata,
        "tiled": True,
        "blockxsize": TILE,
        "blockysize": TILE,
        "BIGTIFF": "IF_SAFER",
    }
    try:
        with rasterio.Env(GDAL_CACHEMAX=_GDAL_CACHE_MB):
            with rasterio.open(scratch, "w", **profile) as out:
                if plan.product == "rgb":
                    out.colorinterp = [
                        rasterio.enums.ColorInterp.red,
                        rasterio.enums.ColorInterp.green,
                        rasterio.enums.ColorInterp.blue,
                    ]
                block_rows = max(16, _BLOCK_PIXELS // plan.width)
                for row0 in range(0, plan.height, block_rows):
                    rows = min(block_rows, plan.height - row0)
                    out.write(render(plan, row0, rows), window=Window(0, row0, plan.width, rows))
            rasterio.shutil.copy(
                scratch,
                partial,
                driver="COG",
                COMPRESS="DEFLATE",
                PREDICTOR="YES",
                BLOCKSIZE=str(tile_size(plan)),
                OVERVIEW_COUNT=str(overview_count(plan)),
                OVERVIEW_RESAMPLING="AVERAGE",
                RESAMPLING="AVERAGE",
                BIGTIFF="IF_SAFER",
                NUM_THREADS="2",
            )
        os.replace(partial, destination)
    finally:
        for leftover in (scratch, partial):
            leftover.unlink(missing_ok=True)
    log.info(
        "generated %s (%dx%d, %d bytes) in %.2f s",
        destination.name,
        plan.width,
        plan.height,
        destination.stat().st_size,
        time.perf_counter() - started,
    )


class ImageryCache:
    """Where each plan's GeoTIFF lives; generates it on first use; thread-safe."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder else default_cache_dir()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def path_of(self, plan: RasterPlan) -> Path:
        return self.folder / f"{plan.key}.tif"

    def is_generated(self, plan: RasterPlan) -> bool:
        return self.path_of(plan).exists()

    def ensure(self, plan: RasterPlan) -> Path:
        """The plan's file, generating it now if needed (once, even if asked twice)."""
        path = self.path_of(plan)
        if path.exists():
            return path
        with self._lock:
            key_lock = self._key_locks.setdefault(plan.key, threading.Lock())
        with key_lock:
            if not path.exists():
                write_cog(plan, path)
        return path

    def size(self, plan: RasterPlan) -> int:
        return self.ensure(plan).stat().st_size
