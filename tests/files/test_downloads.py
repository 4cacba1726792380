"""The download manager over real HTTP against the simulator, with real GeoTIFFs."""

from __future__ import annotations

import json
from pathlib import Path

import rasterio

from app.api.client import FieldAgentClient
from app.domain import CancelToken
from app.domain_files import FileState, Pin, PinKind
from app.files.events import FileProgress, OverallProgress
from app.files.library import Library
from app.simulator import Simulator
from app.store import Store
from tests.files.helpers import Events, files_requests, run_pass, server_bytes, survey_with_files
from tests.sync.helpers import sync


def test_boundaries_and_bboxes_round_trip_into_the_store(sim: Simulator, store: Store) -> None:
    org = sim.dataset.organizations()[0]["sentera_id"]
    served = {f["sentera_id"]: f for f in sim.dataset.fields_of(org)}
    stored = {b.field_id: b for b in store.fields_with_boundaries(org)}
    assert served and set(stored) == set(served)
    for field_id, field in served.items():
        assert stored[field_id].geometry() == field["boundary"]
        assert list(stored[field_id].bbox) == field["bbox"]
    one = next(iter(served))
    assert store.field_boundary(one) == stored[one]
    assert store.field_boundary("no-such-field") is None


def test_a_pinned_survey_downloads_completely_and_matches_the_server(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    survey, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.SURVEY, survey))
    events = Events()

    summary = run_pass(library, client, events=events)

    assert summary.complete, summary.message
    assert summary.present == summary.wanted == len(mosaics)
    for mosaic_id in mosaics:
        path = library.local_path(mosaic_id)
        assert path is not None and library.state(mosaic_id) is FileState.PRESENT
        assert path.read_bytes() == server_bytes(client, mosaic_id)
        with rasterio.open(path) as dataset:
            assert dataset.crs is not None and dataset.overviews(1)
    assert not list(library.root.glob("*.part"))
    overall = [e for e in events.seen if isinstance(e, OverallProgress)]
    assert overall[-1].files_done == len(mosaics)
    assert (
        overall[-1].bytes_done
        == overall[-1].bytes_total
        == sum(library.local_file(m).size or 0 for m in mosaics)
    )
    assert all(e.ok for e in events.finished()) and len(events.finished()) == len(mosaics)
    # Nothing left to do: a second pass downloads nothing.
    again = run_pass(library, client)
    assert again.complete and again.downloaded == 0


def test_a_cut_connection_resumes_with_a_range_request(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    sim.faults.add(kind="close_connection", query="files", times=1)

    summary = run_pass(library, client)

    assert summary.complete, summary.message
    statuses = [r.status for r in files_requests(sim)]
    assert statuses[0] == 200 and 206 in statuses[1:]
    path = library.local_path(mosaics[0])
    assert path is not None and path.read_bytes() == server_bytes(client, mosaics[0])


def test_a_cancelled_download_keeps_its_part_and_resumes_from_it(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    sim.faults.add(kind="trickle", query="files", chunks=40, interval=0.05, times=1)
    cancel = CancelToken()
    events = Events(hook=lambda e: cancel.cancel() if isinstance(e, FileProgress) else None)

    first = run_pass(library, client, events=events, cancel=cancel)

    assert first.cancelled and not first.complete
    assert library.state(mosaics[0]) is FileState.PARTIAL
    kept = library.local_file(mosaics[0])
    assert kept is not None and 0 < kept.local_bytes < (kept.size or 0)
    second = run_pass(library, client)
    assert second.complete, second.message
    last = files_requests(sim)[-1]
    assert last.status == 206 and last.bytes_out == (kept.size or 0) - kept.local_bytes
    path = library.local_path(mosaics[0])
    assert path is not None and path.read_bytes() == server_bytes(client, mosaics[0])


def test_an_expired_link_is_refreshed_through_sync_files(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    sim.faults.add(kind="expire_link", query="files", times=1)
    before = len(sim.request_log.for_query("sync_files"))

    summary = run_pass(library, client)

    assert summary.complete, summary.message
    assert [r.status for r in files_requests(sim)] == [403, 200]
    # One call for the catalogue, one more for a fresh link after the 403.
    assert len(sim.request_log.for_query("sync_files")) - before == 2


def test_a_reprocessed_mosaic_replaces_its_file_and_is_never_shown_stale(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    assert run_pass(library, client).complete
    old = library.local_path(mosaics[0])
    assert old is not None
    old_bytes = old.read_bytes()

    sim.dataset.update_mosaic(mosaics[0], message="Re-processed with new calibration.")
    sync(store, sim)
    assert library.local_path(mosaics[0]) is None  # metadata moved on: old bytes not current
    summary = run_pass(library, client)

    assert summary.complete, summary.message
    new = library.local_path(mosaics[0])
    assert new is not None
    assert new.read_bytes() == server_bytes(client, mosaics[0]) != old_bytes


def test_a_deleted_mosaic_loses_its_file(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    survey, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.SURVEY, survey))
    assert run_pass(library, client).complete
    gone = library.local_path(mosaics[0])
    assert gone is not None and gone.exists()

    sim.dataset.delete_mosaic(mosaics[0])
    sync(store, sim)
    summary = run_pass(library, client)

    assert summary.complete, summary.message
    assert not gone.exists()
    assert library.local_file(mosaics[0]) is None
    assert all(library.local_path(m) is not None for m in mosaics[1:])


def test_ls_files_reports_json_states(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    assert run_pass(library, client).complete
    files = {f.mosaic_id: f for f in library.files()}
    assert files[mosaics[0]].state is FileState.PRESENT and files[mosaics[0]].pinned
    assert json.dumps(str(files[mosaics[0]].path))  # a plain path, printable as JSON
    assert library.remove(mosaics[0])
    assert library.state(mosaics[0]) is FileState.EVICTED
    assert not Path(str(files[mosaics[0]].path)).exists()
