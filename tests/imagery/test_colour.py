"""Ramps, stretches and colouring: the legend's range is the stretch's range."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from app.imagery.geo import MapCrs, project_rings, utm_epsg
from app.imagery.ramps import Ramp, default_ramp, lut
from app.imagery.raster import MosaicRaster
from app.imagery.render import Style, colourise, to_rgba
from app.imagery.stretch import BandStats, Stretch, ValueRange, value_range
from app.imagery.tiles import LruCache
from tests.imagery.conftest import SampleMosaic


def test_ramps_run_from_their_first_to_their_last_colour() -> None:
    table = lut(Ramp.RED_YELLOW_GREEN)
    assert table.shape == (256, 3)
    assert table[0, 0] > table[0, 1], "the low end of NDVI is red"
    assert table[-1, 1] > table[-1, 0], "the high end is green"
    assert default_ramp("NDVI") is Ramp.RED_YELLOW_GREEN
    assert default_ramp("THERMAL") is Ramp.THERMAL
    assert default_ramp("WEED_DETECTION") is Ramp.SEQUENTIAL


def test_stretches_give_their_ranges() -> None:
    stats = BandStats.of(np.arange(0, 101, dtype=np.float32) / 100)
    assert stats is not None
    assert value_range(Stretch.MIN_MAX, stats, rgb=False, thermal=False) == ValueRange(0.0, 1.0)
    p = value_range(Stretch.PERCENT_2_98, stats, rgb=False, thermal=False)
    assert p.low == pytest.approx(0.02) and p.high == pytest.approx(0.98)
    assert value_range(Stretch.FIXED, stats, rgb=False, thermal=False) == ValueRange(-1.0, 1.0)
    # °C cannot use −1…1: a thermal mosaic keeps its percentile stretch.
    assert value_range(Stretch.FIXED, stats, rgb=False, thermal=True) == p
    assert BandStats.of(np.array([np.nan])) is None


def test_colourise_maps_the_range_ends_to_the_ramp_ends_and_clears_nodata() -> None:
    values = np.array([[[-1.0, 0.0, 1.0, 5.0]]], dtype=np.float32)
    valid = np.array([[True, True, True, False]])
    out = to_rgba(colourise(values, valid, Style(Ramp.RED_YELLOW_GREEN, (ValueRange(-1.0, 1.0),))))
    table = lut(Ramp.RED_YELLOW_GREEN)
    assert tuple(out[0, 0, :3]) == tuple(table[0])
    assert tuple(out[0, 2, :3]) == tuple(table[-1])
    assert out[0, 0, 3] == 255 and tuple(out[0, 3]) == (0, 0, 0, 0)


def test_rgb_stretch_per_band() -> None:
    values = np.array([[[10, 20]], [[0, 200]], [[50, 60]]], dtype=np.uint8)
    ranges = (ValueRange(10, 20), ValueRange(0, 255), ValueRange(0, 255))
    out = to_rgba(colourise(values, np.ones((1, 2), dtype=bool), Style(Ramp.GREY, ranges)))
    assert out[0, 0, 0] == 0 and out[0, 1, 0] == 255
    assert out[0, 1, 1] == 200


def test_stats_are_those_of_the_valid_pixels(samples: dict[str, SampleMosaic]) -> None:
    sample = samples["NDVI"]
    lon, lat = sample.outline.lon_lats()[0]
    with (
        MosaicRaster(sample.path, MapCrs(utm_epsg(lon, lat))) as raster,
        rasterio.open(sample.path) as tif,
    ):
        (stats,) = raster.stats()
        data = tif.read(1)
        valid = data[data != tif.nodata]
        assert stats is not None
        # Read from the full file at this size (no level coarser than 1,024 px needed).
        assert stats.minimum == pytest.approx(float(valid.min()))
        assert stats.maximum == pytest.approx(float(valid.max()))
        assert -0.2 < stats.p2 < stats.p98 < 1.0


def test_histogram_counts_only_pixels_inside_the_field(samples: dict[str, SampleMosaic]) -> None:
    sample = samples["NDVI"]
    lon, lat = sample.outline.lon_lats()[0]
    crs = MapCrs(utm_epsg(lon, lat))
    rings = project_rings(sample.outline.boundary, crs)
    with MosaicRaster(sample.path, crs) as raster, rasterio.open(sample.path) as tif:
        counts, edges = raster.histogram(rings, None, value_range=(-1.0, 1.0), bins=40)
        valid = int(np.count_nonzero(tif.read(1) != tif.nodata))
        assert len(edges) == 41
        # Nodata lies outside the outline, so the count is the valid pixels, give or take
        # the pixels the outline's edge cuts.
        assert abs(int(counts.sum()) - valid) < 0.03 * valid
        g = raster.grid
        half = (g.left, g.top - g.height * g.pixel / 2, g.left + g.width * g.pixel, g.top)
        top_counts, _ = raster.histogram(rings, half, value_range=(-1.0, 1.0), bins=40)
        assert 0 < top_counts.sum() < counts.sum()


def test_lru_cache_stays_within_its_budget() -> None:
    cache: LruCache[int, bytes] = LruCache(1000, len)
    for i in range(50):
        cache.put(i, b"x" * 100)
        assert cache.used <= 1000
    assert cache.get(0) is None and cache.get(49) is not None
    cache.get(40)
    cache.put(99, b"y" * 100)
    assert cache.get(40) is not None, "a recently used tile stays"
