"""Reading the simulator's COGs for the map: windows, levels, values, alignment."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from app.imagery.geo import MapCrs, project_rings, utm_epsg
from app.imagery.raster import MosaicRaster, RasterError, RasterKind
from app.imagery.tiles import TILE, TileKey
from tests.imagery.conftest import SampleMosaic


def _map_crs_of(sample: SampleMosaic) -> MapCrs:
    lon, lat = sample.outline.lon_lats()[0]
    return MapCrs(utm_epsg(lon, lat))


def _inner_points(sample: SampleMosaic, count: int = 25) -> list[tuple[float, float]]:
    """Lon/lat points spread over the raster (some on nodata, most on the field)."""
    with rasterio.open(sample.path) as tif:
        from pyproj import Transformer

        to_wgs = Transformer.from_crs(tif.crs, "EPSG:4326", always_xy=True)
        left, bottom, right, top = tif.bounds
        points = []
        for i in range(count):
            fx, fy = (i % 5 + 0.5) / 5, (i // 5 + 0.5) / 5
            points.append(
                to_wgs.transform(left + fx * (right - left), bottom + fy * (top - bottom))
            )
    return points


@pytest.mark.parametrize("kind", ["NDVI", "RGB", "THERMAL"])
def test_value_at_a_point_is_rasterios_own_sample(
    samples: dict[str, SampleMosaic], kind: str
) -> None:
    sample = samples[kind]
    points = _inner_points(sample)
    with (
        MosaicRaster(sample.path, _map_crs_of(sample), mosaic_type=kind) as raster,
        rasterio.open(sample.path) as tif,
    ):
        from pyproj import Transformer

        to_src = Transformer.from_crs("EPSG:4326", tif.crs, always_xy=True)
        seen_values = 0
        for lon, lat in points:
            expected = next(tif.sample([to_src.transform(lon, lat)]))
            got = raster.value_at(lon, lat)
            if np.all(expected == tif.nodata):
                assert got is None
            else:
                assert got is not None
                assert got == pytest.approx(tuple(float(v) for v in expected))
                seen_values += 1
        assert seen_values >= 10, "most sample points fall on the field"


def test_kinds_follow_bands_and_mosaic_type(samples: dict[str, SampleMosaic]) -> None:
    expected = {"NDVI": RasterKind.INDEX, "RGB": RasterKind.RGB, "THERMAL": RasterKind.THERMAL}
    for kind, want in expected.items():
        with MosaicRaster(
            samples[kind].path, _map_crs_of(samples[kind]), mosaic_type=kind
        ) as raster:
            assert raster.kind is want
            assert not raster.warped, "the simulator writes in the field's UTM zone"


def test_full_resolution_tile_equals_the_raster_window(samples: dict[str, SampleMosaic]) -> None:
    sample = samples["NDVI"]
    with (
        MosaicRaster(sample.path, _map_crs_of(sample)) as raster,
        rasterio.open(sample.path) as tif,
    ):
        tile = raster.read_tile(TileKey(0, 1, 0))
        cols = min(TILE, tif.width - TILE)
        window = rasterio.windows.Window(TILE, 0, cols, min(TILE, tif.height))
        expected = tif.read(1, window=window)
        np.testing.assert_array_equal(tile.values[0, : expected.shape[0], :cols], expected)
        np.testing.assert_array_equal(
            tile.valid[: expected.shape[0], :cols], expected != tif.nodata
        )
        assert not tile.valid[:, cols:].any(), "beyond the raster's edge is clear"


def test_a_coarse_tile_reads_the_matching_overview(samples: dict[str, SampleMosaic]) -> None:
    sample = samples["NDVI"]
    with MosaicRaster(sample.path, _map_crs_of(sample)) as raster:
        assert raster.factors, "a COG has overviews"
        level = raster.grid.max_level
        factor = 1 << level
        tile = raster.read_tile(TileKey(level, 0, 0))
        with rasterio.open(sample.path, overview_level=raster.factors.index(factor)) as overview:
            expected = overview.read(1)
        np.testing.assert_array_equal(
            tile.values[0, : expected.shape[0], : expected.shape[1]], expected
        )


def test_level_for_a_zoom_is_the_nearest_in_pixel_size(
    samples: dict[str, SampleMosaic],
) -> None:
    sample = samples["NDVI"]
    with MosaicRaster(sample.path, _map_crs_of(sample)) as raster:
        grid = raster.grid
        assert grid.level_for(grid.pixel / 3) == 0
        assert grid.level_for(grid.pixel * 1.4) == 0
        assert grid.level_for(grid.pixel * 1.5) == 1
        assert grid.level_for(grid.pixel * 2.8) == 1
        assert grid.level_for(grid.pixel * 3.0) == min(2, grid.max_level)
        assert grid.level_for(grid.pixel * 1000) == grid.max_level


def test_boundary_vertices_sit_on_the_edge_of_the_valid_pixels(
    samples: dict[str, SampleMosaic],
) -> None:
    """Alignment: each outline vertex, placed by the map's projection, lands within a
    pixel of where the raster turns from nodata to the field (the simulator masks the
    raster by that same outline)."""
    sample = samples["NDVI"]
    crs = _map_crs_of(sample)
    with MosaicRaster(sample.path, crs) as raster:
        grid = raster.grid
        area = raster.read_area(
            (
                grid.left,
                grid.top - grid.height * grid.pixel,
                grid.left + grid.width * grid.pixel,
                grid.top,
            ),
            max(grid.width, grid.height),
        )
        assert area is not None and area.valid.shape == (grid.height, grid.width)
        exterior = project_rings(sample.outline.boundary, crs)[0][0]
        rows, cols = np.mgrid[0 : grid.height, 0 : grid.width]
        nearest_field = []
        for x, y in exterior[:-1]:
            col = (x - grid.left) / grid.pixel
            row = (grid.top - y) / grid.pixel
            # Distance (in pixels) from the vertex to the centres of valid / nodata pixels.
            distance = np.hypot(cols + 0.5 - col, rows + 0.5 - row)
            to_field = distance[area.valid].min()
            to_nodata = distance[~area.valid].min()
            # An acute corner may hold no pixel centre within a pixel of its tip.
            assert to_field <= 2.5 and to_nodata <= 1.5, (col, row, to_field, to_nodata)
            nearest_field.append(to_field)
        assert float(np.median(nearest_field)) <= 1.0


def test_a_vertex_maps_to_the_pixel_rasterio_says_it_georeferences(
    samples: dict[str, SampleMosaic],
) -> None:
    sample = samples["RGB"]
    crs = _map_crs_of(sample)
    with MosaicRaster(sample.path, crs) as raster, rasterio.open(sample.path) as tif:
        from pyproj import Transformer

        to_src = Transformer.from_crs("EPSG:4326", tif.crs, always_xy=True)
        grid = raster.grid
        for lon, lat in sample.outline.lon_lats():
            x, y = crs.to_map(lon, lat)
            col = (x - grid.left) / grid.pixel
            row = (grid.top - y) / grid.pixel
            expected_row, expected_col = tif.index(*to_src.transform(lon, lat))
            assert abs(col - (expected_col + 0.5)) <= 1.0 and abs(row - (expected_row + 0.5)) <= 1.0


def test_a_raster_in_another_zone_is_warped_into_the_map(samples: dict[str, SampleMosaic]) -> None:
    sample = samples["NDVI"]
    native = _map_crs_of(sample)
    other = MapCrs(native.epsg + 1)
    lon, lat = _inner_points(sample)[12]
    with MosaicRaster(sample.path, other) as raster:
        assert raster.warped
        expected = raster.value_at(lon, lat)
        x, y = other.to_map(lon, lat)
        grid = raster.grid
        area = raster.read_area((x - grid.pixel, y - grid.pixel, x + grid.pixel, y + grid.pixel), 8)
        assert area is not None and expected is not None
        # The warped neighbourhood holds the value (nearest neighbour, within a pixel).
        assert np.min(np.abs(area.values[0][area.valid] - expected[0])) < 0.05


def test_a_file_that_is_not_a_geotiff_says_so(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "broken.tif"
    bad.write_bytes(b"not a tiff at all")
    with pytest.raises(RasterError, match="cannot be opened"):
        MosaicRaster(bad, MapCrs(32615))
