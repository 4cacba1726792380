"""The sync engine against the simulator over real HTTP, on a real SQLite file."""

from __future__ import annotations

import math
import sqlite3
import threading

from app.domain import Level, Outcome, Scope, ScopeKind
from app.simulator import Simulator
from app.store import Store
from app.sync.events import CancelToken

from .helpers import Recorder, assert_matches_server, local_catalogue, sync


def _calls(sim: Simulator, query: str, scope_id: str | None = None) -> list:
    return [
        r for r in sim.request_log.for_query(query) if scope_id is None or r.scope_id == scope_id
    ]


def _a_survey(sim: Simulator) -> str:
    return sim.dataset.survey_ids()[0]


def test_first_sync_fills_the_store_with_the_whole_account(store: Store, simulator: Simulator):
    recorder = Recorder()
    summary = sync(store, simulator, recorder=recorder)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert summary.up_to_date
    assert_matches_server(store, simulator)
    counts = simulator.dataset.counts()
    assert summary.upserted == counts["fields"] + counts["surveys"] + counts["mosaics"]
    inserted = {cs.level: set() for cs in recorder.changes}
    for cs in recorder.changes:
        inserted[cs.level] |= cs.inserted
    assert len(inserted[Level.MOSAICS]) == counts["mosaics"]
    fractions = [p.fraction for p in recorder.progress if p.fraction is not None]
    assert fractions == sorted(fractions), "the progress bar must never run backwards"
    assert fractions[-1] == 1.0


def test_multi_page_survey_converges_in_the_documented_number_of_calls(
    store: Store, simulator: Simulator
):
    sync(store, simulator)
    survey = _a_survey(simulator)
    simulator.dataset.add_mosaics(survey, 4_500)
    total = simulator.dataset.mosaic_count(survey)
    held = len(simulator.dataset.mosaics_of(survey)) - 4_500
    simulator.request_log.clear()
    sync(store, simulator, Scope(ScopeKind.SURVEY, survey))

    calls = _calls(simulator, "sync_mosaics", survey)
    # ceil(changed / cap) calls, plus at most one final empty page.
    assert math.ceil(4_500 / 2000) <= len(calls) <= math.ceil(4_500 / 2000) + 1
    assert calls[-1].remaining_count == 0
    # Every call sent the hashes committed by the pages before it.
    assert [c.hashes_sent for c in calls] == [
        min(held + i * 2000, total) for i in range(len(calls))
    ]
    assert_matches_server(store, simulator)


def test_resync_with_nothing_changed_sends_one_call_per_scope_and_writes_nothing(
    store: Store, simulator: Simulator
):
    sync(store, simulator)
    before = local_catalogue(store)
    simulator.request_log.clear()
    recorder = Recorder()

    summary = sync(store, simulator, recorder=recorder)

    assert summary.outcome is Outcome.COMPLETE
    assert recorder.changes == []
    counts = simulator.dataset.counts()
    assert len(_calls(simulator, "sync_fields")) == counts["organizations"]
    assert len(_calls(simulator, "sync_surveys")) == counts["fields"]
    assert len(_calls(simulator, "sync_mosaics")) == counts["surveys"]
    assert local_catalogue(store) == before


def test_incremental_sync_applies_adds_updates_and_deletes_at_every_level(
    store: Store, simulator: Simulator
):
    sync(store, simulator)
    data = simulator.dataset
    org = data.organizations()[0]["sentera_id"]
    fields = data.field_ids()
    new_field = data.add_field(org, name="East Quarter")
    new_survey = data.add_survey(new_field, mosaics=3, name="June flight")
    data.update_field(fields[0], name="Renamed field")
    victim_field = fields[1]
    cascaded_surveys = {s["sentera_id"] for s in data.surveys_of(victim_field)}
    data.delete_field(victim_field)
    survey = next(s for s in data.survey_ids() if s != new_survey)
    mosaics = [m["sentera_id"] for m in data.mosaics_of(survey)]
    data.update_mosaic(mosaics[0], name="Re-processed", quality="PREVIEW")
    data.delete_mosaic(mosaics[1])
    added = data.add_mosaic(survey)
    recorder = Recorder()

    summary = sync(store, simulator, recorder=recorder)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert_matches_server(store, simulator)
    by_level: dict[Level, dict[str, set[str]]] = {}
    for cs in recorder.changes:
        kinds = by_level.setdefault(
            cs.level, {"inserted": set(), "updated": set(), "deleted": set()}
        )
        kinds["inserted"] |= cs.inserted
        kinds["updated"] |= cs.updated
        kinds["deleted"] |= cs.deleted
    assert new_field in by_level[Level.FIELDS]["inserted"]
    assert fields[0] in by_level[Level.FIELDS]["updated"]
    assert victim_field in by_level[Level.FIELDS]["deleted"]
    assert added in by_level[Level.MOSAICS]["inserted"]
    assert mosaics[0] in by_level[Level.MOSAICS]["updated"]
    assert mosaics[1] in by_level[Level.MOSAICS]["deleted"]
    cascaded = set().union(*(cs.cascaded_surveys for cs in recorder.changes))
    assert cascaded_surveys <= cascaded
    assert not cascaded_surveys & set(local_catalogue(store)["surveys"])


def test_a_moved_survey_follows_its_new_field(store: Store, simulator: Simulator):
    sync(store, simulator)
    data = simulator.dataset
    survey = _a_survey(simulator)
    old_field = next(
        f for f in data.field_ids() if any(s["sentera_id"] == survey for s in data.surveys_of(f))
    )
    new_field = next(f for f in data.field_ids() if f != old_field)
    data.move_survey(survey, new_field)

    assert sync(store, simulator).outcome is Outcome.COMPLETE
    assert_matches_server(store, simulator)


def test_the_page_writes_happen_on_the_calling_thread_while_requests_overlap(
    store: Store, simulator: Simulator
):
    # Two mosaic requests must wait at the server together to pass this two-party
    # barrier: one request at a time would only get through when the hold times out.
    barrier = simulator.faults.add("hold", query="sync_mosaics", parties=2, times=2, seconds=20)
    recorder = Recorder()
    result: dict[str, object] = {}

    def run() -> None:
        result["thread"] = threading.get_ident()
        result["summary"] = sync(store, simulator, recorder=recorder, concurrency=4)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert result["summary"].outcome is Outcome.COMPLETE
    assert recorder.threads == {result["thread"]}, "events and writes come from one thread"
    assert barrier.met, "two scope loops had requests at the server at the same time"


def test_cancel_stops_within_one_page_and_is_never_reported_complete(
    store: Store, simulator: Simulator
):
    sync(store, simulator)
    survey = _a_survey(simulator)
    held = len(simulator.dataset.mosaics_of(survey))
    simulator.dataset.add_mosaics(survey, 9_000)
    simulator.request_log.clear()
    cancel = CancelToken()
    recorder = Recorder()

    def cancel_after_first_mosaic_page(event) -> None:
        if getattr(event, "level", None) is Level.MOSAICS and getattr(event, "inserted", None):
            cancel.cancel()

    recorder.hook = cancel_after_first_mosaic_page
    summary = sync(
        store, simulator, Scope(ScopeKind.SURVEY, survey), recorder=recorder, cancel=cancel
    )

    assert summary.outcome is Outcome.CANCELLED
    assert not summary.up_to_date
    assert len(_calls(simulator, "sync_mosaics", survey)) <= 2
    kept = sum(1 for m in local_catalogue(store)["mosaics"].values() if m[1] == survey)
    assert held < kept < simulator.dataset.mosaic_count(survey)
    assert store.runs(limit=1)[0].outcome == "cancelled"

    # The next run resumes from what was committed: its first call sends those hashes.
    simulator.request_log.clear()
    assert sync(store, simulator, Scope(ScopeKind.SURVEY, survey)).outcome is Outcome.COMPLETE
    assert _calls(simulator, "sync_mosaics", survey)[0].hashes_sent == kept
    assert_matches_server(store, simulator)


def test_server_sync_errors_are_stored_and_reported(store: Store, simulator: Simulator):
    survey = _a_survey(simulator)
    simulator.dataset.set_failed(
        survey, [{"key": "missing_file", "code": "MISSING_FILE", "message": "Mosaic file missing"}]
    )
    summary = sync(store, simulator)

    assert summary.outcome is Outcome.COMPLETE
    assert not summary.up_to_date, "failed items mean the catalogue is not fully up to date"
    assert [e.key for e in summary.sync_errors] == ["missing_file"]
    stored = store.sync_errors(scope_id=survey)
    assert [e.message for e in stored] == ["Mosaic file missing"]


def test_integrity_after_a_full_sync(store: Store, simulator: Simulator):
    sync(store, simulator)
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
