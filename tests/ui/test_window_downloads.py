"""Imagery offline in the window: context menus pin, the worker downloads, the table shows.

Real simulator on loopback with real GeoTIFFs, a real store, the downloads worker on
its own QThread, an offscreen Qt event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt

from app.domain import ScopeKind
from app.domain_files import FileState, Pin, PinKind
from app.files.events import DownloadSummary
from app.settings import IMAGERY_BUDGET_GB, LIBRARY_DIR
from app.simulator import Simulator
from app.ui.catalogue.model import OFFLINE_ROLE
from app.ui.common.preferences import load_preferences
from app.ui.context_menus import tree_target
from app.ui.dialogs.settings import SettingsDialog
from app.ui.downloads.indicator import format_bytes
from app.ui.mosaics.columns import OFFLINE_COLUMN
from app.ui.window import MainWindow
from tests.files.helpers import survey_with_files
from tests.ui.conftest import run_sync


def _sim(simulator_factory: Any, tmp_path: Path) -> Simulator:
    sim: Simulator = simulator_factory(imagery_cache_dir=tmp_path / "sim", imagery_scale=0.25)
    return sim


def _trigger(menu: Any, text: str) -> None:
    actions = {action.text(): action for action in menu.actions()}
    assert text in actions, f"no {text!r} in {sorted(actions)}"
    actions[text].trigger()


def _wait_pass(qtbot: Any, window: MainWindow, start: Any) -> DownloadSummary:
    with qtbot.waitSignal(window.downloads.controller.finished, timeout=60_000) as blocker:
        start()
    summary = blocker.args[0]
    assert isinstance(summary, DownloadSummary)
    return summary


def _offline_cell(window: MainWindow, mosaic_id: str) -> str:
    model = window.mosaics.model
    row = model.row_of(mosaic_id)
    if row is None:
        return ""
    return str(model.index(row, OFFLINE_COLUMN).data(Qt.ItemDataRole.DisplayRole) or "")


def test_keep_offline_from_the_tree_downloads_and_the_table_shows_it(
    qtbot: Any, make_window: Any, simulator_factory: Any, tmp_path: Path
) -> None:
    sim = _sim(simulator_factory, tmp_path)
    window = make_window(sim)
    run_sync(qtbot, window)
    survey, mosaics = survey_with_files(sim)
    menu = window.downloads.tree_menu(PinKind.SURVEY, survey, window)

    summary = _wait_pass(qtbot, window, lambda: _trigger(menu, "Keep offline"))

    assert summary.complete, summary.message
    assert summary.present == len(mosaics)
    assert f"all {len(mosaics)} files here" in window.downloads.indicator.label.text()
    assert window.downloads.indicator.isVisible()
    library = window.downloads.library
    assert all(library.state(m) is FileState.PRESENT for m in mosaics)
    again = window.downloads.tree_menu(PinKind.SURVEY, survey, window)
    assert [a.text() for a in again.actions()] == ["Stop keeping offline"]


def test_a_sync_is_followed_by_a_download_pass_and_remove_frees_the_file(
    qtbot: Any, make_window: Any, simulator_factory: Any, tmp_path: Path
) -> None:
    sim = _sim(simulator_factory, tmp_path)
    window = make_window(sim)
    run_sync(qtbot, window)
    _, mosaics = survey_with_files(sim)
    window.store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))

    summary = _wait_pass(qtbot, window, lambda: run_sync(qtbot, window))

    assert summary.complete, summary.message
    qtbot.waitUntil(lambda: _offline_cell(window, mosaics[0]).startswith("Here"), timeout=10_000)
    path = window.downloads.library.local_path(mosaics[0])
    assert path is not None and path.is_file()
    menu = window.downloads.table_menu([mosaics[0]], window)
    _trigger(menu, "Remove from this computer")
    assert not path.exists()
    assert window.downloads.library.state(mosaics[0]) is FileState.EVICTED
    qtbot.waitUntil(lambda: _offline_cell(window, mosaics[0]) == "Removed", timeout=10_000)


def test_one_context_menu_per_view_with_the_downloads_entries_appended(
    qtbot: Any, make_window: Any, simulator_factory: Any, tmp_path: Path
) -> None:
    sim = _sim(simulator_factory, tmp_path)
    window = make_window(sim)
    run_sync(qtbot, window)
    survey, mosaics = survey_with_files(sim)
    catalogue = window.catalogue
    index = catalogue.proxy.mapFromSource(catalogue.model.index_for(ScopeKind.SURVEY, survey))
    target = tree_target(index, "")
    assert target is not None and target.kind == "survey"
    menu = window.context_menus.build(target, window)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[0] == "Sync this" and texts[-1] == "Keep offline"

    summary = _wait_pass(qtbot, window, lambda: _trigger(menu, "Keep offline"))

    assert summary.complete, summary.message
    assert window.downloads.is_kept(PinKind.SURVEY, survey)
    again = window.context_menus.build(target, window)
    assert [a.text() for a in again.actions()][-1] == "Stop keeping offline"
    row = window.mosaics.model.row_of(mosaics[0])
    if row is None:  # the table shows another scope: choose the survey
        catalogue.choose(ScopeKind.SURVEY, survey)
        qtbot.waitUntil(lambda: window.mosaics.model.row_of(mosaics[0]) is not None)
        row = window.mosaics.model.row_of(mosaics[0])
    table = window.mosaics.table
    table.selectRow(row)
    rows = window.table_target_at(table.visualRect(table.model().index(row, 0)).center())
    assert rows is not None and rows.sentera_ids == (mosaics[0],)
    table_menu = window.context_menus.build(rows, window)
    assert "Copy id" in [a.text() for a in table_menu.actions()]
    path = window.downloads.library.local_path(mosaics[0])
    assert path is not None and path.is_file()
    _trigger(table_menu, "Remove from this computer")
    assert not path.exists()


def test_the_storage_page_shows_use_frees_space_and_saves(
    qtbot: Any, make_window: Any, simulator_factory: Any, tmp_path: Path
) -> None:
    sim = _sim(simulator_factory, tmp_path)
    window = make_window(sim)
    run_sync(qtbot, window)
    _, mosaics = survey_with_files(sim)
    window.downloads.keep_offline(PinKind.MOSAIC, mosaics[0])
    qtbot.waitUntil(lambda: not window.downloads.controller.is_running, timeout=60_000)
    window.downloads.stop_keeping(PinKind.MOSAIC, mosaics[0])  # now it is only cache
    page = window.downloads.storage_page()
    dialog = SettingsDialog(load_preferences(window.settings), window, storage=page)
    qtbot.addWidget(dialog)
    assert dialog.page_titles()[-1] == "Imagery"
    assert page.used.text().startswith("0 B kept offline") and "0 B other" not in page.used.text()

    assert page.free_up_space() == 1
    assert window.downloads.library.state(mosaics[0]) is FileState.EVICTED
    page.location.setText(str(tmp_path / "elsewhere"))
    page.budget.setValue(2.5)
    saved = QSettings(str(tmp_path / "user.ini"), QSettings.Format.IniFormat)
    window.downloads.apply_storage(page, saved)
    assert saved.value(LIBRARY_DIR.path) == str(tmp_path / "elsewhere")
    assert float(str(saved.value(IMAGERY_BUDGET_GB.path))) == 2.5
    assert window.downloads.factory.quota == 2_500_000_000
    assert window.downloads.library.root == tmp_path / "elsewhere"


def _tree_offline(window: MainWindow, survey: str) -> tuple[Any, str]:
    """The survey row's offline state and its count cell's tooltip."""
    index = window.catalogue.model.index_for(ScopeKind.SURVEY, survey)
    count = index.siblingAtColumn(1)
    return index.data(OFFLINE_ROLE), str(count.data(Qt.ItemDataRole.ToolTipRole) or "")


def test_the_tree_shows_a_kept_surveys_imagery_offline_and_its_size(
    qtbot: Any, make_window: Any, simulator_factory: Any, tmp_path: Path
) -> None:
    sim = _sim(simulator_factory, tmp_path)
    window = make_window(sim)
    run_sync(qtbot, window)
    survey, mosaics = survey_with_files(sim)
    qtbot.waitUntil(lambda: not window.tasks.busy("store"), timeout=10_000)
    state, tip = _tree_offline(window, survey)
    assert state is None and "Offline" not in tip  # nothing kept: the tree says nothing
    index = window.catalogue.model.index_for(ScopeKind.SURVEY, survey)
    assert index.siblingAtColumn(1).data(Qt.ItemDataRole.DecorationRole) is None

    menu = window.downloads.tree_menu(PinKind.SURVEY, survey, window)
    summary = _wait_pass(qtbot, window, lambda: _trigger(menu, "Keep offline"))

    assert summary.complete, summary.message
    qtbot.waitUntil(lambda: _tree_offline(window, survey)[0] == "present", timeout=10_000)
    library = window.downloads.library
    size = sum(f.local_bytes for f in library.files(mosaics))
    assert size > 0
    expected = f"Offline: all {len(mosaics)} mosaics, {format_bytes(size)}"
    assert _tree_offline(window, survey)[1].endswith(expected)
    assert index.data(Qt.ItemDataRole.ToolTipRole).endswith(expected)
    assert index.siblingAtColumn(1).data(Qt.ItemDataRole.DecorationRole) is not None

    # One file removed while its survey stays kept: the survey is partly here.
    _trigger(window.downloads.table_menu([mosaics[0]], window), "Remove from this computer")
    qtbot.waitUntil(lambda: _tree_offline(window, survey)[0] == "partial", timeout=10_000)
    rest = sum(f.local_bytes for f in library.files(mosaics[1:]))
    assert _tree_offline(window, survey)[1].endswith(
        f"Offline: {len(mosaics) - 1} of {len(mosaics)} mosaics, {format_bytes(rest)}"
    )

    window.downloads.stop_keeping(PinKind.SURVEY, survey)
    qtbot.waitUntil(lambda: _tree_offline(window, survey)[0] is None, timeout=10_000)
