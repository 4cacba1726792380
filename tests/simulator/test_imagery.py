"""The mosaics' GeoTIFFs, downloaded over HTTP and opened with rasterio."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.warp import transform_bounds

from app.simulator import Simulator
from app.simulator.rasterplan import GIANT_SIDE
from tests.simulator.filesync import (
    SYNC_FILES_NO_SIZE,
    available_mosaics,
    download,
    file_of,
    mosaic_of_type,
    sync_files,
)
from tests.simulator.gql import GraphQL

MARGIN_DEGREES = 0.002  # about 200 m: the raster's small margin around the outline


def _field_of(simulator: Simulator, mosaic: dict[str, Any]) -> dict[str, Any]:
    survey = simulator.dataset.get(mosaic["survey"]["sentera_id"])
    assert survey is not None
    field = simulator.dataset.get(survey["field"]["sentera_id"])
    assert field is not None
    return field


def _inside(lon: float, lat: float, geometry: dict[str, Any]) -> bool:
    """Even-odd ray casting over every ring (holes and parts included)."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    crossings = 0
    for rings in polygons:
        for ring in rings:
            for (x0, y0), (x1, y1) in itertools.pairwise(ring):
                if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
                    crossings += 1
    return crossings % 2 == 1


def _fetch(simulator: Simulator, gql: GraphQL, mosaic_type: str, tmp_path: Path) -> Any:
    mosaic = mosaic_of_type(simulator, mosaic_type)
    file = file_of(gql, mosaic["sentera_id"])
    path = download(file["url"], tmp_path / file["download_filename"])
    assert path.stat().st_size == int(file["size"])
    return mosaic, path


@pytest.mark.parametrize("mosaic_type", ["RGB", "NDVI", "NDRE", "THERMAL", "WEED_DETECTION"])
def test_each_mosaic_is_a_georeferenced_cog_over_its_field(
    simulator: Simulator, gql: GraphQL, tmp_path: Path, mosaic_type: str
) -> None:
    mosaic, path = _fetch(simulator, gql, mosaic_type, tmp_path)
    field = _field_of(simulator, mosaic)
    with rasterio.open(path) as tif:
        assert tif.driver == "GTiff"
        assert tif.profile["tiled"] and tif.block_shapes[0] in [(128, 128), (256, 256), (512, 512)]
        assert tif.overviews(1), "a COG has overviews"
        assert tif.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert tif.compression is not None and tif.compression.name == "deflate"
        zone = int((field["longitude"] + 180) // 6) + 1
        assert tif.crs.to_epsg() == 32_600 + zone
        west, south, east, north = field["bbox"]
        left, bottom, right, top = transform_bounds(tif.crs, "EPSG:4326", *tif.bounds)
        assert west - MARGIN_DEGREES < left < west and east < right < east + MARGIN_DEGREES
        assert south - MARGIN_DEGREES < bottom < south and north < top < north + MARGIN_DEGREES
        data = tif.read()
        valid = np.all(data != tif.nodata, axis=0)
        assert not valid[0, 0] and not valid[-1, -1], "corners lie outside the outline"
        # Sample a grid of pixel centres; nodata exactly outside the outline (a pixel
        # or so of disagreement along the edges is rasterisation, not a bug).
        to_wgs84 = Transformer.from_crs(tif.crs, "EPSG:4326", always_xy=True)
        rows, cols = np.meshgrid(
            np.linspace(0, tif.height - 1, 25, dtype=int),
            np.linspace(0, tif.width - 1, 25, dtype=int),
        )
        xs, ys = rasterio.transform.xy(tif.transform, rows.ravel(), cols.ravel())
        lons, lats = to_wgs84.transform(xs, ys)
        expected = [_inside(lo, la, field["boundary"]) for lo, la in zip(lons, lats, strict=True)]
        got = valid[rows.ravel(), cols.ravel()].tolist()
        agree = sum(e == g for e, g in zip(expected, got, strict=True))
        assert agree >= 0.97 * len(expected) and any(expected) and not all(expected)


def test_values_look_like_their_product(simulator: Simulator, gql: GraphQL, tmp_path: Path) -> None:
    ranges = {"NDVI": (-0.1, 0.95), "NDRE": (-0.05, 0.6), "THERMAL": (15.0, 45.0)}
    for mosaic_type, (low, high) in ranges.items():
        _, path = _fetch(simulator, gql, mosaic_type, tmp_path)
        with rasterio.open(path) as tif:
            assert (tif.count, tif.dtypes[0]) == (1, "float32")
            values = tif.read(1, masked=True).compressed()
        assert low <= values.min() and values.max() <= high, mosaic_type
        # Smooth variation and stressed zones: a real spread, not a flat field.
        assert values.std() > 0.03 * (high - low), mosaic_type
    _, path = _fetch(simulator, gql, "RGB", tmp_path)
    with rasterio.open(path) as tif:
        assert (tif.count, tif.dtypes[0], tif.nodata) == (3, "uint8", 0)
        rgb = tif.read(masked=True)
    green, red = rgb[1].compressed().astype(int), rgb[0].compressed().astype(int)
    assert (green > red).mean() > 0.3, "crop canopy"
    assert (red > green).mean() > 0.02, "bare soil patches"


def test_same_version_same_bytes_new_version_new_bytes(
    simulator: Simulator, gql: GraphQL, tmp_path: Path
) -> None:
    mosaic = mosaic_of_type(simulator, "NDVI")
    first = file_of(gql, mosaic["sentera_id"])
    original = download(first["url"], tmp_path / "first.tif").read_bytes()
    for cached in simulator.imagery.folder.glob("*.tif"):
        cached.unlink()  # generated again from scratch: must be identical
    assert download(first["url"], tmp_path / "again.tif").read_bytes() == original

    simulator.dataset.update_mosaic(mosaic["sentera_id"], message="Reprocessed.")
    second = file_of(gql, mosaic["sentera_id"])
    assert second["content_hash"] != first["content_hash"]
    assert download(second["url"], tmp_path / "second.tif").read_bytes() != original


def test_files_are_generated_only_when_asked_for(simulator: Simulator, gql: GraphQL) -> None:
    mosaics = [m["sentera_id"] for m in available_mosaics(simulator)[:5]]
    page = sync_files(gql, mosaics, query=SYNC_FILES_NO_SIZE)
    assert len(page["upserted"]) == 5 and all(f["url"] for f in page["upserted"])
    assert not list(simulator.imagery.folder.glob("*.tif"))
    sized = sync_files(gql, mosaics[:2])
    assert len(list(simulator.imagery.folder.glob("*.tif"))) == 2
    # Generating changed nothing about the records.
    assert [f["content_hash"] for f in sized["upserted"]] == [
        f["content_hash"] for f in page["upserted"][:2]
    ]


@pytest.mark.slow
def test_large_has_a_16k_mosaic_generated_only_on_request(
    simulator_factory: Any, tmp_path: Path
) -> None:
    """The full-size file takes minutes; it is described here, and drawn at 1/64 scale."""
    full = simulator_factory(size="large", imagery_cache_dir=tmp_path / "full")
    giant = full.dataset.giant_mosaic_id()
    assert giant is not None
    plan = full.dataset.raster_plan(giant)
    assert (plan.width, plan.height) == (GIANT_SIDE, GIANT_SIDE)
    client = GraphQL(full)
    try:
        page = sync_files(client, [giant], query=SYNC_FILES_NO_SIZE)
        assert page["upserted"][0]["url"]
    finally:
        client.close()
    assert not (tmp_path / "full").exists() or not list((tmp_path / "full").iterdir())

    small = simulator_factory(size="large", imagery_cache_dir=tmp_path / "small",
                              imagery_scale=1 / 64)  # fmt: skip
    # Naming it builds its survey first (asking for an unbuilt mosaic by id builds all).
    assert small.dataset.giant_mosaic_id() == giant
    client = GraphQL(small)
    try:
        file = file_of(client, giant)
        path = download(file["url"], tmp_path / "giant.tif")
    finally:
        client.close()
    with rasterio.open(path) as tif:
        assert (tif.width, tif.height) == (GIANT_SIDE // 64, GIANT_SIDE // 64)
        assert tif.overviews(1)
