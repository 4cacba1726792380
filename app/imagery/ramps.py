"""Colour ramps: 256-entry RGB lookup tables built from a few control colours.

An index mosaic is only readable with the right ramp: NDVI and other vegetation indices
read as stress (red) through to vigour (green), so they get a diverging red-yellow-green
ramp; a value with no natural middle (elevation, weed pressure) reads best on a
perceptually even sequential ramp; temperatures on a black-red-yellow-white "thermal"
ramp. The tables are interpolated here from our own control points, so no plotting
library is needed at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy loads on first use, not with the window
    import numpy as np
    import numpy.typing as npt

    Lut = npt.NDArray[np.uint8]  # shape (256, 3)
else:
    Lut = Any

LUT_SIZE = 256


class Ramp(StrEnum):
    RED_YELLOW_GREEN = "red-yellow-green"
    SEQUENTIAL = "sequential"
    THERMAL = "thermal"
    GREY = "grey"


@dataclass(frozen=True, slots=True)
class RampSpec:
    label: str
    stops: tuple[tuple[float, str], ...]  # (position 0..1, "#rrggbb")


SPECS: dict[Ramp, RampSpec] = {
    Ramp.RED_YELLOW_GREEN: RampSpec(
        "Red–yellow–green",
        (
            (0.0, "#a50026"),
            (0.15, "#e34a33"),
            (0.32, "#f99d59"),
            (0.5, "#fdf7b0"),
            (0.68, "#a6d96a"),
            (0.85, "#3faa59"),
            (1.0, "#006837"),
        ),
    ),
    Ramp.SEQUENTIAL: RampSpec(
        "Blue–green–yellow",
        (
            (0.0, "#440154"),
            (0.25, "#3b528b"),
            (0.5, "#21918c"),
            (0.75, "#5ec962"),
            (1.0, "#fde725"),
        ),
    ),
    Ramp.THERMAL: RampSpec(
        "Thermal",
        (
            (0.0, "#000004"),
            (0.25, "#56106e"),
            (0.5, "#bb3754"),
            (0.75, "#f98c0a"),
            (1.0, "#fcffa4"),
        ),
    ),
    Ramp.GREY: RampSpec("Grey", ((0.0, "#000000"), (1.0, "#ffffff"))),
}


def _rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


@cache
def lut(ramp: Ramp) -> Lut:
    """The ramp's 256 colours, darkest/lowest first (read-only)."""
    import numpy as np

    stops = SPECS[ramp].stops
    positions = np.array([p for p, _ in stops])
    colours = np.array([_rgb(c) for _, c in stops], dtype=np.float64)
    x = np.linspace(0.0, 1.0, LUT_SIZE)
    table = np.stack([np.interp(x, positions, colours[:, i]) for i in range(3)], axis=1)
    out = np.round(table).astype(np.uint8)
    out.setflags(write=False)
    return out


def default_ramp(mosaic_type: str) -> Ramp:
    """The ramp an agronomist expects for a mosaic type."""
    kind = mosaic_type.upper()
    if kind == "THERMAL":
        return Ramp.THERMAL
    if kind in {"NDVI", "NDRE", "GNDVI", "OSAVI", "SAVI", "EVI", "VARI", "CIRE", "MCARI"}:
        return Ramp.RED_YELLOW_GREEN
    return Ramp.SEQUENTIAL
