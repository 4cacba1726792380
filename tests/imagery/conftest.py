"""Real mosaics for the imagery tests, drawn by the simulator's own GeoTIFF writer.

The files are written once per session (tiny account, mosaics about 640 pixels across,
with two overview levels), with the field each one covers, so a test can compare what
the map reads with what rasterio reads from the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.imagery.geo import FieldOutline
from app.simulator.dataset import Dataset
from app.simulator.imagery import ImageryCache

SCALE = 2.0


@dataclass(frozen=True)
class SampleMosaic:
    mosaic_id: str
    mosaic_type: str
    path: Path
    outline: FieldOutline


def sample_mosaics(folder: Path, types: tuple[str, ...]) -> dict[str, SampleMosaic]:
    dataset = Dataset(seed=1, size="tiny", imagery_scale=SCALE)
    cache = ImageryCache(folder)
    found: dict[str, SampleMosaic] = {}
    for survey_id in dataset.survey_ids():
        for mosaic in dataset.mosaics_of(survey_id):
            kind = mosaic["mosaic_type"]
            if kind in found or kind not in types or mosaic["image_status"] != "AVAILABLE":
                continue
            survey: Any = dataset.get(survey_id)
            field: Any = dataset.get(survey["field"]["sentera_id"])
            path = cache.ensure(dataset.raster_plan(mosaic["sentera_id"]))
            outline = FieldOutline(
                field["sentera_id"],
                field["name"],
                field["organization"]["sentera_id"],
                field["boundary"],
            )
            found[kind] = SampleMosaic(mosaic["sentera_id"], kind, path, outline)
    missing = set(types) - set(found)
    assert not missing, f"the tiny account has no available {missing} mosaic"
    return found


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SampleMosaic]:
    return sample_mosaics(tmp_path_factory.mktemp("cogs"), ("NDVI", "RGB", "THERMAL"))
