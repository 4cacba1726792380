"""sync_files and the signed, range-capable download links."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.simulator import Simulator
from tests.simulator.filesync import available_mosaics, sync_files
from tests.simulator.gql import GraphQL


def _sync(gql: GraphQL, mosaic_ids: list[str], held: list[str] | None = None) -> dict[str, Any]:
    return sync_files(gql, mosaic_ids, held)


def _available_mosaic(sim: Simulator) -> dict[str, Any]:
    return available_mosaics(sim)[0]


def test_sync_files_lists_one_geotiff_per_mosaic(simulator: Simulator, gql: GraphQL) -> None:
    mosaics = simulator.dataset.mosaics_of(simulator.dataset.survey_ids()[1])
    page = _sync(gql, [m["sentera_id"] for m in mosaics])

    assert page["remaining_count"] == 0 and page["failed"] is None
    assert [f["file_owner"]["sentera_id"] for f in page["upserted"]] == [
        m["sentera_id"] for m in mosaics
    ]
    for file, mosaic in zip(page["upserted"], mosaics, strict=True):
        stored = mosaic["image_status"] == "AVAILABLE"
        assert (file["url"] is not None) == stored == (file["size"] is not None)
        assert file["filename"].endswith(".tif")
    held = [f["content_hash"] for f in page["upserted"]]
    assert _sync(gql, [m["sentera_id"] for m in mosaics], held)["upserted"] == []


def test_download_whole_and_ranges(simulator: Simulator, gql: GraphQL) -> None:
    file = _sync(gql, [_available_mosaic(simulator)["sentera_id"]])["upserted"][0]
    size = int(file["size"])

    whole = httpx.get(file["url"])
    part = httpx.get(file["url"], headers={"Range": "bytes=100-199"})
    tail = httpx.get(file["url"], headers={"Range": "bytes=-10"})
    beyond = httpx.get(file["url"], headers={"Range": f"bytes={size}-"})

    assert whole.status_code == 200 and len(whole.content) == size
    assert whole.content[:4] == b"II*\x00" and whole.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    assert beyond.status_code == 416
    assert httpx.get(file["url"]).content == whole.content  # deterministic bytes
    assert httpx.head(file["url"]).headers["content-length"] == str(size)


def test_links_are_signed(simulator: Simulator, gql: GraphQL) -> None:
    url = _sync(gql, [_available_mosaic(simulator)["sentera_id"]])["upserted"][0]["url"]
    assert "expires=" in url and "sig=" in url
    assert httpx.get(url.replace("sig=", "sig=0")).status_code == 403
    assert httpx.get(url.split("?")[0]).status_code == 403


def test_reprocessed_and_deleted_mosaics_change_their_files(
    simulator: Simulator, gql: GraphQL
) -> None:
    survey = simulator.dataset.survey_ids()[2]
    mosaic_ids = [m["sentera_id"] for m in simulator.dataset.mosaics_of(survey)]
    first = _sync(gql, mosaic_ids)
    held = {f["file_owner"]["sentera_id"]: f for f in first["upserted"]}
    changed, removed = mosaic_ids[0], mosaic_ids[1]

    simulator.dataset.update_mosaic(changed, image_status="AVAILABLE", message="Reprocessed.")
    simulator.dataset.delete_mosaic(removed)
    page = _sync(gql, mosaic_ids, [f["content_hash"] for f in held.values()])

    assert [f["file_owner"]["sentera_id"] for f in page["upserted"]] == [changed]
    assert page["upserted"][0]["sentera_id"] == held[changed]["sentera_id"]
    assert page["deleted"] == [
        {"sentera_id": held[removed]["sentera_id"], "content_hash": held[removed]["content_hash"]}
    ]
    if held[removed]["url"]:
        assert httpx.get(held[removed]["url"]).status_code == 404


def test_unknown_owners_are_reported_in_failed(gql: GraphQL) -> None:
    page = _sync(gql, ["zzzzzzz_MO_nothing_220101_000000"])
    assert page["upserted"] == []
    assert page["failed"][0]["code"] == "NOT_FOUND"
    assert page["failed"][0]["details"] == {"sentera_id": "zzzzzzz_MO_nothing_220101_000000"}


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=1-2,5-6", "items=0-1"])
def test_odd_ranges_get_the_whole_file(simulator: Simulator, gql: GraphQL, header: str) -> None:
    file = _sync(gql, [_available_mosaic(simulator)["sentera_id"]])["upserted"][0]
    response = httpx.get(file["url"], headers={"Range": header})
    assert response.status_code == 200 and len(response.content) == int(file["size"])
