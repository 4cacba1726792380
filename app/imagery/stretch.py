"""Stretches: which value range the colour ramp (or each RGB band) spans.

Min/max shows every value but lets a few outliers wash out the field; 2–98 % clips the
tails, which is what agronomists usually want to see zones; a fixed −1…1 keeps two
dates of an index comparable (the same colour means the same value). Thermal mosaics
are in °C, so a fixed range does not apply to them and falls back to 2–98 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads on first use, not with the window
    import numpy as np
    import numpy.typing as npt


class Stretch(StrEnum):
    MIN_MAX = "min-max"
    PERCENT_2_98 = "2-98"
    FIXED = "fixed"


LABELS = {
    Stretch.MIN_MAX: "Min–max",
    Stretch.PERCENT_2_98: "2–98 %",
    Stretch.FIXED: "−1 … 1",
}
FIXED_INDEX = (-1.0, 1.0)
FIXED_RGB = (0.0, 255.0)


@dataclass(frozen=True, slots=True)
class ValueRange:
    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("a value range must be finite")

    @property
    def span(self) -> float:
        # A flat raster (one value) still needs a non-zero span to divide by.
        return self.high - self.low if self.high > self.low else 1.0


@dataclass(frozen=True, slots=True)
class BandStats:
    """What the stretches need of one band, from a sample of its valid values."""

    minimum: float
    maximum: float
    p2: float
    p98: float

    @classmethod
    def of(cls, values: npt.NDArray[np.floating] | npt.NDArray[np.integer]) -> BandStats | None:
        """Stats of valid (already unmasked) values; None when there are none."""
        import numpy as np

        raw = np.asarray(values).ravel()
        if raw.dtype == np.uint8:
            # Bytes (RGB): exact percentiles from a 256-bin count, without sorting.
            if raw.size == 0:
                return None
            counts = np.bincount(raw, minlength=256)
            cumulative = np.cumsum(counts) / raw.size
            present = np.flatnonzero(counts)
            p2 = float(np.searchsorted(cumulative, 0.02))
            p98 = float(np.searchsorted(cumulative, 0.98))
            return cls(float(present[0]), float(present[-1]), p2, p98)
        flat = raw.astype(np.float64, copy=False)
        flat = flat[np.isfinite(flat)]
        if flat.size == 0:
            return None
        p2, p98 = np.percentile(flat, [2.0, 98.0])
        return cls(float(flat.min()), float(flat.max()), float(p2), float(p98))


def value_range(
    stretch: Stretch, stats: BandStats | None, *, rgb: bool, thermal: bool
) -> ValueRange:
    """The range a stretch gives a band with these stats."""
    if stretch is Stretch.FIXED and not thermal:
        return ValueRange(*(FIXED_RGB if rgb else FIXED_INDEX))
    if stats is None:
        return ValueRange(*(FIXED_RGB if rgb else FIXED_INDEX))
    if stretch is Stretch.MIN_MAX:
        return ValueRange(stats.minimum, stats.maximum)
    return ValueRange(stats.p2, stats.p98)


def normalise(values: npt.NDArray[np.floating], span: ValueRange) -> npt.NDArray[np.float32]:
    """Values mapped to 0..1 over `span`, clipped."""
    import numpy as np

    scaled = (values.astype(np.float32) - np.float32(span.low)) / np.float32(span.span)
    return np.clip(scaled, 0.0, 1.0, out=scaled)
