"""The client against hostile or broken servers, over real HTTP on loopback.

Slow answers come from the simulator's trickle and latency faults. Answers it has no
fault for (deeply nested JSON, a gzip bomb, pages that break the contract) come from a
tiny local HTTP server that sends a fixed body: still a real socket and a real
httpx stack, only the body is hand-made.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from app.api import FieldAgentClient, StaticTokenProvider
from app.api.errors import BrokenPage, DeadlineExceeded, NotJson, ResponseTooLarge
from app.simulator import Simulator
from tests.api import payloads

Serve = Callable[..., str]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """`serve(body, headers)` -> the URL of a loopback server answering every POST so."""
    servers: list[ThreadingHTTPServer] = []

    def start(body: bytes, headers: dict[str, str] | None = None) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/graphql"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def client_at(url: str, **options: Any) -> FieldAgentClient:
    return FieldAgentClient(url, StaticTokenProvider("tok"), **options)


def first_survey(sim: Simulator) -> str:
    return max(sim.dataset.survey_ids(), key=sim.dataset.mosaic_count)


# -- 5. a total deadline ----------------------------------------------------------------


def test_a_dripping_answer_fails_at_the_total_deadline(simulator: Simulator) -> None:
    # Each piece arrives well within the read timeout; only the total deadline can stop it.
    simulator.faults.add("trickle", chunks=40, interval=0.1, query="sync_mosaics")
    client = FieldAgentClient(
        simulator.graphql_url, StaticTokenProvider(simulator.demo_token), deadline=0.5
    )
    with client, pytest.raises(DeadlineExceeded, match=r"0\.5 s deadline") as err:
        client.sync_mosaics(first_survey(simulator), [])
    assert err.value.retryable


def test_a_silent_server_fails_at_the_total_deadline(simulator: Simulator) -> None:
    # The default read timeout (60 s) is longer than the deadline: the deadline wins.
    simulator.faults.add("latency", seconds=30, query="sync_mosaics")
    client = FieldAgentClient(
        simulator.graphql_url, StaticTokenProvider(simulator.demo_token), deadline=0.5
    )
    with client, pytest.raises(DeadlineExceeded, match="deadline"):
        client.sync_mosaics(first_survey(simulator), [])


def test_an_answer_within_the_deadline_arrives(simulator: Simulator) -> None:
    simulator.faults.add("trickle", chunks=4, interval=0.05, query="sync_mosaics")
    client = FieldAgentClient(
        simulator.graphql_url, StaticTokenProvider(simulator.demo_token), deadline=30
    )
    with client:
        assert client.sync_mosaics(first_survey(simulator), []).upserted


# -- 6. deep nesting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"data":{"user":' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
        b'{"data":null,"errors":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["in-data", "in-errors"],
)
def test_deeply_nested_json_is_a_protocol_error(serve: Serve, body: bytes) -> None:
    with client_at(serve(body)) as client, pytest.raises(NotJson, match="nested too deeply"):
        client.current_user()


# -- 7. a decompressed-size cap -----------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_size_cap(serve: Serve) -> None:
    inflated = b'{"data":{"user":{"sentera_id":"' + b"A" * 8_000_000 + b'"}}}'
    bomb = gzip.compress(inflated)
    assert len(bomb) < 100_000  # small on the wire
    url = serve(bomb, {"Content-Encoding": "gzip"})
    client = client_at(url, max_response_bytes=1_000_000)
    with client, pytest.raises(ResponseTooLarge, match="1,000,000-byte cap") as err:
        client.current_user()
    assert not err.value.retryable


def test_a_gzipped_answer_under_the_cap_is_read(serve: Serve) -> None:
    body = json.dumps({"data": {"user": {"sentera_id": "u1", "email": None}}}).encode()
    url = serve(gzip.compress(body), {"Content-Encoding": "gzip"})
    with client_at(url, max_response_bytes=len(body)) as client:
        assert client.current_user()["sentera_id"] == "u1"


# -- 8. pages that break the contract -----------------------------------------------------


def page_body(items: list[dict[str, Any]], deleted: list[dict[str, Any]] | None = None) -> bytes:
    page = payloads.sync_page("sync_mosaics", items)
    page["sync_mosaics"]["deleted"] = deleted or []
    return json.dumps({"data": page}).encode()


def test_the_same_id_twice_in_a_page_is_rejected(serve: Serve) -> None:
    twin = payloads.mosaic(1)
    url = serve(page_body([payloads.mosaic(0), twin, dict(twin, content_hash="other")]))
    with client_at(url) as client, pytest.raises(BrokenPage, match="twice") as err:
        client.sync_mosaics("svy", [])
    assert err.value.field == "sync_mosaics.upserted[2]"


def test_an_id_both_upserted_and_deleted_is_rejected(serve: Serve) -> None:
    item = payloads.mosaic(0)
    url = serve(page_body([item], [{"sentera_id": item["sentera_id"], "content_hash": "h"}]))
    with client_at(url) as client, pytest.raises(BrokenPage, match="twice"):
        client.sync_mosaics("svy", [])


@pytest.mark.parametrize("content_hash", ["", "x" * 257], ids=["empty", "257-chars"])
def test_an_empty_or_oversized_hash_is_rejected(serve: Serve, content_hash: str) -> None:
    url = serve(
        page_body([payloads.mosaic(0), dict(payloads.mosaic(1), content_hash=content_hash)])
    )
    with client_at(url) as client, pytest.raises(BrokenPage) as err:
        client.sync_mosaics("svy", [])
    assert err.value.field == "sync_mosaics.upserted[1].content_hash"


def test_a_256_character_hash_is_accepted(serve: Serve) -> None:
    url = serve(page_body([dict(payloads.mosaic(0), content_hash="x" * 256)]))
    with client_at(url) as client:
        assert client.sync_mosaics("svy", []).upserted[0].content_hash == "x" * 256


def test_more_items_than_the_cap_are_accepted_with_a_warning(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    url = serve(page_body([payloads.mosaic(i) for i in range(2001)]))
    with caplog.at_level(logging.WARNING, logger="app.api.parse"), client_at(url) as client:
        page = client.sync_mosaics("svy", [])
    assert len(page.upserted) == 2001
    assert "2001 items in one page, more than the documented 2000" in caplog.text
