"""Every simulator fault mode ends in a successful retry or the documented outcome, and a
failed page leaves the local copy exactly as it was."""

from __future__ import annotations

import pytest

from app.api.errors import RateLimited, ServerError, ServerUnavailable
from app.domain import Outcome
from app.simulator import Simulator
from app.store import Store
from app.sync.events import CancelToken
from app.sync.retry import RetryPolicy

from .helpers import assert_matches_server, local_catalogue, sync


def _prepare(store: Store, sim: Simulator) -> tuple[str, dict]:
    """A synced store, then server-side changes in one survey the next sync must fetch."""
    assert sync(store, sim).outcome is Outcome.COMPLETE
    survey = sim.dataset.survey_ids()[0]
    sim.dataset.add_mosaics(survey, 5)
    first = sim.dataset.mosaics_of(survey)[0]["sentera_id"]
    sim.dataset.update_mosaic(first, name="Re-flown")
    sim.request_log.clear()
    return survey, local_catalogue(store)


TRANSIENT = [
    {"kind": "http_status", "status": 500},
    {"kind": "http_status", "status": 502},
    {"kind": "http_status", "status": 503},
    {"kind": "rate_limit", "retry_after": 0},
    {"kind": "close_connection"},
    {"kind": "truncated_body"},
    {"kind": "latency", "seconds": 0.2},
    {"kind": "trickle", "chunks": 5, "interval": 0.02},
]


@pytest.mark.parametrize("fault", TRANSIENT, ids=lambda f: f"{f['kind']}-{f.get('status', '')}")
def test_transient_faults_are_retried_and_the_run_completes(
    store: Store, simulator: Simulator, fault: dict
):
    survey, _ = _prepare(store, simulator)
    simulator.faults.add(query="sync_mosaics", scope_id=survey, times=2, **fault)

    summary = sync(store, simulator)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert_matches_server(store, simulator)


PERMANENT = [
    ({"kind": "http_status", "status": 503, "times": None}, "FieldAgent"),
    ({"kind": "non_json"}, ""),
    ({"kind": "graphql_error", "message": "Survey is locked"}, "Survey is locked"),
    ({"kind": "missing_field", "field": "content_hash"}, "content_hash"),
    ({"kind": "stuck_remaining", "times": None}, "without progress"),
]


@pytest.mark.parametrize(
    "fault,says", PERMANENT, ids=lambda v: v["kind"] if isinstance(v, dict) else ""
)
def test_a_scope_that_keeps_failing_ends_the_run_partial_with_its_page_not_applied(
    store: Store, simulator: Simulator, fault: dict, says: str
):
    survey, before = _prepare(store, simulator)
    fault = {"times": 1, **fault}
    simulator.faults.add(query="sync_mosaics", scope_id=survey, **fault)

    summary = sync(store, simulator)

    assert summary.outcome is Outcome.PARTIAL, summary.message
    assert not summary.up_to_date
    assert [f.scope_id for f in summary.scope_failures] == [survey]
    assert says in summary.scope_failures[0].message
    after = local_catalogue(store)
    mine = lambda cat: {k: v for k, v in cat["mosaics"].items() if v[1] == survey}  # noqa: E731
    if fault["kind"] != "stuck_remaining":  # a stuck page is applied (it is valid), then given up
        assert mine(after) == mine(before), "the failed page must not be half-applied"
    # The other scopes synced, and the failure is recorded for the tree to show.
    others = {k for k in after["surveys"] if k != survey}
    assert others
    states = {s.scope_id: s for s in store.scope_states()}
    assert states[survey].last_error
    # The next run, without the fault, completes and catches up.
    simulator.faults.clear()
    assert sync(store, simulator).outcome is Outcome.COMPLETE
    assert_matches_server(store, simulator)


def test_an_expired_token_that_cannot_be_refreshed_stops_the_run_as_signed_out(
    store: Store, simulator: Simulator
):
    _survey, before = _prepare(store, simulator)
    simulator.faults.add(kind="expire_token", query="sync_mosaics", times=None)

    summary = sync(store, simulator)

    assert summary.outcome is Outcome.SIGNED_OUT
    assert "sign in" in summary.message.lower()
    assert local_catalogue(store)["mosaics"] == before["mosaics"]


def test_the_server_going_away_mid_run_interrupts_the_run_and_keeps_what_was_applied(
    store: Store, simulator: Simulator
):
    _prepare(store, simulator)
    simulator.faults.add(kind="close_connection", query="sync_mosaics", times=None)

    summary = sync(store, simulator)

    assert summary.outcome is Outcome.INTERRUPTED
    assert "continue" in summary.message
    assert store.runs(limit=1)[0].outcome == "interrupted"
    simulator.faults.clear()
    assert sync(store, simulator).outcome is Outcome.COMPLETE
    assert_matches_server(store, simulator)


def test_retry_policy_honours_retry_after_and_gives_up_when_bounded():
    policy = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=30, max_total_delay=10)
    limited = RateLimited("429", retry_after=7)
    assert policy.delay_before(1, limited, waited=0) == 7
    assert policy.delay_before(1, limited, waited=5) is None  # over the total budget
    server = ServerError("500", status=500)
    assert 0 <= policy.delay_before(2, server, waited=0) <= 1.0
    unavailable = ServerUnavailable("503", status=503, retry_after=4)
    assert policy.delay_before(1, unavailable, waited=0) == 4
    assert policy.delay_before(3, server, waited=0) is None  # out of attempts


class _RecordingCancel(CancelToken):
    """The engine waits between attempts on its cancel token: record how long it asked
    for, and return at once, so the test proves the wait without taking it."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return super().wait(0)


@pytest.mark.parametrize("fault", [{"kind": "http_status", "status": 503}, {"kind": "rate_limit"}])
def test_retry_after_is_honoured_on_503_as_on_429(
    store: Store, simulator: Simulator, fault: dict
) -> None:
    survey, _ = _prepare(store, simulator)
    simulator.faults.add(query="sync_mosaics", scope_id=survey, retry_after=9, **fault)
    cancel = _RecordingCancel()
    # Backoff alone would wait at most 0.01 s: only the server's Retry-After asks for 9.
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=60, max_total_delay=60)

    summary = sync(store, simulator, cancel=cancel, retry=retry)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert cancel.waits == [9.0]
    statuses = [r.status for r in simulator.request_log.for_query("sync_mosaics")]
    assert statuses.count(fault.get("status", 429)) == 1 and statuses[-1] == 200
    assert_matches_server(store, simulator)


def test_an_untrusted_certificate_stops_the_run_as_a_tls_problem(
    store: Store, tls_simulator: Simulator
) -> None:
    summary = sync(store, tls_simulator)

    assert summary.outcome is Outcome.FAILED
    assert "certificate" in summary.message
    assert "could not be reached" not in summary.message
    assert store.runs(limit=1)[0].outcome is Outcome.FAILED
