"""Fixtures for the window tests: a real store file, INI settings under tmp_path, and
windows wired to a simulator on loopback.

Settings never reach the user's real configuration: every test gets its own INI file,
and QSettings' default locations are pointed at tmp_path as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from app.api import FieldAgentClient, StaticTokenProvider
from app.domain import Scope
from app.simulator import Simulator
from app.store import Store
from app.store.devtools import fill_synthetic
from app.sync.engine import SyncEngine
from app.sync.events import RunSummary
from app.sync.retry import RetryPolicy
from app.sync.worker import EngineFactory, RunnerFactory, SyncController
from app.ui.common.tasks import STORE
from app.ui.window import MainWindow

# The offscreen platform plugin cannot forward window size hints or raise a window, and
# says so on every top-level window; a limit of the test platform, not of the app.
OFFSCREEN_NOISE = r"This plugin does not support (propagateSizeHints|raise)\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "qsettings"))
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "qsettings"))
    monkeypatch.setenv("FIELDDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("FIELDDESK_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "fielddesk.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def filled(store: Store) -> Store:
    """The store with a synthetic catalogue: 1 organization, 2 fields, 4 surveys, 120 mosaics."""
    fill_synthetic(store, fields_per_organization=2, surveys_per_field=2, mosaics_per_survey=30)
    return store


def client_factory_for(sim: Simulator) -> Callable[[], FieldAgentClient]:
    tokens = StaticTokenProvider(sim.demo_token)
    return lambda: FieldAgentClient(sim.graphql_url, tokens)


def quick_runner(store: Store, sim: Simulator) -> Callable[[], SyncEngine]:
    """An engine that gives up on failing requests fast, so error tests stay short."""
    factory = client_factory_for(sim)
    retry = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05)
    return lambda: SyncEngine(store=store, client_factory=factory, retry=retry)


@pytest.fixture
def make_window(qtbot: Any, store: Store, settings: QSettings) -> Callable[..., MainWindow]:
    """Build (and show) a window over the test store; closed at the end of the test."""

    def make(
        sim: Simulator | None = None,
        *,
        runner_factory: RunnerFactory | None = None,
        **kwargs: Any,
    ) -> MainWindow:
        """A window signed in to `sim`, or running `runner_factory` (neither: signed out)."""
        kwargs.setdefault("settings", settings)
        on = kwargs.pop("store", store)
        factory = client_factory_for(sim) if sim is not None else None
        controller = SyncController(runner_factory or EngineFactory(on, factory))
        signed_in = factory is not None or runner_factory is not None
        window = MainWindow(on, controller=controller, signed_in=signed_in, **kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # keyboard shortcuts need an active window
        return window

    return make


def run_sync(qtbot: Any, window: MainWindow, scope: Scope | None = None) -> RunSummary:
    """Start a sync from the window and wait for its summary (real worker thread)."""
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        assert window.sync.start_sync(scope or Scope.everything())
    summary = blocker.args[0]
    assert isinstance(summary, RunSummary)
    settle(qtbot, window)
    return summary


def settle(qtbot: Any, window: MainWindow) -> None:
    """Wait until coalesced changes and background re-reads have all been applied."""
    qtbot.waitUntil(
        lambda: (
            not window.mosaics.model.refresh_pending
            and not window.tasks.busy(STORE)
            and not window.sync.coalescer.pending
        ),
        timeout=10_000,
    )
