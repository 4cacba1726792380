"""The mosaics pane: the filter bar, the table (or a notice saying why it is empty) and
the details of the selected mosaic.

The table's query is rebuilt from the scope the catalogue pane reports, the filter bar
and the header's sort; the selected mosaic is re-selected by id after any new query,
and followed through live edits. The details widget belongs to this pane but is placed
by the window (beside the map pane's slot).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from app.domain import ChangeSet, Level, Scope, ScopeKind
from app.store import MosaicQuery, MosaicSort
from app.ui.catalogue.snapshot import NodeData
from app.ui.common.tasks import TaskManager
from app.ui.mosaics.columns import COLUMNS
from app.ui.mosaics.details import DetailsPane
from app.ui.mosaics.filter_bar import FilterBar
from app.ui.mosaics.model import MosaicTableModel
from app.ui.mosaics.notice import NoticePage
from app.ui.mosaics.view import MosaicTableView

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger(__name__)

_GONE = "This mosaic was deleted on FieldAgent."
TABLE_PAGE, NOTICE_PAGE = 0, 1


class MosaicsPane(QWidget):
    mosaics_viewed = Signal()  # "new" marks were cleared in the store
    message = Signal(str)  # a passing note for the status bar ("Copied …")
    mosaic_selected = Signal(object)  # sentera_id of the mosaic whose details show, or None

    def __init__(self, store: Store, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._scope: NodeData | None = None
        self._deleted = False
        self._live_current: str | None = None
        self._catalogue_empty = True
        self._syncing = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter_bar = FilterBar(self)
        self.model = MosaicTableModel(store, tasks, self)
        self.table = MosaicTableView(self)
        self.table.setModel(self.model)
        self.table.apply_default_widths()
        self.notice = NoticePage(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.notice)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.stack, 1)
        self.details = DetailsPane()  # placed by the window
        self.details.setMinimumWidth(170)

        self.notice.button.clicked.connect(self.filter_bar.clear)
        self.filter_bar.changed.connect(self.reload_query)
        self.filter_bar.text.returnPressed.connect(self.filter_bar.flush)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._after_sort_click)
        self.model.visible_rows = self.table.visible_rows
        self.model.live_edit_started.connect(self._before_live_edit)
        self.model.live_edit_finished.connect(self._after_live_edit)
        self.model.mosaics_viewed.connect(self.mosaics_viewed)
        self.details.copied.connect(lambda text: self.message.emit(f"Copied {text}"))

    def set_survey_lookup(self, survey_in_scope: Callable[[str, Scope], bool]) -> None:
        """How to tell whether a survey lies in a scope (the catalogue knows)."""
        self.model.survey_in_scope = survey_in_scope

    def focus_filter(self) -> None:
        self.filter_bar.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.text.selectAll()

    # -- what the window tells it -------------------------------------------------------
    def set_scope(self, data: NodeData) -> None:
        self._scope, self._deleted = data, False
        self.reload_query()
        self.refresh_filter_values()

    def show_scope_deleted(self, _scope: NodeData) -> None:
        self._deleted = True
        self.details.clear()
        self.update_page()

    def set_catalogue_empty(self, empty: bool) -> None:
        self._catalogue_empty = empty

    def set_syncing(self, syncing: bool) -> None:
        self._syncing = syncing

    def apply_changes(self, changes: list[ChangeSet]) -> None:
        self.model.apply_changes(changes)
        self._refresh_selected_details(changes)

    # -- query ----------------------------------------------------------------------------
    def store_scope(self) -> Scope | None:
        scope = self._scope
        if scope is None or scope.kind is ScopeKind.ALL or scope.sentera_id is None:
            return None
        return Scope(scope.kind, scope.sentera_id)

    def build_query(self) -> MosaicQuery:
        bar = self.filter_bar
        return replace(
            self.model.query,
            scope=self.store_scope(),
            text=bar.text_value(),
            mosaic_types=bar.mosaic_types(),
            qualities=bar.qualities(),
            captured_from=bar.captured_from(),
            captured_to=bar.captured_to(),
        )

    def reload_query(self) -> None:
        """Run the query for the current scope and filters, keeping the selected mosaic."""
        if self._deleted:
            return
        selected = self.selected_mosaic_id()
        self.model.set_query(self.build_query())
        self._show_sort_indicator()
        row = self.model.row_of(selected) if selected else None
        if row is not None:
            self._select_row(row)
        elif selected:
            self.details.clear()
        self.update_page()

    def refresh_filter_values(self) -> None:
        scope, store = self.store_scope(), self._store
        self._tasks.run_in_background(
            lambda: store.filter_values(scope), self.filter_bar.set_values
        )

    def restore_sort(self, key: str | None, descending: bool) -> None:
        try:
            sort = MosaicSort(key) if key else MosaicSort.CAPTURED_AT
        except ValueError:
            sort = MosaicSort.CAPTURED_AT
        self.model.preset(replace(self.model.query, sort=sort, descending=descending))
        self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        query = self.model.query
        column = next((n for n, c in enumerate(COLUMNS) if c.sort == query.sort), 0)
        order = Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder
        header = self.table.horizontalHeader()
        if header.sortIndicatorSection() != column or header.sortIndicatorOrder() != order:
            header.blockSignals(True)
            header.setSortIndicator(column, order)
            header.blockSignals(False)
            header.viewport().update()

    def _after_sort_click(self, _column: int, _order: Qt.SortOrder) -> None:
        # The view has asked the model to sort; a column the store cannot sort by is
        # refused there, so put the indicator back on the real sort. Keep the selection.
        self._show_sort_indicator()
        selected = self._live_current or self.selected_mosaic_id()
        if selected:
            row = self.model.row_of(selected)
            if row is not None:
                self._select_row(row)

    # -- what the centre shows --------------------------------------------------------
    def update_page(self) -> None:
        notice = self.notice
        if self._deleted and self._scope is not None:
            noun = self._scope.kind.noun
            notice.show_notice(
                "deleted",
                f"This {noun} was deleted on FieldAgent",
                f"“{self._scope.name}” and its mosaics have been removed from this computer. "
                "Choose another entry on the left.",
            )
        elif self.model.rowCount() > 0:
            self.stack.setCurrentIndex(TABLE_PAGE)
            return
        elif self.filter_bar.is_active():
            notice.show_notice(
                "search", "No mosaics match these filters", "", button="Clear filters"
            )
        elif self._catalogue_empty and self._syncing:
            notice.show_notice("sync", "Syncing…", "Mosaics appear here as they arrive.")
        elif self._catalogue_empty:
            notice.show_notice(
                "mosaic",
                "No mosaics on this computer yet",
                "Press Sync (Ctrl+R) to fetch your FieldAgent catalogue. "
                "After that, everything here works offline.",
            )
        else:
            notice.show_notice("mosaic", "No mosaics here", "This entry has no mosaics.")
        self.stack.setCurrentIndex(NOTICE_PAGE)

    # -- selection and details ----------------------------------------------------------
    def selected_mosaic_id(self) -> str | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.sentera_id(index.row())

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _on_table_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._live_current is not None:
            return  # Qt moves "current" while rows go; the live edit sorts it out after
        sentera_id = self.model.sentera_id(current.row()) if current.isValid() else None
        self._show_details(sentera_id)

    def _show_details(self, sentera_id: str | None) -> None:
        self.mosaic_selected.emit(sentera_id)
        if sentera_id is None:
            self.details.clear()
            return
        detail = self._store.mosaic(sentera_id)
        if detail is None:
            self.details.show_message(_GONE)
            return
        self.details.show_detail(detail)
        self.model.mark_viewed(sentera_id)

    def _before_live_edit(self) -> None:
        self._live_current = self.selected_mosaic_id() or ""
        self.table.remember_anchor()

    def _after_live_edit(self) -> None:
        selected, self._live_current = self._live_current, None
        self.table.restore_anchor(self.model.row_of)
        if selected:
            row = self.model.row_of(selected)
            selection = self.table.selectionModel()
            if row is None:
                selection.clear()
                self.details.show_message(_GONE)
            elif selection.currentIndex().row() != row or not selection.isRowSelected(row):
                selection.setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        self.update_page()

    def _refresh_selected_details(self, changes: Iterable[ChangeSet]) -> None:
        detail = self.details.detail
        if detail is None:
            return
        sentera_id = detail.mosaic.sentera_id
        for change in changes:
            if change.level is Level.MOSAICS and sentera_id in change.updated:
                fresh = self._store.mosaic(sentera_id)
                if fresh is not None:
                    self.details.show_detail(fresh)
                return
