"""The QThread worker and its controller, driving the real engine against the simulator."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThread

from app.domain import ChangeSet, Level, Outcome, Scope
from app.simulator import Simulator
from app.store import MosaicQuery, Store
from app.sync import worker as worker_module
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken, Progress, RunSummary
from app.sync.worker import SyncController
from tests.ui.conftest import client_factory_for


def _controller(store: Store, sim: Simulator) -> SyncController:
    factory = client_factory_for(sim)
    return SyncController(lambda: SyncEngine(store=store, client_factory=factory))


def test_a_run_reports_through_signals_from_its_own_thread(
    qtbot: Any, store: Store, simulator: Simulator
) -> None:
    controller = _controller(store, simulator)
    events: list[object] = []
    threads: set[int] = set()
    controller.progress.connect(events.append)
    controller.changes.connect(events.append)
    controller.changes.connect(lambda _c: threads.add(threading.get_ident()))
    with qtbot.waitSignal(controller.finished, timeout=60_000) as done:
        assert controller.start(Scope.everything())
        assert controller.is_running
        assert not controller.start(Scope.everything())  # one run at a time
    summary = done.args[0]
    assert isinstance(summary, RunSummary) and summary.outcome is Outcome.COMPLETE
    assert not controller.is_running
    assert any(isinstance(e, Progress) for e in events)
    changes = [e for e in events if isinstance(e, ChangeSet)]
    mosaics = [c for c in changes if c.level is Level.MOSAICS]
    assert sum(len(c.inserted) for c in mosaics) == 60  # the tiny account's mosaics
    assert threads == {threading.get_ident()}  # delivered on the UI thread
    assert len(store.mosaic_ids(MosaicQuery())) == 60


def test_cancel_is_a_flag_the_busy_worker_sees(
    qtbot: Any, store: Store, simulator_factory: Any
) -> None:
    sim = simulator_factory(mosaics_cap=3, latency=0.05)
    controller = _controller(store, sim)
    seen: list[ChangeSet] = []
    controller.changes.connect(seen.append)
    with qtbot.waitSignal(controller.finished, timeout=60_000) as done:
        controller.start(Scope.everything())
        qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
        controller.cancel()
        assert controller.cancel_requested
    assert done.args[0].outcome is Outcome.CANCELLED


def test_a_crashing_runner_still_ends_the_run(qtbot: Any) -> None:
    class Broken:
        def run(self, scope: Scope, *, cancel: CancelToken, on_event: Any) -> RunSummary:
            raise ZeroDivisionError("bug")

    controller = SyncController(Broken)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
        controller.start(Scope.everything())
    assert done.args[0].outcome is Outcome.FAILED
    assert "internal error" in done.args[0].message
    # And the next run can start.
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        assert controller.start(Scope.everything())


def test_a_run_that_ends_before_start_returns_is_reported_once(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine a run that fails at once can end, and its worker be deleted,
    before `start()` has returned: `start()` must not touch the worker after handing
    over the run (it once raised "Internal C++ object (SyncWorker) already deleted")."""
    ran = threading.Event()

    class Broken:
        def run(self, scope: Scope, *, cancel: CancelToken, on_event: Any) -> RunSummary:
            ran.set()
            raise ZeroDivisionError("bug")

    controller = SyncController(Broken)

    def hold_start_until_the_run_is_over(_scope: object) -> None:
        # Runs inside start(), right after the run was handed over: the UI thread
        # waits until the worker thread has run and finished, as a preempted one would.
        assert ran.wait(10)
        thread = controller._thread
        assert thread is not None and thread.wait(10_000)

    class HoldingThread(QThread):
        """The run's thread; once started, start()'s hand-over is followed by the hold."""

        def start(self, *args: Any) -> None:
            super().start(*args)
            controller._run_requested.connect(
                hold_start_until_the_run_is_over, Qt.ConnectionType.DirectConnection
            )

    monkeypatch.setattr(worker_module, "QThread", HoldingThread)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
        assert controller.start(Scope.everything())
    assert done.args[0].outcome is Outcome.FAILED
    assert not controller.is_running


def test_shutdown_waits_for_the_thread(qtbot: Any, store: Store, simulator_factory: Any) -> None:
    sim = simulator_factory(mosaics_cap=3, latency=0.05)
    controller = _controller(store, sim)
    seen: list[ChangeSet] = []
    controller.changes.connect(seen.append)
    controller.start(Scope.everything())
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
    assert controller.shutdown(30_000)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
        pass
    assert done.args[0].outcome is Outcome.CANCELLED
