"""Quitting during a sync: the real SyncController, the real engine, a slow simulator.

The simulator answers every request late and in small pages, so a run is certainly in
progress when the window is closed.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from app.api import FieldAgentClient, StaticTokenProvider
from app.domain import ChangeSet, Scope
from app.launch.shutdown import FinishingDialog, QuitGuard, finish_sync, shutdown
from app.simulator import Simulator
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.worker import SyncController
from tests.launch.conftest import child_env

DB = "fielddesk.sqlite3"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / DB)
    yield opened
    opened.close()


@pytest.fixture
def slow_sim(simulator_factory: Callable[..., Simulator]) -> Simulator:
    return simulator_factory(mosaics_cap=3, latency=0.05)


def running_controller(qtbot: Any, store: Store, sim: Simulator) -> SyncController:
    tokens = StaticTokenProvider(sim.demo_token)
    controller = SyncController(
        lambda: SyncEngine(
            store=store, client_factory=lambda: FieldAgentClient(sim.graphql_url, tokens)
        )
    )
    seen: list[ChangeSet] = []
    controller.changes.connect(seen.append)
    assert controller.start(Scope.everything())
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)  # pages are being committed
    assert controller.is_running
    return controller


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def watch_for_dialog() -> tuple[QObject, list[str]]:
    """Record the label of every "Finishing sync…" dialog shown while we wait.

    An application-wide event filter sees the dialog's Show event however briefly it is
    up: a cancel that aborts the request on the wire can end the sync within milliseconds.
    """
    seen: list[str] = []

    class ShowWatcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Show and isinstance(watched, FinishingDialog):
                seen.append(watched.labelText())
            return False

        def stop(self) -> None:
            QApplication.instance().removeEventFilter(self)

    watcher = ShowWatcher()
    QApplication.instance().installEventFilter(watcher)
    return watcher, seen


def test_finish_sync_cancels_waits_and_leaves_a_consistent_database(
    qtbot: Any, tmp_path: Path, store: Store, slow_sim: Simulator
) -> None:
    controller = running_controller(qtbot, store, slow_sim)
    timer, dialogs = watch_for_dialog()
    stopped = shutdown(controller, store, timeout_s=30, show_after_ms=0)
    timer.stop()
    assert stopped
    assert not controller.is_running
    assert "Finishing sync…" in dialogs
    assert integrity(tmp_path / DB) == "ok"
    with Store.open(tmp_path / DB) as reopened:
        assert reopened.runs(limit=1)[0].outcome == "cancelled"


def test_closing_the_window_during_a_sync_finishes_it_first(
    qtbot: Any, tmp_path: Path, store: Store, slow_sim: Simulator
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    controller = running_controller(qtbot, store, slow_sim)
    guard = QuitGuard(window, controller, timeout_s=30, show_after_ms=0)
    timer, dialogs = watch_for_dialog()

    assert not window.close()  # refused while the sync runs…
    assert window.isVisible() and guard.finishing
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)  # …then closed for real
    timer.stop()
    assert "Finishing sync…" in dialogs
    assert not controller.is_running
    assert store.runs(limit=1)[0].outcome == "cancelled"
    store.close()
    assert integrity(tmp_path / DB) == "ok"


def test_closing_without_a_sync_is_immediate(qtbot: Any) -> None:
    class Idle(QObject):
        finished = Signal(object)
        is_running = False

        def cancel(self) -> None:
            raise AssertionError("nothing to cancel")

    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    QuitGuard(window, Idle())
    assert window.close()
    assert finish_sync(Idle())


def test_the_wait_is_bounded(qtbot: Any) -> None:
    class Stuck(QObject):
        """A run that never ends, whatever it is told."""

        finished = Signal(object)
        is_running = True
        cancelled = 0

        def cancel(self) -> None:
            self.cancelled += 1

    stuck = Stuck()
    assert finish_sync(stuck, timeout_s=0.2, show_after_ms=0) is False
    assert stuck.cancelled == 1
    assert not any(
        isinstance(w, FinishingDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
    )


def test_sigterm_quits_through_the_ordinary_close(write_script: Callable[[str], Path]) -> None:
    script = write_script(
        """
        import sys
        from PySide6.QtWidgets import QApplication, QWidget
        from app.launch.shutdown import quit_on_signals

        class Window(QWidget):
            def closeEvent(self, event):
                print("closed", flush=True)
                super().closeEvent(event)

        app = QApplication(sys.argv[:1])
        window = Window()
        window.show()
        quit_on_signals(app)
        print("ready", flush=True)
        sys.exit(app.exec())
        """
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], env=child_env(), stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert out.strip() == "closed"
