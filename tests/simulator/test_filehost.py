"""The download links: paging of sync_files, Range/ETag/If-Range/HEAD, expiry, faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from app.simulator import Simulator
from tests.simulator.filesync import available_mosaics, download, file_of, sync_files
from tests.simulator.gql import GraphQL


@pytest.fixture
def file(simulator: Simulator, gql: GraphQL) -> dict[str, Any]:
    return file_of(gql, available_mosaics(simulator)[0]["sentera_id"])


@pytest.fixture
def whole(file: dict[str, Any], tmp_path: Path) -> bytes:
    return download(file["url"], tmp_path / "whole.tif").read_bytes()


def test_sync_files_pages_and_converges(simulator_factory: Any, tmp_path: Path) -> None:
    sim = simulator_factory(files_cap=3, imagery_cache_dir=tmp_path, imagery_scale=0.25)
    gql = GraphQL(sim)
    try:
        mosaics = [m["sentera_id"] for m in available_mosaics(sim)[:8]]
        held: dict[str, str] = {}
        remaining = []
        for _ in range(5):
            page = sync_files(gql, mosaics, list(held.values()))
            assert len(page["upserted"]) <= 3
            held.update({f["sentera_id"]: f["content_hash"] for f in page["upserted"]})
            remaining.append(page["remaining_count"])
            if page["remaining_count"] == 0:
                break
        assert remaining == [5, 2, 0] and len(held) == 8
        sim.dataset.delete_mosaic(mosaics[0])
        page = sync_files(gql, mosaics, list(held.values()))
        assert page["upserted"] == [] and len(page["deleted"]) == 1
    finally:
        gql.close()


def test_head_and_etag(file: dict[str, Any], whole: bytes) -> None:
    head = httpx.head(file["url"])
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == file["size"] == str(len(whole))
    assert head.headers["etag"] == f'"{file["content_hash"]}"'
    assert head.headers["accept-ranges"] == "bytes"


def test_ranges(file: dict[str, Any], whole: bytes) -> None:
    size = len(whole)
    middle = httpx.get(file["url"], headers={"Range": "bytes=1000-"})
    assert middle.status_code == 206 and middle.content == whole[1000:]
    assert middle.headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
    for bad in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=50-10"):
        refused = httpx.get(file["url"], headers={"Range": bad})
        assert refused.status_code == 416, bad
        assert refused.headers["content-range"] == f"bytes */{size}"


def test_if_range_resumes_only_the_same_version(
    simulator: Simulator, gql: GraphQL, file: dict[str, Any], whole: bytes
) -> None:
    etag = f'"{file["content_hash"]}"'
    same = httpx.get(file["url"], headers={"Range": "bytes=500-", "If-Range": etag})
    assert same.status_code == 206 and same.content == whole[500:]

    simulator.dataset.update_mosaic(file["file_owner"]["sentera_id"], message="Reprocessed.")
    changed = httpx.get(file["url"], headers={"Range": "bytes=500-", "If-Range": etag})
    assert changed.status_code == 200, "a changed file comes back whole"
    assert changed.content != whole and changed.headers["etag"] != etag
    new = file_of(gql, file["file_owner"]["sentera_id"])
    assert changed.headers["etag"] == f'"{new["content_hash"]}"'
    assert len(changed.content) == int(new["size"])


def test_links_expire_after_an_hour(simulator: Simulator, file: dict[str, Any]) -> None:
    simulator.auth.advance_clock(59 * 60)
    assert httpx.head(file["url"]).status_code == 200
    simulator.auth.advance_clock(2 * 60)
    expired = httpx.get(file["url"])
    assert expired.status_code == 403 and b"AccessDenied" in expired.content


def _stream(url: str) -> tuple[int, bytes, Exception | None]:
    received = bytearray()
    try:
        with httpx.stream("GET", url, timeout=10) as response:
            for chunk in response.iter_bytes():
                received += chunk
            return response.status_code, bytes(received), None
    except httpx.TransportError as exc:
        return -1, bytes(received), exc


def test_fault_connection_cut_mid_body(
    simulator: Simulator, file: dict[str, Any], whole: bytes
) -> None:
    simulator.faults.add("close_connection", query="files")
    _, received, error = _stream(file["url"])
    assert error is not None, "the client sees the connection drop"
    assert 0 < len(received) < len(whole) and whole.startswith(received)
    assert _stream(file["url"])[1] == whole  # the fault fired once


def test_fault_slow_trickle_still_delivers_everything(
    simulator: Simulator, file: dict[str, Any], whole: bytes
) -> None:
    simulator.faults.add("trickle", query="files", chunks=4, interval=0.05)
    status, received, error = _stream(file["url"])
    assert (status, error) == (200, None) and received == whole
    assert simulator.request_log.for_query("files")[-1].faults == ("trickle",)


def test_fault_body_shorter_than_size(
    simulator: Simulator, file: dict[str, Any], whole: bytes
) -> None:
    simulator.faults.add("truncated_body", query="files")
    response = httpx.get(file["url"])
    assert response.status_code == 200
    assert len(response.content) < int(file["size"]) and whole.startswith(response.content)


def test_fault_expired_link_and_host_errors(simulator: Simulator, file: dict[str, Any]) -> None:
    simulator.faults.add("expire_link", query="files")
    assert httpx.get(file["url"]).status_code == 403
    simulator.faults.add("http_status", query="files", status=503, times=2)
    assert [httpx.get(file["url"]).status_code for _ in range(3)] == [503, 503, 200]


def test_faults_can_target_one_file(simulator: Simulator, gql: GraphQL) -> None:
    one, other = (file_of(gql, m["sentera_id"]) for m in available_mosaics(simulator)[:2])
    simulator.faults.add("http_status", query="files", scope_id=one["sentera_id"], times=None)
    assert httpx.get(one["url"]).status_code == 503
    assert httpx.get(other["url"]).status_code == 200
