"""Turning a tile's values into RGBA pixels: the ramp or the RGB stretch, nodata clear.

Runs on the map's worker threads (numpy only), so the UI thread only blits finished
images. Opacity is applied when painting, so moving the slider costs no re-render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.imagery.ramps import LUT_SIZE, Ramp, lut
from app.imagery.stretch import ValueRange, normalise


@dataclass(frozen=True, slots=True)
class Style:
    """How a raster is coloured: a ramp over one range, or a range per RGB band."""

    ramp: Ramp
    ranges: tuple[ValueRange, ...]  # one per band read (1 for an index, 3 for RGB)


def colourise(
    values: npt.NDArray[Any], valid: npt.NDArray[np.bool_], style: Style
) -> npt.NDArray[np.uint8]:
    """(bands, h, w) values → (h, w, 4) RGBA, premultiplied-safe (clear where invalid)."""
    _, height, width = values.shape
    out = np.zeros((height, width, 4), dtype=np.uint8)
    if len(style.ranges) >= 3 and values.shape[0] >= 3:
        for band in range(3):
            scaled = normalise(values[band], style.ranges[band])
            out[..., band] = np.round(scaled * 255.0).astype(np.uint8)
    else:
        scaled = normalise(values[0], style.ranges[0])
        index = np.minimum((scaled * LUT_SIZE).astype(np.intp), LUT_SIZE - 1)
        out[..., :3] = lut(style.ramp)[index]
    out[..., 3] = np.where(valid, 255, 0).astype(np.uint8)
    out[~valid, :3] = 0  # premultiplied alpha: a clear pixel has no colour
    return out
