"""The engine's promises, each checked so that breaking it fails a test.

Real HTTP against the simulator, a real SQLite file; the moments that matter (a cancel
while a page is being written, requests at the server together) are made to happen
with SQLite's statement trace and the simulator's `hold` fault, never with sleeps.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event

from app.domain import ChangeSet, Level, Outcome, Scope, ScopeKind
from app.simulator import Simulator
from app.store import Store
from app.sync.events import CancelToken

from .helpers import Recorder, assert_matches_server, sync


def _calls(sim: Simulator, query: str, scope_id: str) -> list[Any]:
    return [r for r in sim.request_log.for_query(query) if r.scope_id == scope_id]


def _on_every_statement(store: Store, trace: Any) -> None:
    """Call `trace(sql)` for each statement SQLite runs on the store's connections
    (the writer uses the driver's cursor directly, below SQLAlchemy's own events)."""

    def install(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.set_trace_callback(trace)

    event.listen(store.engine, "connect", install)
    store.engine.dispose()  # connections made from now on get the trace


def test_a_cancel_while_a_page_is_being_written_drops_that_page(store: Store, simulator: Simulator):
    sync(store, simulator)
    survey = simulator.dataset.survey_ids()[0]
    held = store.local_hashes(Level.MOSAICS, survey)
    simulator.dataset.add_mosaics(survey, 50)
    cancel = CancelToken()

    def cancel_mid_write(sql: str) -> None:
        # The page's rows are going in: the engine's check before the write has passed,
        # the transaction is open and not yet committed.
        if sql.startswith("INSERT INTO mosaics"):
            cancel.cancel()

    _on_every_statement(store, cancel_mid_write)
    recorder = Recorder()
    summary = sync(
        store, simulator, Scope(ScopeKind.SURVEY, survey), recorder=recorder, cancel=cancel
    )

    assert cancel.cancelled
    assert summary.outcome is Outcome.CANCELLED
    assert summary.upserted == 0
    assert store.local_hashes(Level.MOSAICS, survey) == held, "the page in hand was dropped"
    assert [c for c in recorder.changes if c.level is Level.MOSAICS] == []


def test_an_empty_page_ends_the_scope_complete_whatever_remaining_count_says(
    store: Store, simulator: Simulator
):
    sync(store, simulator)
    survey = simulator.dataset.survey_ids()[0]
    simulator.dataset.add_mosaics(survey, 3)
    simulator.faults.add("empty_page", query="sync_mosaics", scope_id=survey, remaining=5)
    simulator.request_log.clear()

    summary = sync(store, simulator, Scope(ScopeKind.SURVEY, survey))

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert summary.scope_failures == ()
    calls = _calls(simulator, "sync_mosaics", survey)
    assert [(c.remaining_count, c.faults) for c in calls] == [(None, ("empty_page",))]
    (state,) = [s for s in store.scope_states() if s.scope_id == survey]
    assert state.last_run_complete and state.last_full_sync_at is not None
    # Nothing was lost: the next run fetches what the empty page did not carry.
    assert sync(store, simulator).outcome is Outcome.COMPLETE
    assert_matches_server(store, simulator)


def test_each_call_sends_exactly_the_hashes_committed_so_far(store: Store, simulator_factory):
    sim = simulator_factory(mosaics_cap=3, record_hashes=True)
    survey = sim.dataset.survey_ids()[0]
    sync(store, sim)
    mosaics = [m["sentera_id"] for m in sim.dataset.mosaics_of(survey)]
    assert len(mosaics) >= 4
    for gone in mosaics[:2]:
        sim.dataset.delete_mosaic(gone)
    sim.dataset.update_mosaic(mosaics[2], name="Re-processed")
    sim.dataset.add_mosaics(survey, 7)
    before = store.local_hashes(Level.MOSAICS, survey)
    sim.request_log.clear()
    recorder = Recorder()

    summary = sync(store, sim, Scope(ScopeKind.SURVEY, survey), recorder=recorder)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert summary.deleted == 2
    server = {m["sentera_id"]: m["content_hash"] for m in sim.dataset.mosaics_of(survey)}
    # What the client holds after each page, from the pages it committed.
    expected = [set(before.values())]
    held = dict(before)
    pages: list[ChangeSet] = [c for c in recorder.changes if c.level is Level.MOSAICS]
    for page in pages:
        for sid in page.deleted:
            held.pop(sid)
        for sid in page.inserted | page.updated:
            held[sid] = server[sid]
        expected.append(set(held.values()))
    calls = _calls(sim, "sync_mosaics", survey)
    assert len(calls) >= 3, "a multi-page run"
    assert any(page.deleted for page in pages[:-1]), "a deletion before the last page"
    assert [set(c.hashes) for c in calls] == expected[: len(calls)]
    assert held == store.local_hashes(Level.MOSAICS, survey)
    assert_matches_server(store, sim)


def test_a_page_that_changes_nothing_stops_the_scope_at_once(store: Store, simulator_factory):
    """A server that answers the same page again (remaining_count never shrinking) is
    given up on the first repeat, not after the remaining-count guard's three pages."""
    sim = simulator_factory(mosaics_cap=2)
    survey = sim.dataset.survey_ids()[0]
    sync(store, sim)
    sim.dataset.add_mosaics(survey, 10)
    sim.faults.add("stuck_remaining", query="sync_mosaics", scope_id=survey, times=None)
    sim.request_log.clear()

    summary = sync(store, sim, Scope(ScopeKind.SURVEY, survey))

    assert summary.outcome is Outcome.PARTIAL
    (failure,) = summary.scope_failures
    assert failure.scope_id == survey
    assert "changed nothing" in failure.message
    # The stuck server's page is one already held: the first call ended the scope.
    assert len(_calls(sim, "sync_mosaics", survey)) == 1
