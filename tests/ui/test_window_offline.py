"""The window without a server, and what it remembers: browsing offline, settings, keys."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.domain import Outcome, Scope, ScopeKind
from app.simulator import Simulator
from app.store import DB_FILENAME, MosaicSort, Store
from app.ui.application import open_store
from app.ui.mosaics.columns import COLUMN_INDEX
from app.ui.sync.toolbar import ConnectionState
from tests.ui.conftest import quick_runner, run_sync


def test_opens_and_browses_with_the_server_stopped(
    qtbot: Any, make_window: Any, simulator: Simulator, store: Store
) -> None:
    first = make_window(simulator)
    run_sync(qtbot, first)
    first.close()
    simulator.stop()

    window = make_window(runner_factory=quick_runner(store, simulator))  # the server is gone
    assert window.mosaics.model.rowCount() == 60
    assert window.sync.status.age.text() == "Last synced just now"  # from the run log
    survey = store.survey_rows()[0]
    index = window.catalogue.proxy.mapFromSource(
        window.catalogue.model.index_for(ScopeKind.SURVEY, survey.sentera_id)
    )
    window.catalogue.tree.setCurrentIndex(index)
    assert window.mosaics.model.rowCount() == survey.mosaic_count
    window.mosaics.table.sortByColumn(COLUMN_INDEX["captured_at"], Qt.SortOrder.AscendingOrder)
    window.mosaics.table.selectRow(0)
    assert window.mosaics.details.detail is not None
    assert window.mosaics.details.detail.survey_name == survey.name
    window.mosaics.filter_bar.text.setText("no mosaic is called this")
    window.mosaics.filter_bar.flush()
    assert window.mosaics.model.rowCount() == 0
    assert window.mosaics.notice.title.text() == "No mosaics match these filters"
    window.mosaics.notice.button.click()
    assert window.mosaics.model.rowCount() == survey.mosaic_count

    summary = run_sync(qtbot, window)  # the network is really gone
    assert summary.outcome is Outcome.INTERRUPTED
    assert window.sync.banner.isVisible()
    assert window.mosaics.model.rowCount() == survey.mosaic_count


def test_offline_and_signed_out_disable_sync_and_say_why(
    qtbot: Any, make_window: Any, simulator: Simulator
) -> None:
    signed_out = make_window()
    assert not signed_out.sync.toolbar.sync_all.isEnabled()
    assert signed_out.sync.toolbar.sync_all.toolTip() == "Signed out: sign in to sync"
    assert signed_out.sync.toolbar.account.text() == "Not signed in"
    assert not signed_out.sync.start_sync(Scope.everything())
    signed_out.close()

    window = make_window(simulator)
    window.sync.show_account("ada@example.com")
    assert window.sync.toolbar.account.text() == "Signed in as ada@example.com"
    window.sync.set_connection_state(ConnectionState.OFFLINE, None, "no route to host")
    assert not window.sync.toolbar.sync_all.isEnabled()
    assert "no route to host" in window.sync.toolbar.sync_all.toolTip()
    assert window.sync.banner.isVisible() and window.sync.banner.text.startswith("Offline")
    window.sync.set_connection_state(ConnectionState.ONLINE)
    assert window.sync.toolbar.sync_all.isEnabled()
    assert not window.sync.banner.isVisible()
    assert window.sync.toolbar.connection_text.text() == "Online"


def test_window_state_is_remembered(
    qtbot: Any, make_window: Any, simulator: Simulator, store: Store, settings: QSettings
) -> None:
    window = make_window(simulator)
    run_sync(qtbot, window)
    field = store.field_rows()[0]
    window.catalogue.tree.setCurrentIndex(
        window.catalogue.proxy.mapFromSource(
            window.catalogue.model.index_for(ScopeKind.FIELD, field.sentera_id)
        )
    )
    window.mosaics.table.sortByColumn(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    window.mosaics.table.setColumnWidth(COLUMN_INDEX["area"], 177)
    window.resize(761, 555)  # inside the offscreen screen, which restoreGeometry respects
    window.splitter.setSizes([200, 600, 311])
    sizes = window.splitter.sizes()
    window.close()

    again = make_window(simulator)
    assert (
        again.mosaics.model.query.sort is MosaicSort.NAME
        and not again.mosaics.model.query.descending
    )
    assert again.mosaics.table.horizontalHeader().sortIndicatorSection() == COLUMN_INDEX["name"]
    assert again.mosaics.table.columnWidth(COLUMN_INDEX["area"]) == 177
    assert (again.width(), again.height()) == (761, 555)
    assert again.splitter.sizes() == sizes
    assert again.mosaics.model.query.scope is not None
    assert again.mosaics.model.query.scope.sentera_id == field.sentera_id
    assert Path(settings.fileName()).is_file()


def test_keyboard_shortcuts(qtbot: Any, make_window: Any, simulator: Simulator) -> None:
    window = make_window(simulator)
    window.catalogue.tree.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.mosaics.filter_bar.text.hasFocus()
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    # The tree reloads in the background after a sync; wait for the organizations.
    qtbot.waitUntil(lambda: window.catalogue.proxy.rowCount() == 3, timeout=10_000)
    window.catalogue.filter.setText("zzz-no-such-place")
    assert window.catalogue.proxy.rowCount() == 1  # only "All mosaics" stays
    window.catalogue.filter.clear()
    assert window.catalogue.proxy.rowCount() == 3


def test_a_newer_database_is_explained(qtbot: Any, tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    Store.open(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    shown: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.close()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    assert open_store(path) is None
    assert shown and "newer" in shown[0].lower()


def test_smoke_run_of_the_app(tmp_path: Path) -> None:
    """`fielddesk --smoke-test`: the window, a sync against the simulator, exit 0."""
    result = subprocess.run(
        [sys.executable, "-m", "app", "--smoke-test", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Up to date" in result.stdout
