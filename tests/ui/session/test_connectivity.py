"""Online state and syncing by itself, with the real simulator stopped and restarted on
the same port, a real store and the real sync controller on its QThread."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from app.api import StaticTokenProvider
from app.domain import Level, Outcome, Scope
from app.simulator import Simulator
from app.store import Store
from app.sync.events import RunSummary
from app.sync.worker import SyncController
from app.ui.common.preferences import AutoSyncSettings
from app.ui.common.tasks import NETWORK, TaskManager
from app.ui.session.autosync import AutoSync
from app.ui.session.connectivity import (
    Connection,
    ConnectionMonitor,
    ProbeTimings,
    probe_server,
)
from tests.ui.conftest import quick_runner

FAST = ProbeTimings(online_interval=300, first_backoff=100, max_backoff=400)
WAIT = 15_000  # ms: generous upper bounds for waitUntil, never fixed sleeps


def monitor_for(sim: Simulator, token: str | None = None) -> ConnectionMonitor:
    tokens = StaticTokenProvider(token or sim.demo_token)
    return ConnectionMonitor(
        sim.graphql_url, lambda: tokens, TaskManager(), timings=FAST, use_network_information=False
    )


def test_the_indicator_follows_the_server_going_away_and_coming_back(
    qtbot: Any, simulator: Simulator
):
    monitor = monitor_for(simulator)
    seen: list[Connection] = []
    monitor.status_changed.connect(lambda status: seen.append(status.state))
    monitor.start()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.ONLINE, timeout=WAIT)

    simulator.stop()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.UNREACHABLE, timeout=WAIT)
    assert not monitor.status.can_sync
    assert monitor.status.reason
    went_down = monitor.status.since

    simulator.start()  # same port
    qtbot.waitUntil(lambda: monitor.status.state is Connection.ONLINE, timeout=WAIT)
    assert monitor.status.since >= went_down
    assert seen[:3] == [Connection.ONLINE, Connection.UNREACHABLE, Connection.ONLINE]
    monitor.stop()


# Long enough that no timer-driven probe starts while a test looks at one already out.
PATIENT = ProbeTimings(online_interval=600_000, first_backoff=600_000, max_backoff=600_000)


def test_a_probe_already_out_cannot_overrule_a_sync_that_lost_the_server(
    qtbot: Any, simulator: Simulator
):
    """The sync's evidence (server gone) arrives while a periodic probe is at the
    server; that probe's answer, older than the evidence, must not flip the state back."""
    tokens = StaticTokenProvider(simulator.demo_token)
    tasks = TaskManager()
    monitor = ConnectionMonitor(
        simulator.graphql_url,
        lambda: tokens,
        tasks,
        timings=PATIENT,
        use_network_information=False,
    )
    seen: list[Connection] = []
    monitor.status_changed.connect(lambda status: seen.append(status.state))
    monitor.start()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.ONLINE, timeout=WAIT)
    hold = simulator.faults.add("hold", query="user", seconds=30)
    monitor.probe_now()
    assert hold.wait_for_arrivals(1), "the probe reached the server"

    monitor.report_unreachable("Interrupted: FieldAgent could not be reached.")
    hold.release()
    # The held probe's answer (ONLINE) has been delivered once the pool is idle.
    qtbot.waitUntil(lambda: not tasks.busy(NETWORK), timeout=WAIT)

    assert seen == [Connection.ONLINE, Connection.UNREACHABLE]
    assert monitor.status.state is Connection.UNREACHABLE
    # Probes started after the evidence decide again.
    monitor.probe_now()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.ONLINE, timeout=WAIT)
    monitor.stop()


def test_a_probe_already_out_cannot_overrule_a_sync_that_was_signed_out(
    qtbot: Any, simulator: Simulator
):
    tokens = StaticTokenProvider(simulator.demo_token)
    tasks = TaskManager()
    monitor = ConnectionMonitor(
        simulator.graphql_url,
        lambda: tokens,
        tasks,
        timings=PATIENT,
        use_network_information=False,
    )
    seen: list[Connection] = []
    monitor.status_changed.connect(lambda status: seen.append(status.state))
    monitor.start()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.ONLINE, timeout=WAIT)
    hold = simulator.faults.add("hold", query="user", seconds=30)
    monitor.probe_now()
    assert hold.wait_for_arrivals(1)
    monitor.report_signed_out("Signed out: sign in to sync.")
    hold.release()
    qtbot.waitUntil(lambda: not tasks.busy(NETWORK), timeout=WAIT)
    assert seen == [Connection.ONLINE, Connection.SIGNED_OUT]
    monitor.stop()


def test_a_server_url_fielddesk_refuses_is_not_reported_connected():
    """Plain HTTP off loopback is refused before anything is sent: not "Connected"."""
    url = "http://api.example.com/graphql"
    for tokens in (StaticTokenProvider("a-token"), None):
        state, reason = probe_server(url, tokens)
        assert state is Connection.UNREACHABLE, (tokens, reason)
        assert "https://" in reason


def test_a_refused_token_shows_as_signed_out(qtbot: Any, simulator: Simulator):
    monitor = monitor_for(simulator, token="not-a-valid-token")
    monitor.start()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.SIGNED_OUT, timeout=WAIT)
    monitor.stop()


def test_backoff_grows_while_unreachable_and_is_bounded(qtbot: Any, simulator: Simulator):
    simulator.stop()
    monitor = monitor_for(simulator)
    delays: list[int] = []
    monitor.start()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.UNREACHABLE, timeout=WAIT)
    for _ in range(4):
        qtbot.waitUntil(lambda: monitor.scheduled_delay_ms > 0, timeout=WAIT)
        delays.append(monitor.scheduled_delay_ms)
        monitor.probe_now()  # skip the wait: probe at once, as the timer would
        qtbot.waitUntil(lambda: not monitor.probing, timeout=WAIT)
    assert max(delays) <= FAST.max_backoff
    assert delays[-1] > delays[0]
    monitor.stop()


class Harness:
    """A controller, a monitor and the scheduler, wired as the window wires them."""

    def __init__(self, qtbot: Any, store: Store, sim: Simulator, settings: AutoSyncSettings):
        self.controller = SyncController(quick_runner(store, sim))
        self.monitor = monitor_for(sim)
        self.summaries: list[RunSummary] = []
        # Summaries and connection states in the order they happened, so a test checks
        # what followed what instead of reading a state that may have moved on.
        self.timeline: list[Outcome | Connection] = []
        self.starts = 0
        self.overlaps = 0
        self.controller.started.connect(self._on_started)
        self.controller.finished.connect(self.summaries.append)
        # Connected before the scheduler's slots, so the timeline puts causes first.
        self.controller.finished.connect(lambda summary: self.timeline.append(summary.outcome))
        self.monitor.status_changed.connect(lambda status: self.timeline.append(status.state))
        self.auto = AutoSync(
            self.controller,
            self.monitor,
            settings=settings,
            last_complete_sync=store.last_successful_sync_at,
        )
        self.controller.finished.connect(self.auto.on_run_finished)
        self.running = False
        self.controller.running_changed.connect(self._on_running)

    def _on_started(self, _scope: object) -> None:
        self.starts += 1

    def _on_running(self, running: bool) -> None:
        if running and self.running:
            self.overlaps += 1
        self.running = running

    def close(self) -> None:
        self.monitor.stop()
        self.controller.shutdown()


def test_a_sync_starts_by_itself_when_the_server_comes_back(
    qtbot: Any, store: Store, simulator: Simulator
):
    harness = Harness(
        qtbot,
        store,
        simulator,
        AutoSyncSettings(on_reconnect=True, settle_ms=50, periodic_minutes=0, first_sync=False),
    )
    harness.monitor.start()
    qtbot.waitUntil(lambda: harness.monitor.status.state is Connection.ONLINE, timeout=WAIT)
    assert harness.starts == 0  # sync on start is off
    simulator.stop()
    qtbot.waitUntil(lambda: harness.monitor.status.state is Connection.UNREACHABLE, timeout=WAIT)

    simulator.start()

    qtbot.waitUntil(lambda: len(harness.summaries) == 1, timeout=WAIT)
    assert harness.summaries[0].outcome is Outcome.COMPLETE
    assert store.counts().mosaics == simulator.dataset.counts()["mosaics"]
    harness.close()


def test_a_run_cut_off_by_the_network_resumes_by_itself_without_refetching(
    qtbot: Any, store: Store, simulator_factory
):
    sim = simulator_factory(mosaics_cap=300)
    survey = sim.dataset.survey_ids()[0]
    sim.dataset.add_mosaics(survey, 1_500)
    harness = Harness(
        qtbot,
        store,
        sim,
        AutoSyncSettings(on_reconnect=True, settle_ms=50, periodic_minutes=0, first_sync=False),
    )
    harness.monitor.start()
    qtbot.waitUntil(lambda: harness.monitor.status.state is Connection.ONLINE, timeout=WAIT)
    # The connection drops after two pages of the big survey have been served.
    sim.faults.add(
        kind="close_connection", query="sync_mosaics", scope_id=survey, after=2, times=None
    )
    assert harness.controller.start(Scope.everything())
    qtbot.waitUntil(lambda: len(harness.summaries) == 1, timeout=WAIT)
    assert harness.summaries[0].outcome is Outcome.INTERRUPTED
    assert "continue" in harness.summaries[0].message
    # The interrupted run told the monitor at once (a probe still out then, made before
    # the cut, must not have said ONLINE in between: see the monitor test above).
    cut = harness.timeline.index(Outcome.INTERRUPTED)
    assert harness.timeline[cut - 1 : cut + 2] == [
        Connection.ONLINE,
        Outcome.INTERRUPTED,
        Connection.UNREACHABLE,
    ]
    kept = len(store.local_hashes(Level.MOSAICS, survey))
    sim.request_log.clear()

    sim.faults.clear()  # the network is back

    qtbot.waitUntil(lambda: len(harness.summaries) == 2, timeout=WAIT)
    assert harness.summaries[1].outcome is Outcome.COMPLETE
    calls = sim.request_log.for_query("sync_mosaics")
    big = [c for c in calls if c.scope_id == survey]
    assert big[0].hashes_sent == kept, "resumed from the committed pages"
    assert sum(c.upserted for c in big) == sim.dataset.mosaic_count(survey) - kept
    assert harness.overlaps == 0
    harness.close()


def test_periodic_sync_fires_and_runs_never_overlap(qtbot: Any, store: Store, simulator: Simulator):
    harness = Harness(
        qtbot,
        store,
        simulator,
        AutoSyncSettings(on_reconnect=False, periodic_minutes=0.3 / 60, on_start=True),
    )
    harness.monitor.start()
    qtbot.waitUntil(lambda: len(harness.summaries) >= 3, timeout=WAIT)
    assert all(s.outcome is Outcome.COMPLETE for s in harness.summaries)
    assert harness.overlaps == 0
    runs = sorted(store.runs(limit=10), key=lambda r: r.started_at)
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at
    next_at = harness.auto.next_sync_at
    assert next_at is None or next_at <= datetime.now(UTC) + timedelta(seconds=1)
    harness.close()
