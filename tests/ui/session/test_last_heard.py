"""Noticing the server going away while online, and saying when it last answered."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from app.api import StaticTokenProvider
from app.simulator import Simulator
from app.ui.common.tasks import TaskManager
from app.ui.session.connectivity import Connection, ConnectionMonitor, ProbeTimings
from app.ui.sync.toolbar import MainToolbar

WAIT = 15_000


def test_online_probes_run_about_every_minute() -> None:
    # This platform often has no OS reachability backend: the probe is what notices.
    assert 30_000 <= ProbeTimings().online_interval <= 90_000


def test_the_tooltip_says_when_fieldagent_last_answered(qtbot: Any, simulator: Simulator) -> None:
    tokens = StaticTokenProvider(simulator.demo_token)
    monitor = ConnectionMonitor(
        simulator.graphql_url,
        lambda: tokens,
        TaskManager(),
        timings=ProbeTimings(online_interval=200, first_backoff=100, max_backoff=400),
        use_network_information=False,
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    toolbar = MainToolbar(parent)
    monitor.status_changed.connect(
        lambda status: toolbar.show_connection(status.state, status.since, status.reason)
    )
    monitor.heard.connect(toolbar.show_last_heard)
    monitor.start()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.ONLINE, timeout=WAIT)
    qtbot.waitUntil(lambda: monitor.last_heard is not None, timeout=WAIT)
    assert "Last heard from FieldAgent" in toolbar.connection.toolTip()
    heard = monitor.last_heard

    simulator.stop()
    qtbot.waitUntil(lambda: monitor.status.state is Connection.UNREACHABLE, timeout=WAIT)
    assert monitor.last_heard == heard  # silence is not news
    assert "Last heard from FieldAgent" in toolbar.connection.toolTip()
    assert toolbar.connection_text.text() == "Server unreachable"
    monitor.stop()
