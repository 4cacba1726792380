"""Turning a tile's values into pixels: the ramp or the RGB stretch, nodata clear.

Runs on the map's worker threads (numpy only), so the UI thread only blits finished
images. Pixels come out packed as 0xAARRGGBB in native uint32s, which is the memory
layout of Qt's ARGB32_Premultiplied (the raster paint engine's own format): the image is
drawn as it is, without a conversion per paint. Opaque pixels are their own
premultiplied value and nodata is 0 (clear). Opacity is applied when painting, so moving
the slider costs no re-render.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from app.imagery.ramps import LUT_SIZE, Ramp, lut
from app.imagery.stretch import ValueRange

if TYPE_CHECKING:  # numpy loads on first use (a worker), not with the window
    import numpy as np
    import numpy.typing as npt

OPAQUE = 0xFF000000


@dataclass(frozen=True, slots=True)
class Style:
    """How a raster is coloured: a ramp over one range, or a range per RGB band."""

    ramp: Ramp
    ranges: tuple[ValueRange, ...]  # one per band read (1 for an index, 3 for RGB)


@cache
def packed_lut(ramp: Ramp) -> npt.NDArray[np.uint32]:
    import numpy as np

    table = lut(ramp).astype(np.uint32)
    packed = (np.uint32(OPAQUE) | (table[:, 0] << 16) | (table[:, 1] << 8) | table[:, 2]).astype(
        np.uint32
    )
    packed.setflags(write=False)
    return packed


def _bytes(values: npt.NDArray[Any], span: ValueRange) -> npt.NDArray[np.uint8]:
    """Values scaled to 0..255 over `span`, clipped (one pass of float32 arithmetic)."""
    import numpy as np

    scaled = values.astype(np.float32)
    scaled -= np.float32(span.low)
    scaled *= np.float32((LUT_SIZE - 1) / span.span)
    np.clip(scaled, 0.0, LUT_SIZE - 1, out=scaled)
    scaled += np.float32(0.5)  # round to nearest
    return scaled.astype(np.uint8)


def colourise(
    values: npt.NDArray[Any], valid: npt.NDArray[np.bool_], style: Style
) -> npt.NDArray[np.uint32]:
    """(bands, h, w) values → (h, w) packed 0xAARRGGBB, 0 where not valid."""
    import numpy as np

    packed: npt.NDArray[np.uint32]
    if len(style.ranges) >= 3 and values.shape[0] >= 3:
        r, g, b = (_bytes(values[i], style.ranges[i]).astype(np.uint32) for i in range(3))
        packed = (np.uint32(OPAQUE) | (r << 16) | (g << 8) | b).astype(np.uint32, copy=False)
    else:
        packed = packed_lut(style.ramp)[_bytes(values[0], style.ranges[0])]
    packed[~valid] = 0
    return packed


def to_rgba(packed: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """Packed pixels as (h, w, 4) R, G, B, A bytes (for tests and exports)."""
    import numpy as np

    return np.stack([(packed >> shift).astype(np.uint8) for shift in (16, 8, 0, 24)], axis=-1)
