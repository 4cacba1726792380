"""The pixels of a mosaic, one block of rows at a time, with numpy (no per-pixel Python).

Everything that varies in space is a function of ground coordinates (metres from the
field's centre), never of the block: blocks join without seams, a 16,384-pixel mosaic is
drawn a few hundred rows at a time in constant memory, and the same plan always gives
the same pixels. Only the fine grain (sensor noise) comes from a random generator,
seeded per block by the plan's seed and the block's first row.

The picture: a crop's vigour varies smoothly across the field (soil, moisture), with a
few stressed zones (weed pressure in patches, a drainage swale, a hail swath); RGB shows
planted rows over soil and bare patches where vigour is low.
"""

from __future__ import annotations

import math

import numpy as np
from affine import Affine
from numpy.typing import NDArray
from rasterio.features import geometry_mask

from app.simulator.rasterplan import RGB_NODATA, RasterPlan

Array = NDArray[np.float32]
ROW_SPACING = 0.76  # metres: 30-inch rows
# (value at no vigour, value at full canopy) per index product; also its valid range.
_INDEX_RANGES = {
    "NDVI": (-0.1, 0.95),
    "NDRE": (-0.05, 0.6),
}
_DEFAULT_RANGE = (-0.1, 0.95)


def _wave(x: Array, y: Array, kx: float, ky: float, phase: float) -> Array:
    """sin(kx*x + ky*y + phase) for a row vector x and a column vector y.

    Split by sin(a + b) = sin a cos b + cos a sin b, so only 1-D arrays go through the
    trigonometry and the 2-D work is two multiply-adds.
    """
    a, b = kx * x, ky * y + phase
    result: Array = np.sin(a) * np.cos(b) + np.cos(a) * np.sin(b)
    return result


class _Scene:
    """The seeded parameters of one mosaic's landscape (a few dozen numbers)."""

    def __init__(self, plan: RasterPlan) -> None:
        rng = np.random.default_rng(plan.seed)
        size = max(plan.width, plan.height) * plan.pixel
        self.size = size
        # Smooth variation: a handful of plane waves, wavelengths a fraction of the field.
        self.waves = []
        for _ in range(6):
            angle = float(rng.uniform(0, math.pi))
            k = 2 * math.pi / (float(rng.uniform(0.15, 0.8)) * size)
            amp = float(rng.uniform(0.5, 1.0)) / 6
            self.waves.append(
                (k * math.cos(angle), k * math.sin(angle), float(rng.uniform(0, 6.3)), amp)
            )
        # Stressed zones: (kind, centre x, centre y, radius x, radius y, angle, depth).
        self.zones: list[tuple[str, float, float, float, float, float, float]] = []
        for kind in ("weeds", "drainage", "hail", *rng.choice(["weeds", "drainage"], 2)):
            stretch = 3.0 if kind == "drainage" else 1.0
            self.zones.append((
                str(kind),
                float(rng.uniform(-0.3, 0.3)) * size,
                float(rng.uniform(-0.3, 0.3)) * size,
                float(rng.uniform(0.05, 0.15)) * size * stretch,
                float(rng.uniform(0.05, 0.15)) * size,
                float(rng.uniform(0, math.pi)),
                float(rng.uniform(0.25, 0.5)),
            ))  # fmt: skip
        self.row_angle = float(rng.uniform(0, math.pi))

    def vigour(self, x: Array, y: Array) -> Array:
        """0 (bare) to 1 (full canopy) at ground coordinates (x a row, y a column)."""
        value = np.full((y.shape[0], x.shape[1]), 0.76, dtype=np.float32)
        for kx, ky, phase, amp in self.waves:
            value += 0.35 * amp * _wave(x, y, kx, ky, phase)
        for kind, cx, cy, rx, ry, angle, depth in self.zones:
            c, s = math.cos(angle), math.sin(angle)
            dx, dy = x - cx, y - cy
            if kind == "hail":  # a long straight swath crossing the field
                v = dy * c - dx * s
                streaks = 0.7 + 0.3 * _wave(x, y, c / (0.01 * self.size), s / (0.01 * self.size), 0)
                falloff = np.exp(-((v / ry) ** 2)) * streaks
            else:
                # (u/rx)^2 + (v/ry)^2 with u, v the rotated offsets, expanded so the
                # only 2-D term is the cross product.
                a, b = c * c / rx**2 + s * s / ry**2, s * s / rx**2 + c * c / ry**2
                cross = 2 * c * s * (1 / rx**2 - 1 / ry**2)
                falloff = np.exp(-(a * dx * dx + b * dy * dy + cross * (dy * dx)))
            if kind == "weeds":  # patchy, not a smooth dip
                patches = np.sin(x / (0.013 * self.size)) * np.cos(y / (0.011 * self.size))
                falloff *= 0.5 + 0.5 * patches
            value -= depth * falloff
        return np.clip(value, 0.0, 1.0)


def _grid(plan: RasterPlan, row0: int, rows: int) -> tuple[Array, Array]:
    """Ground coordinates of pixel centres: x as a row vector, y as a column vector."""
    cols = np.arange(plan.width, dtype=np.float64)
    lines = np.arange(row0, row0 + rows, dtype=np.float64)
    x = (plan.left - plan.centre[0]) + (cols + 0.5) * plan.pixel
    y = (plan.top - plan.centre[1]) - (lines + 0.5) * plan.pixel
    return x.astype(np.float32)[np.newaxis, :], y.astype(np.float32)[:, np.newaxis]


def inside_mask(plan: RasterPlan, row0: int, rows: int) -> NDArray[np.bool_]:
    """True where a pixel's centre lies inside the field's outline."""
    transform = Affine(plan.pixel, 0, plan.left, 0, -plan.pixel, plan.top - row0 * plan.pixel)
    mask: NDArray[np.bool_] = geometry_mask(
        plan.outline_utm, out_shape=(rows, plan.width), transform=transform, invert=True
    )
    return mask


def _grain(noise: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Sensor noise: standard normal, float32."""
    grain: Array = noise.standard_normal(shape, dtype=np.float32)
    return grain


def render(plan: RasterPlan, row0: int, rows: int) -> NDArray[np.generic]:
    """Rows [row0, row0 + rows) of every band, nodata outside the outline."""
    scene = _Scene(plan)
    x, y = _grid(plan, row0, rows)
    vigour = scene.vigour(x, y)
    noise = np.random.default_rng([plan.seed, row0])
    inside = inside_mask(plan, row0, rows)
    if plan.product == "rgb":
        return _rgb(plan, scene, x, y, vigour, noise, inside)
    if plan.product == "thermal":
        # Stressed plants transpire less and run warmer than a full canopy.
        values = 22.0 + 12.0 * (1.0 - vigour) + 0.3 * _grain(noise, vigour.shape)
    else:
        low, high = _INDEX_RANGES.get(plan.index, _DEFAULT_RANGE)
        values = low + (high - low) * vigour + 0.015 * _grain(noise, vigour.shape)
        values = np.clip(values, low, high)
    out = np.where(inside, values, plan.nodata).astype(np.float32)
    return out[np.newaxis]


def _rgb(
    plan: RasterPlan,
    scene: _Scene,
    x: Array,
    y: Array,
    vigour: Array,
    noise: np.random.Generator,
    inside: NDArray[np.bool_],
) -> NDArray[np.uint8]:
    # Rows stay visible at coarse resolutions: never closer than 3.5 pixels.
    spacing = max(ROW_SPACING, 3.5 * plan.pixel)
    k = 2 * math.pi / spacing
    row = 0.5 + 0.5 * _wave(x, y, k * math.cos(scene.row_angle), k * math.sin(scene.row_angle), 0)
    # Canopy closes over the rows as vigour rises; low vigour leaves bare soil.
    cover = np.clip(1.25 * vigour - 0.25 + (row - 0.5) * 0.9 * (1.0 - vigour), 0.0, 1.0)
    soil = np.array([128.0, 100.0, 74.0], dtype=np.float32)[:, None, None]
    leaf = np.array([58.0, 118.0, 44.0], dtype=np.float32)[:, None, None]
    grain = 6.0 * _grain(noise, vigour.shape)[np.newaxis]
    colour = soil * (1.0 - cover) + leaf * cover + grain
    pixels: NDArray[np.uint8] = np.clip(colour, 1, 255).astype(np.uint8)  # 0 is nodata
    pixels[:, ~inside] = RGB_NODATA
    return pixels
