"""Check a finished `.part` before it becomes the mosaic's file: size, then GeoTIFF.

Opening it with rasterio reads the header and the tile index only (not the pixels), so
this costs milliseconds even for a multi-gigabyte mosaic, and catches a body that is
the right length but not a GeoTIFF (an error page, a splice of two versions).
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.files.errors import VerificationFailed
from app.files.fetch import part_size

log = logging.getLogger(__name__)


def verify_geotiff(path: Path, *, size: int) -> None:
    got = part_size(path)
    if got != size:
        raise VerificationFailed(f"The downloaded file has {got} bytes, not {size}.")
    # rasterio is imported here: loading GDAL costs a noticeable moment, and only a
    # finished download needs it.
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with rasterio.open(path) as dataset:
            if dataset.count < 1 or dataset.width < 1 or dataset.height < 1:
                raise VerificationFailed("The downloaded file holds no raster.")
            if dataset.driver != "GTiff":
                raise VerificationFailed("The downloaded file is not a GeoTIFF.")
    except RasterioError as error:
        raise VerificationFailed(
            f"The downloaded file is not a readable GeoTIFF: {error}"
        ) from error
