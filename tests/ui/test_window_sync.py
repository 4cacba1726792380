"""The window during real syncs: a simulator on loopback, a real store, the worker thread.

These are the issue's "done when" checks: rows appear while the run is going, server-side
deletes and updates reach the table in place, the selection survives, cancel stops
promptly and says so, and failures leave the data browsable behind a banner.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from app.domain import ChangeSet, Level, Outcome, Scope, ScopeKind
from app.simulator import Simulator
from app.store import MosaicSort, Store
from app.ui.mosaics.columns import COLUMN_INDEX, IS_NEW_ROLE
from app.ui.window import MainWindow
from tests.ui.conftest import quick_runner, run_sync, settle


def _select_tree(window: MainWindow, kind: ScopeKind, sentera_id: str | None) -> None:
    index = window.catalogue.proxy.mapFromSource(window.catalogue.model.index_for(kind, sentera_id))
    assert index.isValid(), f"{kind} {sentera_id} is not in the tree"
    window.catalogue.tree.setCurrentIndex(index)
    assert (
        window.mosaics.model.query.scope is None
        or window.mosaics.model.query.scope.sentera_id == sentera_id
    )


def _biggest_survey(store: Store) -> str:
    rows = store.survey_rows()
    return max(rows, key=lambda s: s.mosaic_count).sentera_id


class _Recorder:
    """Counts what the mosaic model announced, to tell in-place edits from resets."""

    def __init__(self, window: MainWindow) -> None:
        model = window.mosaics.model
        self.resets = 0
        self.inserted = 0
        self.removed = 0
        self.changed_rows: set[int] = set()
        self.rows_while_running: list[int] = []
        model.modelAboutToBeReset.connect(self._reset)
        model.rowsInserted.connect(self._inserted)
        model.rowsRemoved.connect(self._removed)
        model.dataChanged.connect(self._changed)
        self._window = window

    def _reset(self) -> None:
        self.resets += 1

    def _inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        self.inserted += last - first + 1
        if self._window.controller.is_running:
            self.rows_while_running.append(self._window.mosaics.model.rowCount())

    def _removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        self.removed += last - first + 1

    def _changed(self, top: QModelIndex, bottom: QModelIndex, _roles: Any = ()) -> None:
        self.changed_rows.update(range(top.row(), bottom.row() + 1))


def test_a_first_sync_fills_tree_and_table_while_it_runs(
    qtbot: Any, make_window: Any, simulator_factory: Any
) -> None:
    # Each page takes longer than the window coalesces updates (100 ms), so rows must
    # arrive in several batches while the run is going.
    sim = simulator_factory(mosaics_cap=4, latency=0.15)
    window = make_window(sim)
    assert window.mosaics.model.rowCount() == 0
    assert window.mosaics.stack.currentIndex() == 1  # "No mosaics on this computer yet"
    recorder = _Recorder(window)
    summary = run_sync(qtbot, window)
    assert summary.outcome is Outcome.COMPLETE
    assert window.mosaics.model.rowCount() == 60
    # Rows arrived page by page while the run was going, not in one go at the end.
    assert len(recorder.rows_while_running) >= 2
    assert recorder.rows_while_running[0] < 60
    assert recorder.resets == 0
    assert window.mosaics.stack.currentIndex() == 0
    # The tree has the whole catalogue with counts, and every survey is synced.
    assert window.catalogue.model.snapshot.total_mosaics == 60
    assert window.catalogue.model.rowCount() == 3  # All mosaics + 2 organizations
    assert window.sync.status.stage.text() == "Sync complete"
    assert window.sync.status.age.text() == "Last synced just now"
    # The label counts mosaics; its tooltip has every level (16 more items here).
    counts = window.sync.status.counts
    assert counts.text() == "Last sync: 60 new mosaics · 0 changed · 0 removed"
    lines = counts.toolTip().splitlines()
    assert lines[0] == "Organizations: 2 new, 0 changed, 0 removed"
    assert lines[-1] == "Mosaics: 60 new, 0 changed, 0 removed"
    assert sum(int(line.split(": ")[1].split(" new")[0]) for line in lines) == 76


def test_server_side_changes_reach_the_table_in_place(
    qtbot: Any, make_window: Any, simulator_factory: Any, store: Store
) -> None:
    sim: Simulator = simulator_factory(mosaics_cap=3)
    window = make_window(sim)
    run_sync(qtbot, window)
    survey = _biggest_survey(store)
    _select_tree(window, ScopeKind.SURVEY, survey)
    window.mosaics.table.sortByColumn(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
    assert window.mosaics.model.query.sort is MosaicSort.NAME
    ids = list(window.mosaics.model.ids())
    assert len(ids) >= 4
    selected, doomed, edited = ids[len(ids) // 2], ids[0], ids[-1]
    window.mosaics.table.selectRow(ids.index(selected))
    assert window.mosaics.details.detail is not None
    assert window.mosaics.details.detail.mosaic.sentera_id == selected
    scrolled_top = window.mosaics.table.verticalScrollBar().value()

    sim.dataset.delete_mosaic(doomed)
    sim.dataset.update_mosaic(edited, image_status="PROCESSING")
    added = sim.dataset.add_mosaics(survey, 5)
    recorder = _Recorder(window)
    summary = run_sync(qtbot, window)
    assert summary.outcome is Outcome.COMPLETE

    assert recorder.resets == 0
    assert recorder.removed == 1 and recorder.inserted == 5
    now = list(window.mosaics.model.ids())
    assert doomed not in now and set(added) <= set(now)
    assert now == store.mosaic_ids(window.mosaics.model.query)
    edited_row = now.index(edited)
    assert edited_row in recorder.changed_rows  # repainted where it is
    cell = window.mosaics.model.index(edited_row, COLUMN_INDEX["image_status"])
    assert cell.data() == "Processing"
    # The selection and the details pane followed the selected mosaic.
    assert window.mosaics.selected_mosaic_id() == selected
    assert window.mosaics.details.detail is not None
    assert window.mosaics.details.detail.mosaic.sentera_id == selected
    assert window.mosaics.table.verticalScrollBar().value() == scrolled_top
    # Newly arrived mosaics are marked until viewed; selecting one marks it viewed.
    new_row = now.index(added[0])
    assert window.mosaics.model.index(new_row, 0).data(IS_NEW_ROLE) is True
    assert window.mosaics.model.index(new_row, 0).data(Qt.ItemDataRole.FontRole).bold()
    window.mosaics.table.selectRow(new_row)
    assert window.mosaics.model.index(new_row, 0).data(IS_NEW_ROLE) is False
    qtbot.waitUntil(lambda: not store.mosaics_by_id([added[0]])[0].is_new)


def test_the_selected_survey_deleted_on_the_server(
    qtbot: Any, make_window: Any, simulator: Simulator, store: Store
) -> None:
    window = make_window(simulator)
    run_sync(qtbot, window)
    survey = _biggest_survey(store)
    _select_tree(window, ScopeKind.SURVEY, survey)
    assert window.mosaics.model.rowCount() > 0
    simulator.dataset.delete_survey(survey)
    recorder = _Recorder(window)
    run_sync(qtbot, window)
    assert window.mosaics.stack.currentIndex() == 1
    assert window.mosaics.notice.title.text() == "This survey was deleted on FieldAgent"
    assert recorder.resets == 0 and window.mosaics.model.rowCount() == 0
    assert not window.catalogue.model.index_for(ScopeKind.SURVEY, survey).isValid()
    # Choosing something else shows mosaics again.
    _select_tree(window, ScopeKind.ALL, None)
    assert window.mosaics.stack.currentIndex() == 0
    assert window.mosaics.model.rowCount() == len(store.mosaic_ids(window.mosaics.model.query))


def test_cancel_stops_within_a_page_and_says_cancelled(
    qtbot: Any, make_window: Any, simulator_factory: Any, store: Store
) -> None:
    sim: Simulator = simulator_factory(mosaics_cap=2, latency=0.05)
    window = make_window(sim)
    pages_after_cancel: list[ChangeSet] = []
    cancelled = [False]

    def on_change(change: ChangeSet) -> None:
        if change.level is Level.MOSAICS and not cancelled[0]:
            cancelled[0] = True
            qtbot.keyClick(window, Qt.Key.Key_Escape)  # the Esc shortcut
        elif cancelled[0]:
            pages_after_cancel.append(change)

    window.controller.changes.connect(on_change)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as done:
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert done.args[0].outcome is Outcome.CANCELLED
    assert "cancelled" in window.sync.status.stage.text().lower()
    # Pages already being applied may land; nothing is fetched and committed after that.
    assert len(pages_after_cancel) <= 4  # the engine's concurrency
    assert len(store.mosaic_ids(window.mosaics.model.query)) < 60
    assert window.sync.toolbar.sync_all.isEnabled() and not window.sync.toolbar.cancel.isEnabled()


def test_a_server_error_shows_the_banner_and_keeps_data_browsable(
    qtbot: Any, make_window: Any, simulator: Simulator, store: Store
) -> None:
    window = make_window(runner_factory=quick_runner(store, simulator))
    run_sync(qtbot, window)
    before = window.mosaics.model.rowCount()
    simulator.faults.add("http_status", status=500, query="sync_mosaics", times=None)
    summary = run_sync(qtbot, window)
    assert summary.outcome in (Outcome.PARTIAL, Outcome.FAILED)
    assert window.sync.banner.isVisible()
    assert "still here" in window.sync.banner.text
    assert window.mosaics.model.rowCount() == before
    window.mosaics.table.sortByColumn(COLUMN_INDEX["image_count"], Qt.SortOrder.DescendingOrder)
    assert window.mosaics.model.rowCount() == before
    window.show_problems()
    assert window.problems_dialog is not None and window.problems_dialog.runs.rowCount() >= 2


def test_a_rejected_token_says_signed_out(
    qtbot: Any, make_window: Any, simulator: Simulator
) -> None:
    window = make_window(simulator)
    run_sync(qtbot, window)
    simulator.faults.add("expire_token", invalidate=True, times=None)
    summary = run_sync(qtbot, window)
    assert summary.outcome is Outcome.SIGNED_OUT
    assert window.sync.banner.isVisible() and window.sync.banner.text.startswith("Signed out")
    assert window.mosaics.model.rowCount() == 60


def test_failed_items_are_listed_behind_the_banner(
    qtbot: Any, make_window: Any, simulator: Simulator, store: Store
) -> None:
    survey = simulator.dataset.survey_ids()[0]
    simulator.dataset.set_failed(
        survey, [{"key": "not_processed", "message": "Mosaic could not be processed"}] * 1
    )
    window = make_window(simulator)
    run_sync(qtbot, window)
    assert window.sync.banner.isVisible()
    assert "could not be synced" in window.sync.banner.text
    window.sync.banner.details_button.click()
    dialog = window.problems_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.errors.rowCount() == 1
    assert dialog.errors.index(0, 2).data() == "Mosaic could not be processed"


def test_sync_this_survey_from_the_menu(
    qtbot: Any, make_window: Any, simulator: Simulator, store: Store
) -> None:
    window = make_window(simulator)
    run_sync(qtbot, window)
    survey = _biggest_survey(store)
    _select_tree(window, ScopeKind.SURVEY, survey)
    assert (
        window.sync.toolbar.sync_survey.isEnabled() and window.sync.toolbar.sync_field.isEnabled()
    )
    simulator.dataset.add_mosaics(survey, 2)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as done:
        window.sync.toolbar.sync_survey.trigger()
    assert done.args[0].scope == Scope(ScopeKind.SURVEY, survey)
    settle(qtbot, window)
    assert window.mosaics.model.rowCount() == len(store.mosaic_ids(window.mosaics.model.query))


def test_the_run_counts_speak_of_mosaics_and_list_every_level() -> None:
    from app.domain import ChangeSet, Level
    from app.ui.sync.status import RunCounts

    counts = RunCounts()
    assert counts.text() == "No changes" and counts.tooltip() == ""
    counts.add(ChangeSet(Level.FIELDS, "O1", updated=frozenset({"F1"})))
    assert counts.text() == "No mosaic changes"
    assert counts.tooltip() == "Fields: 0 new, 1 changed, 0 removed"
    counts.add(ChangeSet(Level.MOSAICS, "S1", inserted=frozenset({"M1"})))
    counts.add(
        ChangeSet(
            Level.FIELDS,
            "O1",
            deleted=frozenset({"F2"}),
            cascaded_surveys=frozenset({"S2", "S3"}),
            cascaded_mosaics=frozenset({"M2", "M3", "M4"}),
        )
    )
    assert counts.text() == "1 new mosaic · 0 changed · 3 removed"
    assert counts.tooltip().splitlines() == [
        "Fields: 0 new, 1 changed, 1 removed",
        "Surveys: 0 new, 0 changed, 2 removed",
        "Mosaics: 1 new, 0 changed, 3 removed",
    ]
