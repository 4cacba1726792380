"""The browsing half of the main window: scope, filters, sort, selection, details.

A mixin of `MainWindow` (kept apart so each file stays about one thing). The table's
query is rebuilt from the tree selection, the filter bar and the header's sort; the
selected mosaic is re-selected by id after any new query, and followed through live edits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt

from app.domain import ChangeSet, Level, Scope, ScopeKind
from app.store import MosaicQuery, MosaicSort
from app.ui.catalogue import NodeData
from app.ui.icons import icon
from app.ui.mosaic_columns import COLUMNS
from app.ui.window_parts import WindowParts

log = logging.getLogger(__name__)


class QueryMixin(WindowParts):
    # -- scope and query ----------------------------------------------------------------
    def set_scope(self, data: NodeData) -> None:
        self._scope = data
        self._scope_deleted = False
        self.reload_query()
        self.refresh_filter_values()

    def store_scope(self) -> Scope | None:
        scope = self._scope
        if scope is None or scope.kind is ScopeKind.ALL or scope.sentera_id is None:
            return None
        return Scope(scope.kind, scope.sentera_id)

    def build_query(self) -> MosaicQuery:
        bar = self.filter_bar
        return replace(
            self.mosaics.query,
            scope=self.store_scope(),
            text=bar.text_value(),
            mosaic_types=bar.mosaic_types(),
            qualities=bar.qualities(),
            captured_from=bar.captured_from(),
            captured_to=bar.captured_to(),
        )

    def reload_query(self) -> None:
        """Run the query for the current scope and filters, keeping the selected mosaic."""
        if self._scope_deleted:
            return
        selected = self.selected_mosaic_id()
        self.mosaics.set_query(self.build_query())
        self._show_sort_indicator()
        row = self.mosaics.row_of(selected) if selected else None
        if row is not None:
            self._select_row(row)
        elif selected:
            self.details.clear()
        self.update_centre_page()

    def refresh_filter_values(self) -> None:
        scope = self.store_scope()
        self.jobs.submit(lambda: self.store.filter_values(scope), self.filter_bar.set_values)

    def restore_sort(self, key: str | None, descending: bool) -> None:
        try:
            sort = MosaicSort(key) if key else MosaicSort.CAPTURED_AT
        except ValueError:
            sort = MosaicSort.CAPTURED_AT
        self.mosaics.preset(replace(self.mosaics.query, sort=sort, descending=descending))
        self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        query = self.mosaics.query
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
            row = self.mosaics.row_of(selected)
            if row is not None:
                self._select_row(row)

    # -- what the centre shows --------------------------------------------------------
    def update_centre_page(self) -> None:
        if self._scope_deleted and self._scope is not None:
            noun = self._scope.kind.noun
            self._notice(
                "deleted",
                f"This {noun} was deleted on FieldAgent",
                f"“{self._scope.name}” and its mosaics have been removed from this computer. "
                "Choose another entry on the left.",
            )
        elif self.mosaics.rowCount() > 0:
            self.centre_stack.setCurrentIndex(0)
        elif self.filter_bar.is_active():
            self._notice("search", "No mosaics match these filters", "", button="Clear filters")
        elif self.tree_model.snapshot.total_mosaics == 0 and self.controller.is_running:
            self._notice("sync", "Syncing…", "Mosaics appear here as they arrive.")
        elif self.tree_model.snapshot.total_mosaics == 0:
            self._notice(
                "mosaic",
                "No mosaics on this computer yet",
                "Press Sync (Ctrl+R) to fetch your FieldAgent catalogue. "
                "After that, everything here works offline.",
            )
        else:
            self._notice("mosaic", "No mosaics here", "This entry has no mosaics.")

    def _notice(self, icon_name: str, title: str, text: str, *, button: str = "") -> None:
        self.notice_icon.setPixmap(icon(icon_name).pixmap(QSize(48, 48), self.devicePixelRatioF()))
        self.notice_title.setText(title)
        self.notice_text.setText(text)
        self.notice_button.setVisible(bool(button))
        if button:
            self.notice_button.setText(button)  # its one action: clearing the filters
        self.centre_stack.setCurrentIndex(1)

    # -- selection and details ----------------------------------------------------------
    def selected_mosaic_id(self) -> str | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.mosaics.sentera_id(index.row())

    def _select_row(self, row: int) -> None:
        index = self.mosaics.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _on_table_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._live_current is not None:
            return  # Qt moves "current" while rows go; the live edit sorts it out after
        sentera_id = self.mosaics.sentera_id(current.row()) if current.isValid() else None
        self._show_details(sentera_id)

    def _show_details(self, sentera_id: str | None) -> None:
        if sentera_id is None:
            self.details.clear()
            return
        detail = self.store.mosaic(sentera_id)
        if detail is None:
            self.details.show_message("This mosaic was deleted on FieldAgent.")
            return
        self.details.show_detail(detail)
        self.mosaics.mark_viewed(sentera_id)

    def _before_live_edit(self) -> None:
        self._live_current = self.selected_mosaic_id() or ""
        self.table.remember_anchor()

    def _after_live_edit(self) -> None:
        selected, self._live_current = self._live_current, None
        self.table.restore_anchor(self.mosaics.row_of)
        if selected:
            row = self.mosaics.row_of(selected)
            if row is None:
                self.table.selectionModel().clear()
                self.details.show_message("This mosaic was deleted on FieldAgent.")
            else:
                current = self.table.selectionModel().currentIndex()
                if current.row() != row or not self.table.selectionModel().isRowSelected(row):
                    self.table.selectionModel().setCurrentIndex(
                        self.mosaics.index(row, 0),
                        QItemSelectionModel.SelectionFlag.ClearAndSelect
                        | QItemSelectionModel.SelectionFlag.Rows,
                    )
        self.update_centre_page()

    def _refresh_selected_details(self, changes: Iterable[ChangeSet]) -> None:
        detail = self.details.detail
        if detail is None:
            return
        sentera_id = detail.mosaic.sentera_id
        for change in changes:
            if change.level is Level.MOSAICS and sentera_id in change.updated:
                fresh = self.store.mosaic(sentera_id)
                if fresh is not None:
                    self.details.show_detail(fresh)
                return

    def _check_scope_deleted(self, changes: Iterable[ChangeSet]) -> None:
        scope = self._scope
        if scope is None or scope.sentera_id is None or self._scope_deleted:
            return
        if any(_deletes(scope, change) for change in changes):
            self._scope_deleted = True
        if self._scope_deleted:
            log.info("the selected %s was deleted on the server", scope.kind.value)
            self.details.clear()
            self.update_centre_page()


def _deletes(scope: NodeData, change: ChangeSet) -> bool:
    """Whether `change` removed the tree entry the table is showing."""
    if scope.kind is ScopeKind.SURVEY:
        own = change.level is Level.SURVEYS and scope.sentera_id in change.deleted
        return own or scope.sentera_id in change.cascaded_surveys
    if scope.kind is ScopeKind.FIELD:
        return change.level is Level.FIELDS and scope.sentera_id in change.deleted
    if scope.kind is ScopeKind.ORGANIZATION:
        return change.level is Level.ORGANIZATIONS and scope.sentera_id in change.deleted
    return False
