"""Sync bookkeeping: scope states, the server's failed entries, runs, and "new" marks."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain import Level, Outcome, Scope, ScopeKind, SyncError
from app.store import Store, SyncState

from .conftest import mosaic, page, survey

E1 = SyncError(key="too_large", message="Mosaic M7 is too large", code="TOO_LARGE")
E2 = SyncError(key="forbidden", message="No access", reason="shared", details_json='{"n": 1}')


def _survey_state(store: Store, survey_id: str) -> SyncState:
    (row,) = [r for r in store.survey_rows() if r.sentera_id == survey_id]
    return row.sync_state


def test_failed_entries_accumulate_within_a_run_and_are_replaced_by_the_next(
    seeded: Store,
) -> None:
    run = seeded.begin_run(ScopeKind.SURVEY, "S1")
    seeded.apply_page(
        Level.MOSAICS, "S1", page(failed=[E1], remaining=5), scope_complete=False, run_id=run
    )
    seeded.apply_page(Level.MOSAICS, "S1", page(failed=[E1, E2]), scope_complete=True, run_id=run)
    stored = seeded.sync_errors(Level.MOSAICS, "S1")
    assert [(e.key, e.code, e.message, e.reason, e.details_json) for e in stored] == [
        ("too_large", "TOO_LARGE", "Mosaic M7 is too large", None, None),
        ("forbidden", None, "No access", "shared", '{"n": 1}'),
    ]
    assert {e.run_id for e in stored} == {run}
    assert seeded.sync_errors(scope_id="S2") == []
    assert _survey_state(seeded, "S1") is SyncState.WITH_ERRORS

    next_run = seeded.begin_run(ScopeKind.SURVEY, "S1")
    seeded.apply_page(Level.MOSAICS, "S1", page(), scope_complete=True, run_id=next_run)
    assert seeded.sync_errors(Level.MOSAICS, "S1") == []
    assert _survey_state(seeded, "S1") is SyncState.SYNCED


def test_a_run_that_fails_before_any_page_keeps_the_previous_errors(seeded: Store) -> None:
    run = seeded.begin_run(ScopeKind.ALL, None)
    seeded.apply_page(Level.MOSAICS, "S1", page(failed=[E1]), scope_complete=True, run_id=run)
    failing = seeded.begin_run(ScopeKind.ALL, None)
    seeded.mark_scope_started(Level.MOSAICS, "S1", failing)
    seeded.mark_scope_failed(Level.MOSAICS, "S1", failing, "Network unreachable")
    assert [e.key for e in seeded.sync_errors(Level.MOSAICS, "S1")] == ["too_large"]
    (state,) = [s for s in seeded.scope_states() if s.scope_id == "S1"]
    assert state.last_error == "Network unreachable"
    assert not state.last_run_complete
    assert state.last_full_sync_at is not None  # from the earlier, complete sync
    assert _survey_state(seeded, "S1") is SyncState.PARTIAL


def test_scope_state_records_full_syncs_only_when_complete(seeded: Store) -> None:
    seeded.apply_organizations([], complete=False)  # nothing deleted, just bookkeeping
    run = seeded.begin_run(ScopeKind.SURVEY, "S4")
    seeded.mark_scope_started(Level.MOSAICS, "S4", run)
    states = {(s.level, s.scope_id): s for s in seeded.scope_states()}
    s4 = states[Level.MOSAICS, "S4"]
    assert not s4.last_run_complete and s4.last_run_id == run
    full_before = s4.last_full_sync_at
    seeded.apply_page(Level.MOSAICS, "S4", page(remaining=3), scope_complete=False, run_id=run)
    s4 = {s.scope_id: s for s in seeded.scope_states()}["S4"]
    assert s4.last_full_sync_at == full_before and not s4.last_run_complete
    seeded.apply_page(Level.MOSAICS, "S4", page(), scope_complete=True, run_id=run)
    s4 = {s.scope_id: s for s in seeded.scope_states()}["S4"]
    assert s4.last_run_complete and s4.last_full_sync_at is not None
    # Set by this page: the same instant as the attempt it records.
    assert s4.last_full_sync_at == s4.last_attempt_at
    assert full_before is not None and s4.last_full_sync_at >= full_before
    assert states[Level.ORGANIZATIONS, None].last_run_complete is False


def test_survey_never_synced(seeded: Store) -> None:
    seeded.apply_page(
        Level.SURVEYS, "F1", page([survey("S9", "F1")]), scope_complete=True, run_id=None
    )
    assert _survey_state(seeded, "S9") is SyncState.NEVER
    (row,) = [r for r in seeded.survey_rows("F1") if r.sentera_id == "S9"]
    assert row.mosaic_count == 0 and row.last_full_sync_at is None


def test_runs_are_logged_newest_first(store: Store) -> None:
    assert store.last_successful_sync_at() is None
    first = store.begin_run(ScopeKind.ALL, None)
    store.finish_run(
        first,
        outcome=Outcome.COMPLETE,
        upserted=10,
        deleted=2,
        failed=1,
        requests=7,
        bytes=12345,
        message=None,
    )
    second = store.begin_run(ScopeKind.SURVEY, "S1")
    store.finish_run(
        second,
        outcome=Outcome.CANCELLED,
        upserted=1,
        deleted=0,
        failed=0,
        requests=1,
        bytes=10,
        message="Cancelled by the user",
    )
    third = store.begin_run(ScopeKind.FIELD, "F1")
    latest, middle, oldest = store.runs(limit=3)
    assert (latest.id, middle.id, oldest.id) == (third, second, first)
    assert latest.outcome is Outcome.RUNNING and latest.finished_at is None
    assert middle.outcome is Outcome.CANCELLED and middle.message == "Cancelled by the user"
    assert (oldest.upserted, oldest.deleted, oldest.failed, oldest.requests, oldest.bytes) == (
        10,
        2,
        1,
        7,
        12345,
    )
    assert oldest.scope_kind == "all" and oldest.scope_id is None
    assert oldest.finished_at is not None and oldest.finished_at >= oldest.started_at
    assert oldest.started_at.tzinfo is UTC
    assert store.last_successful_sync_at() == oldest.finished_at
    assert len(store.runs(limit=1)) == 1


def test_first_catalogue_is_not_new_later_arrivals_are(seeded: Store) -> None:
    assert seeded.counts().new_mosaics == 0  # no sync had completed when they arrived
    run = seeded.begin_run(ScopeKind.ALL, None)
    seeded.finish_run(
        run, outcome=Outcome.COMPLETE, upserted=6, deleted=0, failed=0, requests=1, bytes=1
    )
    seeded.apply_page(
        Level.MOSAICS,
        "S1",
        page([mosaic("M7", "S1"), mosaic("M8", "S1")]),
        scope_complete=True,
        run_id=None,
    )
    seeded.apply_page(
        Level.MOSAICS, "S2", page([mosaic("M9", "S2")]), scope_complete=True, run_id=None
    )
    flags = {m.sentera_id: m.is_new for m in seeded.mosaics_by_id(["M1", "M7", "M8", "M9"])}
    assert flags == {"M1": False, "M7": True, "M8": True, "M9": True}
    assert seeded.tree_counts().new_mosaics_per_survey["S1"] == 2

    # An update keeps the mark as it was.
    seeded.apply_page(
        Level.MOSAICS,
        "S1",
        page([mosaic("M7", "S1", content_hash="x")]),
        scope_complete=True,
        run_id=None,
    )
    assert seeded.mosaics_by_id(["M7"])[0].is_new

    assert seeded.mark_viewed(["M7", "M1"]) == 1
    assert not seeded.mosaics_by_id(["M7"])[0].is_new
    assert seeded.mark_all_viewed(Scope(ScopeKind.SURVEY, "S1")) == 1
    assert seeded.counts().new_mosaics == 1
    assert seeded.mark_all_viewed() == 1
    assert seeded.counts().new_mosaics == 0


def test_first_seen_is_kept_across_updates(seeded: Store) -> None:
    (before,) = seeded.mosaics_by_id(["M1"])
    seeded.apply_page(
        Level.MOSAICS,
        "S1",
        page([mosaic("M1", "S1", content_hash="x")]),
        scope_complete=True,
        run_id=None,
    )
    (after,) = seeded.mosaics_by_id(["M1"])
    assert after.content_hash == "x"
    assert after.first_seen_at == before.first_seen_at
    assert before.first_seen_at <= datetime.now(UTC)
