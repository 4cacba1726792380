"""sync_files calls and downloads for the simulator's file tests (plain httpx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from app.simulator import Simulator
from tests.simulator.gql import GraphQL

SYNC_FILES = """query($owners: [FileOwnerInput!]!, $h: [String!]!) {
  sync_files(owners: $owners, content_hashes: $h) {
    remaining_count
    upserted { sentera_id content_hash ... on File { filename download_filename file_type
               size url version file_owner { owner_type sentera_id } } }
    deleted { sentera_id content_hash }
    failed { code key message details }
  }
}"""

# The same without `size`: must not generate anything.
SYNC_FILES_NO_SIZE = SYNC_FILES.replace("size url", "url")


def sync_files(
    gql: GraphQL, mosaic_ids: list[str], held: list[str] | None = None, *, query: str = SYNC_FILES
) -> dict[str, Any]:
    owners = [{"owner_type": "MOSAIC", "sentera_id": m} for m in mosaic_ids]
    result: dict[str, Any] = gql.data(query, {"owners": owners, "h": held or []})["sync_files"]
    return result


def available_mosaics(sim: Simulator) -> list[dict[str, Any]]:
    return [
        mosaic
        for survey in sim.dataset.survey_ids()
        for mosaic in sim.dataset.mosaics_of(survey)
        if mosaic["image_status"] == "AVAILABLE"
    ]


def mosaic_of_type(sim: Simulator, mosaic_type: str) -> dict[str, Any]:
    for mosaic in available_mosaics(sim):
        if mosaic["mosaic_type"] == mosaic_type:
            return mosaic
    raise AssertionError(f"no available {mosaic_type} mosaic")


def file_of(gql: GraphQL, mosaic_id: str) -> dict[str, Any]:
    page = sync_files(gql, [mosaic_id])
    assert len(page["upserted"]) == 1, page
    file: dict[str, Any] = page["upserted"][0]
    return file


def download(url: str, target: Path) -> Path:
    with httpx.stream("GET", url, timeout=30) as response, target.open("wb") as out:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_bytes():
            out.write(chunk)
    return target
