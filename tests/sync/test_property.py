"""Property: whatever the server does between syncs, and whatever goes wrong during them,
a sync that completes leaves the local catalogue equal to the server's, field for field."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.domain import ChangeSet, Outcome
from app.simulator import Simulator, SimulatorConfig
from app.store import Store
from app.sync.events import CancelToken, RunSummary

from .helpers import Recorder, assert_matches_server, sync


def small_pages_simulator() -> Simulator:
    """A fresh account per example, so a failing example replays and shrinks alone.
    Tiny page caps make a handful of changes span several pages."""
    return Simulator(SimulatorConfig(size="tiny", fields_cap=2, surveys_cap=3, mosaics_cap=7))


def _pick(items: list[str], index: int) -> str | None:
    return items[index % len(items)] if items else None


def _server_change(sim: Simulator, op: tuple[str, int, int]) -> None:
    data = sim.dataset
    kind, a, b = op
    fields, surveys = data.field_ids(), data.survey_ids()
    if kind == "add_mosaics" and (survey := _pick(surveys, a)):
        data.add_mosaics(survey, 1 + b % 12)
    elif kind == "update_mosaic" and (survey := _pick(surveys, a)):
        mosaic = _pick([m["sentera_id"] for m in data.mosaics_of(survey)], b)
        if mosaic:
            data.update_mosaic(mosaic, name=f"Re-processed {b}", released=bool(b % 2))
    elif kind == "delete_mosaic" and (survey := _pick(surveys, a)):
        mosaic = _pick([m["sentera_id"] for m in data.mosaics_of(survey)], b)
        if mosaic:
            data.delete_mosaic(mosaic)
    elif kind == "add_survey" and (field := _pick(fields, a)):
        data.add_survey(field, mosaics=b % 9)
    elif kind == "delete_survey" and (survey := _pick(surveys, a)):
        data.delete_survey(survey)
    elif kind == "move_survey" and (survey := _pick(surveys, a)) and (field := _pick(fields, b)):
        data.move_survey(survey, field)
    elif kind == "add_field":
        org = _pick([o["sentera_id"] for o in data.organizations()], a)
        if org:
            data.add_field(org, name=f"Field {b}")
    elif kind == "update_field" and (field := _pick(fields, a)):
        data.update_field(field, name=f"Renamed {b}")
    elif kind == "delete_field" and len(fields) > 1 and (field := _pick(fields, a)):
        data.delete_field(field)


SERVER_CHANGES = st.tuples(
    st.sampled_from(
        [
            "add_mosaics",
            "update_mosaic",
            "delete_mosaic",
            "add_survey",
            "delete_survey",
            "move_survey",
            "add_field",
            "update_field",
            "delete_field",
        ]
    ),
    st.integers(0, 50),
    st.integers(0, 50),
)
FAULTS = st.sampled_from(
    [
        {"kind": "http_status", "status": 503, "times": 1},
        {"kind": "http_status", "status": 500, "times": None},
        {"kind": "close_connection", "times": 1},
        {"kind": "close_connection", "times": None},
        {"kind": "truncated_body", "times": 1},
        {"kind": "graphql_error", "times": 1},
        {"kind": "missing_field", "field": "content_hash", "times": 1},
        {"kind": "stuck_remaining", "times": 2},
    ]
)
SYNCS = st.one_of(
    st.tuples(st.just("sync"), st.none()),
    st.tuples(
        st.just("sync_with_fault"),
        st.tuples(
            FAULTS,
            st.sampled_from([None, "sync_fields", "sync_surveys", "sync_mosaics"]),
            st.integers(0, 6),
        ),
    ),
    st.tuples(st.just("sync_cancelled_after"), st.integers(1, 6)),
)
STEPS = st.lists(st.one_of(SERVER_CHANGES.map(lambda c: ("change", c)), SYNCS), max_size=10)


def _cancel_after(pages: int, cancel: CancelToken) -> Recorder:
    seen = [0]

    def hook(event: Any) -> None:
        if isinstance(event, ChangeSet):
            seen[0] += 1
            if seen[0] >= pages:
                cancel.cancel()

    return Recorder(hook=hook)


def _check_faulty_run(sim: Simulator, store: Store, summary: RunSummary, arg: Any) -> None:
    """Whatever the fault did, the outcome says so truthfully and nothing was damaged."""
    fault, query, _after = arg
    fired = any(record.faults for record in sim.request_log)
    assert "database" not in summary.message
    if summary.outcome is Outcome.COMPLETE:
        # Not fired, or retried away: then everything was synced.
        assert not summary.scope_failures
        assert_matches_server(store, sim)
    elif summary.outcome is Outcome.PARTIAL:
        assert fired and summary.scope_failures, summary.message
    elif summary.outcome is Outcome.INTERRUPTED:
        # Only a connection that keeps dropping ends a run as "network gone".
        assert fired and fault["kind"] == "close_connection", summary.message
    elif summary.outcome is Outcome.FAILED:
        # A run fails outright only when the organization list itself cannot be had
        # (a fault on every query); the local database never fails.
        assert fired and query is None, summary.message
    else:
        raise AssertionError(f"a fault cannot end a run as {summary.outcome}")


# Fifty examples, each on its own server, some retrying dropped connections: minutes on
# a busy two-core machine, so more than the suite's default per-test limit.
@pytest.mark.slow
@pytest.mark.timeout(1200)
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=STEPS)
# Always include a run that must end PARTIAL (a scope that keeps failing) and one that
# must end INTERRUPTED, whatever the random examples hold.
@example(
    steps=[
        (
            "sync_with_fault",
            ({"kind": "http_status", "status": 500, "times": None}, "sync_mosaics", 0),
        )
    ]
)
@example(
    steps=[("sync_with_fault", ({"kind": "close_connection", "times": None}, "sync_surveys", 0))]
)
def test_a_completed_sync_always_converges_to_the_server(steps: list) -> None:
    with (
        small_pages_simulator() as sim,
        tempfile.TemporaryDirectory() as directory,
        Store.open(Path(directory) / "fielddesk.sqlite3") as store,
    ):
        for step in steps:
            kind, arg = step
            if kind == "change":
                _server_change(sim, arg)
            elif kind == "sync":
                summary = sync(store, sim)
                assert summary.outcome is Outcome.COMPLETE, summary.message
                assert_matches_server(store, sim)
            elif kind == "sync_with_fault":
                fault, query, after = arg
                sim.request_log.clear()
                sim.faults.add(query=query, after=after, **fault)
                summary = sync(store, sim)
                sim.faults.clear()
                _check_faulty_run(sim, store, summary, arg)
            else:
                cancel = CancelToken()
                summary = sync(store, sim, cancel=cancel, recorder=_cancel_after(arg, cancel))
                if summary.outcome is Outcome.COMPLETE:
                    assert not cancel.cancelled, "a cancelled run is never reported complete"
                    assert_matches_server(store, sim)
                else:
                    assert summary.outcome is Outcome.CANCELLED, summary.message
                    assert cancel.cancelled
        sim.faults.clear()
        final = sync(store, sim)
        assert final.outcome is Outcome.COMPLETE, final.message
        assert_matches_server(store, sim)
