"""Real imagery for the map's tests: outlines and GeoTIFFs fetched from the simulator.

Once per module a tiny account is served on loopback; its field outlines come over
GraphQL (`sync_fields`) and the mosaics' GeoTIFFs over the file host (`sync_files`
links), into this module's folder. Then the simulator is stopped: the map works
offline, from those files alone.

`FetchedMapSource` answers the map's `MapSource` questions from what was fetched. It
stands in for the store and the imagery library (the map's only dependency is that
interface); the window tests go through the real store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.imagery.geo import FieldOutline
from app.imagery.source import MosaicRef
from app.simulator import Simulator, SimulatorConfig

SCALE = 2.0
SYNC_FIELDS = """query($org: ID!, $h: [String!]!) {
  sync_fields(organization_sentera_id: $org, content_hashes: $h,
              include_descendant_organizations: true) {
    upserted { sentera_id ... on Field { name boundary organization { sentera_id } } }
  }
}"""
SYNC_FILES = """query($owners: [FileOwnerInput!]!, $h: [String!]!) {
  sync_files(owners: $owners, content_hashes: $h) {
    upserted { ... on File { url file_owner { sentera_id } } }
  }
}"""


@dataclass
class FetchedMapSource:
    outlines: dict[str, FieldOutline] = field(default_factory=dict)
    mosaics: dict[str, MosaicRef] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    def field_outlines(self, organization_id: str) -> list[FieldOutline]:
        return [o for o in self.outlines.values() if o.organization_id == organization_id]

    def field_outline(self, field_id: str) -> FieldOutline | None:
        return self.outlines.get(field_id)

    def mosaic(self, mosaic_id: str) -> MosaicRef | None:
        return self.mosaics.get(mosaic_id)

    def field_mosaics(self, field_id: str) -> list[MosaicRef]:
        found = [m for m in self.mosaics.values() if m.field_id == field_id]
        return sorted(found, key=lambda m: m.captured_at, reverse=True)

    def local_mosaic_path(self, mosaic_id: str) -> Path | None:
        return self.paths.get(mosaic_id)


@dataclass
class OfflineImagery:
    source: FetchedMapSource
    organization_id: str
    field_id: str
    ndvi: list[str]  # two NDVI mosaics of the field, both downloaded, newest first
    rgb: str  # an RGB mosaic of the field, downloaded
    missing: str  # an available mosaic of the field that was not downloaded
    simulator: Simulator  # stopped before any test runs: the map works offline


def _post(http: httpx.Client, sim: Simulator, query: str, variables: dict[str, Any]) -> Any:
    response = http.post(
        sim.graphql_url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {sim.demo_token}"},
    )
    response.raise_for_status()
    return response.json()["data"]


def fetch_offline_imagery(folder: Path) -> OfflineImagery:
    sim = Simulator(
        SimulatorConfig(
            size="tiny", seed=1, imagery_scale=SCALE, imagery_cache_dir=folder / "sim-cache"
        )
    ).start()
    try:
        source = FetchedMapSource()
        http = httpx.Client(timeout=60)
        root = sim.dataset.organizations()[0]["sentera_id"]
        fields = _post(http, sim, SYNC_FIELDS, {"org": root, "h": []})["sync_fields"]["upserted"]
        for f in fields:
            source.outlines[f["sentera_id"]] = FieldOutline(
                f["sentera_id"], f["name"], f["organization"]["sentera_id"], f["boundary"]
            )
        by_field: dict[str, list[MosaicRef]] = {}
        for survey_id in sim.dataset.survey_ids():
            survey: Any = sim.dataset.get(survey_id)
            field_id = survey["field"]["sentera_id"]
            org_id = source.outlines[field_id].organization_id
            for m in sim.dataset.mosaics_of(survey_id):
                ref = MosaicRef(
                    m["sentera_id"],
                    m["name"],
                    m["mosaic_type"],
                    m["captured_at"],
                    field_id,
                    org_id,
                    m["image_status"] == "AVAILABLE",
                )
                source.mosaics[ref.mosaic_id] = ref
                by_field.setdefault(field_id, []).append(ref)

        def usable(refs: list[MosaicRef]) -> bool:
            available = [r for r in refs if r.available]
            return sum(r.mosaic_type == "NDVI" for r in available) >= 2 and any(
                r.mosaic_type == "RGB" for r in available
            )

        field_id = next(f for f, refs in by_field.items() if usable(refs))
        refs = sorted(
            (r for r in by_field[field_id] if r.available),
            key=lambda r: r.captured_at,
            reverse=True,
        )
        ndvi = [r.mosaic_id for r in refs if r.mosaic_type == "NDVI"][:2]
        rgb = next(r.mosaic_id for r in refs if r.mosaic_type == "RGB")
        missing = next(r.mosaic_id for r in refs if r.mosaic_id not in (*ndvi, rgb))
        owners = [{"owner_type": "MOSAIC", "sentera_id": m} for m in (*ndvi, rgb)]
        files = _post(http, sim, SYNC_FILES, {"owners": owners, "h": []})["sync_files"]["upserted"]
        for file in files:
            mosaic_id = file["file_owner"]["sentera_id"]
            target = folder / f"{mosaic_id}.tif"
            with http.stream("GET", file["url"]) as response, target.open("wb") as out:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    out.write(chunk)
            source.paths[mosaic_id] = target
        http.close()
        org_id = source.outlines[field_id].organization_id
        return OfflineImagery(source, org_id, field_id, ndvi, rgb, missing, sim)
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineImagery]:
    yield fetch_offline_imagery(tmp_path_factory.mktemp("map-imagery"))
