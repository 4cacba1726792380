"""The file host misbehaving: a stall, 5xx answers, a body shorter than the file."""

from __future__ import annotations

from app.api.client import FieldAgentClient
from app.domain_files import Pin, PinKind
from app.files.fetch import Limits
from app.files.library import Library
from app.simulator import Simulator
from app.store import Store
from tests.files.helpers import files_requests, run_pass, server_bytes, survey_with_files


def _pin_one(sim: Simulator, store: Store) -> str:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    return mosaics[0]


def test_a_stalled_download_is_abandoned_and_resumed(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    mosaic = _pin_one(sim, store)
    # Ten pieces a second apart: the stall limit (a quarter second) ends the request.
    sim.faults.add(kind="trickle", query="files", chunks=10, interval=1.0, times=1)

    summary = run_pass(library, client, limits=Limits(stall_seconds=0.25))

    assert summary.complete, summary.message
    statuses = [r.status for r in files_requests(sim)]
    assert statuses[0] == 200 and statuses[-1] == 206
    path = library.local_path(mosaic)
    assert path is not None and path.read_bytes() == server_bytes(client, mosaic)


def test_server_errors_are_retried(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    mosaic = _pin_one(sim, store)
    sim.faults.add(kind="http_status", query="files", status=503, times=2)

    summary = run_pass(library, client)

    assert summary.complete, summary.message
    assert [r.status for r in files_requests(sim)] == [503, 503, 200]
    assert library.local_path(mosaic) is not None


def test_a_short_body_is_not_taken_for_the_file(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    mosaic = _pin_one(sim, store)
    sim.faults.add(kind="truncated_body", query="files", times=1)

    summary = run_pass(library, client)

    assert summary.complete, summary.message
    assert [r.status for r in files_requests(sim)] == [200, 206]  # the rest, not all again
    path = library.local_path(mosaic)
    assert path is not None and path.read_bytes() == server_bytes(client, mosaic)


def test_a_host_that_keeps_failing_gives_up_with_a_message(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    mosaic = _pin_one(sim, store)
    sim.faults.add(kind="http_status", query="files", status=500, times=None)

    summary = run_pass(library, client, max_attempts=3)

    assert not summary.complete
    assert summary.failures and summary.failures[0][0] == mosaic
    assert "HTTP 500" in summary.failures[0][1]
    assert library.local_path(mosaic) is None
