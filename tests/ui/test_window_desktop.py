"""The window as a desktop application: title, screen fit, small screens, menus,
context menus, export and preferences. Offscreen, on a real store and event loop."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu

from app.domain import ScopeKind
from app.store import Store
from app.ui.common.connection_state import Connection
from app.ui.common.preferences import load_preferences
from app.ui.context_menus import ContextTarget, tree_target
from app.ui.dialogs.export import CSV, GEOJSON, ExportChoice
from app.ui.dialogs.settings import SettingsDialog
from app.ui.mosaics.columns import COLUMN_INDEX
from tests.ui.conftest import settle


def _texts(menu: QMenu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_the_title_names_fieldesk_once(make_window: Any, filled: Store) -> None:
    window = make_window()
    QApplication.setApplicationDisplayName("FieldDesk")
    window.set_title_note(None)
    assert window.windowTitle() == "FieldDesk"
    QApplication.setApplicationDisplayName("FieldDesk — demo")
    try:
        window.set_title_note(None)
        assert window.windowTitle() == "FieldDesk — demo"
        window.set_title_note("Read-only, syncing is off")
        assert window.windowTitle() == "Read-only, syncing is off — FieldDesk — demo"
        assert window.windowTitle().endswith(QGuiApplication.applicationDisplayName())
    finally:
        QApplication.setApplicationDisplayName("FieldDesk")


def _inside(outer: QRect, inner: QRect) -> bool:
    return outer.contains(inner.topLeft()) and outer.contains(inner.bottomRight())


def test_first_and_restored_windows_fit_the_screen(
    qtbot: Any, make_window: Any, filled: Store, settings: QSettings
) -> None:
    window = make_window()
    area = window.screen().availableGeometry()
    assert _inside(area, window.frameGeometry()), (area, window.frameGeometry())
    # A size saved on a bigger monitor comes back inside this one.
    window.resize(area.width() + 900, area.height() + 700)
    window.move(area.right() - 50, area.bottom() - 50)
    window.save_settings()
    window.close()
    again = make_window(settings=settings)
    assert _inside(area, again.frameGeometry()), (area, again.frameGeometry())
    status = again.statusBar()
    corner = status.mapTo(again, QPoint(status.width() - 1, status.height() - 1))
    assert again.rect().contains(corner)  # the status bar is on screen


def test_usable_at_1024_by_640(qtbot: Any, make_window: Any, filled: Store) -> None:
    window = make_window()
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 640)
    settle(qtbot, window)
    tree = window.catalogue.tree
    metrics = tree.fontMetrics()
    readable = metrics.horizontalAdvance("Field 12 of Organization")  # a typical name
    assert tree.columnWidth(0) >= readable * 0.8, tree.columnWidth(0)
    table = window.mosaics.table
    name_width = table.columnWidth(COLUMN_INDEX["name"])
    assert name_width >= table.fontMetrics().horizontalAdvance("x" * 16)
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)  # nothing cut off
    table.selectRow(0)
    details = window.mosaics.details
    qtbot.waitUntil(lambda: details.detail is not None)
    assert details.width() >= 200
    for key in ("captured_at", "image_status", "survey"):
        value = details.values[key]
        # Values re-flow rather than clip: each fits in the lines it is given, and
        # has the pane's width when the pane is narrow.
        qtbot.waitUntil(lambda v=value: v.heightForWidth(v.width()) <= v.height() + 1)
        assert value.width() >= min(details.viewport().width() - 40, 180)
    status = window.statusBar()
    assert window.rect().contains(status.geometry())


def test_the_name_column_takes_the_slack_and_full_names_are_in_tooltips(
    qtbot: Any, make_window: Any, filled: Store
) -> None:
    window = make_window()
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: window.width() == 1600)
    table = window.mosaics.table
    for action in window.menus.column_actions:  # every column, even those hidden at 800 px
        action.setChecked(True)
    table.fill_name_column()
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)
    # The view's own "readable" width (the Offline column shares the 1600 px too).
    assert table.columnWidth(COLUMN_INDEX["name"]) >= table.fontMetrics().horizontalAdvance(
        "x" * 30
    )
    total = sum(table.columnWidth(n) for n in range(table.model().columnCount()))
    assert total <= table.viewport().width() + 1  # no sideways scrolling at 1600 px
    index = table.model().index(0, COLUMN_INDEX["name"])
    assert index.data(Qt.ItemDataRole.ToolTipRole).startswith(index.data())


def test_the_menu_bar_has_the_desktop_menus(make_window: Any, filled: Store) -> None:
    window = make_window()
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Sync", "Help"]
    menus = window.menus
    assert _texts(menus.file) == ["Export…", "Quit"]
    assert {"Copy", "Find", "Preferences…"} <= set(_texts(menus.edit))
    assert {"Catalogue", "Details", "Columns", "Toolbar"} <= set(_texts(menus.view))
    assert {"Sync", "Cancel"} <= set(_texts(menus.sync))
    help_items = _texts(menus.help)
    assert help_items == [
        "Keyboard shortcuts",
        "Open log folder",
        "Copy diagnostics",
        "About FieldDesk",
    ]
    menus.show_details.setChecked(False)
    assert not window.side.isVisible()
    menus.column_actions[COLUMN_INDEX["updated_at"]].setChecked(False)
    assert window.mosaics.table.isColumnHidden(COLUMN_INDEX["updated_at"])


def test_about_and_diagnostics(qtbot: Any, make_window: Any, filled: Store) -> None:
    window = make_window()
    about = window.commands.about()
    qtbot.addWidget(about)
    text = about.licences.toPlainText()
    assert "LGPL" in text and "PySide6" in text
    window.menus.diagnostics.trigger()
    copied = QGuiApplication.clipboard().text()
    assert "FieldDesk" in copied and str(filled.path) in copied and "Qt " in copied
    shortcuts = window.commands.shortcuts()
    qtbot.addWidget(shortcuts)
    keys = {shortcuts.table.item(r, 0).text() for r in range(shortcuts.table.rowCount())}
    assert {"Export", "Sync", "Preferences"} <= keys


def _org_index(window: Any) -> Any:
    org = window.store.organizations()[0]
    return window.catalogue.proxy.mapFromSource(
        window.catalogue.model.index_for(ScopeKind.ORGANIZATION, org.sentera_id)
    )


def test_tree_context_menu_and_its_hook(make_window: Any, filled: Store) -> None:
    window = make_window()
    appended: list[ContextTarget] = []

    def add_keep_offline(menu: QMenu, target: ContextTarget) -> None:
        appended.append(target)
        menu.addAction(QAction("Keep offline", menu))

    window.context_menus.context_actions.connect(add_keep_offline)
    target = tree_target(_org_index(window), "")
    assert target is not None and target.kind == "organization"
    menu = window.context_menus.build(target, window)
    texts = _texts(menu)
    assert texts[:3] == ["Sync this", "Copy id", "Copy as text"]
    assert "Export…" in texts and texts[-1] == "Keep offline"
    assert "Open FieldAgent on the web" not in texts  # offline: not offered
    assert appended == [target]
    next(a for a in menu.actions() if a.text() == "Copy id").trigger()
    assert QGuiApplication.clipboard().text() == target.sentera_ids[0]
    window.sync.set_connection_state(Connection.ONLINE)
    assert "Open FieldAgent on the web" in _texts(window.context_menus.build(target, window))


def test_table_context_menu_is_about_the_selection(
    qtbot: Any, make_window: Any, filled: Store
) -> None:
    window = make_window()
    table = window.mosaics.table
    table.selectRow(0)
    table.selectionModel().select(
        table.model().index(1, 0),
        table.selectionModel().SelectionFlag.Select | table.selectionModel().SelectionFlag.Rows,
    )
    point = table.visualRect(table.model().index(1, 0)).center()
    target = window.table_target_at(point)  # what a right-click there is about
    assert target is not None and len(target.sentera_ids) == 2
    menu = window.context_menus.build(target, window)
    assert "Copy ids" in _texts(menu)
    assert not next(a for a in menu.actions() if a.text() == "Sync this").isEnabled()
    next(a for a in menu.actions() if a.text() == "Copy as text").trigger()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].startswith("Name\tType") and len(lines) == 3


def test_export_writes_the_table_as_shown(
    qtbot: Any, make_window: Any, filled: Store, tmp_path: Path
) -> None:
    window = make_window()
    table = window.mosaics.table
    table.sortByColumn(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    window.mosaics.filter_bar.text.setText("1")
    window.mosaics.filter_bar.flush()
    model = window.mosaics.model
    shown = list(model.ids())
    assert 0 < len(shown) < 120
    dialog = window.commands.export()
    qtbot.addWidget(dialog)
    assert "All" in dialog.all_rows.text() and dialog.all_rows.isChecked()
    dialog.path.setText(str(tmp_path / "out.csv"))
    dialog.accept()
    qtbot.waitUntil(lambda: (tmp_path / "out.csv").exists() and "Exported" in _status(window))
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # what Excel expects
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["sentera_id"] for r in rows] == shown  # filtered and in the table's order
    assert rows[0]["captured_at"].endswith("Z")  # ISO dates
    geojson = tmp_path / "out.geojson"
    window.commands.write_export(shown[:3], ExportChoice(False, GEOJSON, geojson))
    qtbot.waitUntil(geojson.exists)
    qtbot.waitUntil(lambda: "Exported 3" in _status(window))
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert [f["id"] for f in features] == shown[:3]
    assert features[0]["geometry"]["type"] == "Point"
    assert features[0]["properties"]["field_name"]
    assert CSV == "csv"


def _status(window: Any) -> str:
    return str(window.statusBar().currentMessage())


def test_preferences_have_grouped_pages_and_plain_labels(qtbot: Any, settings: QSettings) -> None:
    dialog = SettingsDialog(load_preferences(settings), oauth_configured=False)
    qtbot.addWidget(dialog)
    assert dialog.page_titles() == ["Sync", "Account", "Storage", "Display"]
    from PySide6.QtWidgets import QLabel, QWidget

    dialog.add_page("Offline files", QWidget())
    assert dialog.page_titles()[-1] == "Offline files"
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert "Most requests in flight:" in labels
    assert any("FIELDDESK_OAUTH_CLIENT_ID" in text for text in labels)
    for label in dialog.findChildren(QLabel):
        if label.objectName() == "settings-problem":
            assert label.textFormat() == Qt.TextFormat.PlainText
