"""A server that drips one scope's answer past the request deadline fails that scope only.

The deadline is a server that answers too slowly, not a network that is gone: the other
scopes keep syncing, the run ends PARTIAL naming the deadline and the scope, the store
keeps that scope exactly as it was, and the next run without the fault catches it up.
A plain read timeout (nothing arrives at all) still means the server is out of reach.
All over real HTTP against the simulator, with a deadline shortened to fractions of a
second through the client's own setting.
"""

from __future__ import annotations

import httpx

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.api.errors import DeadlineExceeded, RequestTimeout, ServerError
from app.domain import Level, Outcome, Scope
from app.simulator import Simulator
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken, RunSummary
from app.sync.retry import RetryPolicy

from .helpers import FAST_RETRY, assert_matches_server, local_catalogue, server_catalogue, sync

DEADLINE = 0.5


def _sync_with_deadline(
    store: Store,
    sim: Simulator,
    *,
    deadline: float = DEADLINE,
    timeout: httpx.Timeout | None = None,
) -> RunSummary:
    tokens = StaticTokenProvider(sim.demo_token)
    engine = SyncEngine(
        store=store,
        client_factory=lambda: FieldAgentClient(
            sim.graphql_url, tokens, deadline=deadline, timeout=timeout
        ),
        concurrency=4,
        retry=FAST_RETRY,
    )
    return engine.run(Scope.everything(), cancel=CancelToken(), on_event=lambda event: None)


def _changes_in_two_surveys(store: Store, sim: Simulator) -> tuple[str, str]:
    """A synced store, then new mosaics in two surveys that the next run must fetch."""
    assert sync(store, sim).outcome is Outcome.COMPLETE
    slow, other = sim.dataset.survey_ids()[:2]
    sim.dataset.add_mosaics(slow, 4)
    sim.dataset.add_mosaics(other, 3)
    sim.request_log.clear()
    return slow, other


def _mosaics_of(catalogue: dict, survey: str) -> dict:
    return {k: v for k, v in catalogue["mosaics"].items() if v[1] == survey}


def test_a_scope_dripping_past_the_deadline_fails_alone_and_resumes_next_run(
    store: Store, simulator: Simulator
) -> None:
    slow, other = _changes_in_two_surveys(store, simulator)
    before = local_catalogue(store)
    # 40 pieces 0.1 s apart: every read is quick, the whole answer takes 4 s.
    simulator.faults.add(
        "trickle", query="sync_mosaics", scope_id=slow, times=None, chunks=40, interval=0.1
    )

    summary = _sync_with_deadline(store, simulator)

    assert summary.outcome is Outcome.PARTIAL, summary.message
    assert [(f.level, f.scope_id) for f in summary.scope_failures] == [(Level.MOSAICS, slow)]
    assert "0.5 s deadline" in summary.scope_failures[0].message
    assert "0.5 s deadline" in summary.message
    assert "could not be reached" not in summary.message
    # Retried once, not as often as a short timeout: each try costs a whole deadline.
    slow_calls = [c for c in simulator.request_log.for_query("sync_mosaics") if c.scope_id == slow]
    assert len(slow_calls) == FAST_RETRY.deadline_attempts
    # The store: the slow survey exactly as before, every other scope caught up.
    after, server = local_catalogue(store), server_catalogue(simulator)
    assert _mosaics_of(after, slow) == _mosaics_of(before, slow)
    assert _mosaics_of(after, other) == _mosaics_of(server, other)
    fast = {k: v for k, v in server["mosaics"].items() if v[1] != slow}
    assert {k: v for k, v in after["mosaics"].items() if v[1] != slow} == fast
    states = {(s.level, s.scope_id): s for s in store.scope_states()}
    assert not states[(Level.MOSAICS, slow)].last_run_complete
    assert "deadline" in (states[(Level.MOSAICS, slow)].last_error or "")
    assert states[(Level.MOSAICS, other)].last_run_complete
    assert store.runs(limit=1)[0].outcome is Outcome.PARTIAL

    simulator.faults.clear()
    simulator.request_log.clear()
    again = _sync_with_deadline(store, simulator)

    assert again.outcome is Outcome.COMPLETE, again.message
    assert_matches_server(store, simulator)
    resumed = [c for c in simulator.request_log.for_query("sync_mosaics") if c.scope_id == slow]
    assert resumed[0].hashes_sent == len(_mosaics_of(before, slow)), "resumed from its hashes"


def test_a_deadline_on_the_organization_list_fails_the_run_naming_the_deadline(
    store: Store, simulator: Simulator
) -> None:
    simulator.faults.add("trickle", query="organizations", times=None, chunks=40, interval=0.1)

    summary = _sync_with_deadline(store, simulator)

    # Nothing below the list can be planned without it; but it is no "network gone".
    assert summary.outcome is Outcome.FAILED, summary.message
    assert "0.5 s deadline" in summary.message


def test_a_server_that_sends_nothing_until_the_read_timeout_still_interrupts_the_run(
    store: Store, simulator: Simulator
) -> None:
    _changes_in_two_surveys(store, simulator)
    # Silence longer than the read timeout, well inside the deadline: the server (or the
    # path to it) is not answering at all, which every scope would meet.
    simulator.faults.add("latency", query="sync_mosaics", times=None, seconds=2.0)

    summary = _sync_with_deadline(
        store, simulator, deadline=30, timeout=httpx.Timeout(5.0, read=0.3)
    )

    assert summary.outcome is Outcome.INTERRUPTED, summary.message
    assert "could not be reached" in summary.message
    assert not summary.scope_failures


def test_the_retry_policy_gives_a_deadline_fewer_attempts_than_a_timeout() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.01, deadline_attempts=2)
    deadline = DeadlineExceeded("slow", deadline=3)
    assert policy.delay_before(1, deadline, waited=0) is not None  # asked again once
    assert policy.delay_before(2, deadline, waited=0) is None
    timeout = RequestTimeout("read timed out")
    assert policy.delay_before(2, timeout, waited=0) is not None
    assert policy.delay_before(4, ServerError("500", status=500), waited=0) is not None


def test_the_deadline_error_names_its_limit_for_the_user() -> None:
    assert "the 120 s deadline" in DeadlineExceeded("x", deadline=120).user_message
    assert "time limit" in DeadlineExceeded("x").user_message
