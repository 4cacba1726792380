"""The engine with an adaptive limiter, over real HTTP against a simulator that pushes
back: it converges below the server's cap without a storm of 429s, honours the shared
Retry-After pause, and a cancel still stops within one page, even mid-pause."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.domain import Level, Outcome, Scope, ScopeKind
from app.simulator import Simulator
from app.store import Store
from app.sync.backoff import Pause, ServerBackoff
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken, RunSummary
from app.sync.limiter import AdaptiveLimiter, Cancel, LimitChange, Slot
from app.sync.retry import RetryPolicy
from tests.sync.helpers import Recorder, assert_matches_server, local_catalogue


def run(
    store: Store,
    sim: Simulator,
    limiter: AdaptiveLimiter,
    *,
    scope: Scope | None = None,
    cancel: CancelToken | None = None,
    recorder: Recorder | None = None,
) -> RunSummary:
    provider = StaticTokenProvider(sim.demo_token)
    engine = SyncEngine(
        store=store,
        client_factory=lambda: FieldAgentClient(sim.graphql_url, provider),
        # The server's Retry-After sets the pace of retries; the policy only bounds them.
        retry=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=2.0),
        limiter=lambda: limiter,
    )
    return engine.run(
        scope or Scope.everything(),
        cancel=cancel or CancelToken(),
        on_event=recorder or (lambda event: None),
    )


def test_converges_below_the_servers_cap_without_a_429_storm(
    store: Store, simulator_factory: Callable[..., Simulator]
) -> None:
    sim = simulator_factory(latency=0.05, max_in_flight=3, mosaics_cap=1)
    limiter = AdaptiveLimiter(32, initial=4, backoff=ServerBackoff())
    changes: list[LimitChange] = []
    limiter.on_change(changes.append)

    summary = run(store, sim, limiter)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert_matches_server(store, sim)
    refused = sim.admission.stats().rejected
    assert 0 < refused <= max(2, summary.requests // 20), (refused, summary.requests)
    assert any("HTTP 429" in c.reason for c in changes)
    assert limiter.limit <= 3  # learnt the cap; probes above it only after a long while
    assert limiter.in_flight == 0 and sim.admission.stats().peak_in_flight <= 3


class Recording(AdaptiveLimiter):
    """Keeps when each slot was granted, to check against the pauses (same clock)."""

    granted: list[float]

    def acquire(self, cancel: Cancel | None = None) -> Slot:
        slot = super().acquire(cancel)
        self.granted.append(slot.started)
        return slot


class RecordingBackoff(ServerBackoff):
    """Keeps every pause as (from, until) on its clock."""

    periods: list[tuple[float, float]]

    def pause(self, seconds: float, reason: str) -> Pause:
        began = self.clock()
        pause = super().pause(seconds, reason)
        self.periods.append((began, pause.until))
        return pause


def test_a_retry_after_pauses_every_scope(
    store: Store, simulator_factory: Callable[..., Simulator]
) -> None:
    sim = simulator_factory(latency=0.05)
    run(store, sim, AdaptiveLimiter(8, backoff=ServerBackoff()))  # a first full sync
    for survey in sim.dataset.survey_ids():
        sim.dataset.add_mosaics(survey, 3)
    sim.faults.add("rate_limit", query="sync_mosaics", retry_after=1, times=1)
    sim.request_log.clear()
    backoff = RecordingBackoff()
    backoff.periods = []
    limiter = Recording(8, backoff=backoff)
    limiter.granted = []

    summary = run(store, sim, limiter)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert_matches_server(store, sim)
    assert [r.status for r in sim.request_log if r.status != 200] == [429]
    [(began, until)] = backoff.periods
    assert until - began == pytest.approx(1.0, abs=0.05)
    # Every scope held back: no request of any scope was let out during the pause, and
    # the refused one and the others went on after it.
    assert not [t for t in limiter.granted if began <= t < until]
    assert len([t for t in limiter.granted if t >= until]) > 1


def test_cancel_during_a_pause_ends_the_run_without_waiting_it_out(
    store: Store, simulator_factory: Callable[..., Simulator]
) -> None:
    sim = simulator_factory(latency=0.2, max_in_flight=1, overload_retry_after=60)
    backoff = ServerBackoff()
    limiter = AdaptiveLimiter(32, initial=4, backoff=backoff)
    cancel = CancelToken()
    limiter.on_change(lambda change: cancel.cancel())  # the first 429 cancels the run

    summary = run(store, sim, limiter, cancel=cancel)

    assert summary.outcome is Outcome.CANCELLED
    assert backoff.remaining() > 0, "the run ended while the pause was still in force"
    assert sim.admission.stats().rejected >= 1
    assert limiter.in_flight == 0


def test_cancel_stops_within_one_page(store: Store, simulator_factory: Callable[..., Simulator]):
    sim = simulator_factory(latency=0.02, max_in_flight=4)
    run(store, sim, AdaptiveLimiter(8, backoff=ServerBackoff()))
    survey = sim.dataset.survey_ids()[0]
    held = len(sim.dataset.mosaics_of(survey))
    sim.dataset.add_mosaics(survey, 9_000)
    sim.request_log.clear()
    cancel = CancelToken()
    recorder = Recorder()

    def cancel_after_first_mosaic_page(event: object) -> None:
        if getattr(event, "level", None) is Level.MOSAICS and getattr(event, "inserted", None):
            cancel.cancel()

    recorder.hook = cancel_after_first_mosaic_page
    limiter = AdaptiveLimiter(8, backoff=ServerBackoff())
    summary = run(
        store,
        sim,
        limiter,
        scope=Scope(ScopeKind.SURVEY, survey),
        cancel=cancel,
        recorder=recorder,
    )

    assert summary.outcome is Outcome.CANCELLED
    assert len([r for r in sim.request_log.for_query("sync_mosaics")]) <= 2
    kept = sum(1 for m in local_catalogue(store)["mosaics"].values() if m[1] == survey)
    assert held < kept < sim.dataset.mosaic_count(survey)
    assert limiter.in_flight == 0
