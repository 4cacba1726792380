"""The catalogue half of the main window: the tree, its filter, and which entry is shown.

A mixin of `MainWindow`. The tree is re-read from the store in the background and merged
in place; while that happens (and while the saved scope is restored) selection changes
are the window's own doing and must not reload the table.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, QModelIndex

from app.domain import ScopeKind
from app.ui import settings as keys
from app.ui.catalogue import CatalogueSnapshot, NodeData, load_catalogue
from app.ui.window_parts import WindowParts

log = logging.getLogger(__name__)

TREE_REFRESH_MS = 500  # during a sync, counts need not tick on every page


class TreeMixin(WindowParts):
    def refresh_tree_now(self) -> None:
        self._apply_catalogue(load_catalogue(self.store))

    def refresh_tree(self, *, now: bool = False) -> None:
        """Re-read the catalogue in the background: one read in flight, and during a
        sync at most one every TREE_REFRESH_MS (counts need not tick on every page)."""
        if now:
            self._tree_timer.stop()
        if self._tree_busy or self._tree_timer.isActive():
            self._tree_dirty = True
            return
        self._tree_busy, self._tree_dirty = True, False
        self.jobs.submit(lambda: load_catalogue(self.store), self._tree_loaded, self._tree_failed)

    def _tree_loaded(self, snapshot: CatalogueSnapshot) -> None:
        self._tree_busy = False
        self._apply_catalogue(snapshot)
        if self.controller.is_running:
            self._tree_timer.start()
        elif self._tree_dirty:
            self.refresh_tree()

    def _tree_timer_fired(self) -> None:
        if self._tree_dirty:
            self.refresh_tree()

    def _tree_failed(self, error: BaseException) -> None:
        self._tree_busy = False
        log.warning("could not re-read the catalogue: %s", error)

    def _apply_catalogue(self, snapshot: CatalogueSnapshot) -> None:
        self._merging_tree = True
        try:
            self.tree_model.apply_snapshot(snapshot)
        finally:
            self._merging_tree = False
        if self._scope_deleted:
            self.tree.selectionModel().clear()
        elif self._scope is not None:
            self._select_scope_in_tree(self._scope.kind, self._scope.sentera_id)
        if self.tree_filter.text():
            self.tree.expandAll()

    def _filter_tree(self, text: str) -> None:
        self.tree_proxy.set_text(text)
        if text:
            self.tree.expandAll()

    def _select_scope_in_tree(self, kind: ScopeKind, sentera_id: str | None) -> bool:
        source = self.tree_model.index_for(kind, sentera_id)
        index = self.tree_proxy.mapFromSource(source)
        if not index.isValid():
            return False
        selection = self.tree.selectionModel()
        if selection.currentIndex() != index:
            self._merging_tree = True
            try:
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
            finally:
                self._merging_tree = False
        return True

    def _on_tree_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._merging_tree:
            return
        data = self.tree_model.node_data(self.tree_proxy.mapToSource(current))
        if data is None:
            return
        self.set_scope(data)
        self._update_sync_actions()

    def _restore_scope(self) -> None:
        saved = keys.read_str(self.settings, keys.SCOPE) or "all:"
        kind_text, _, sentera_id = saved.partition(":")
        try:
            kind = ScopeKind(kind_text)
        except ValueError:
            kind = ScopeKind.ALL
        if not self._select_scope_in_tree(kind, sentera_id or None):
            self._select_scope_in_tree(ScopeKind.ALL, None)
        data = self.tree_model.node_data(
            self.tree_proxy.mapToSource(self.tree.selectionModel().currentIndex())
        )
        self.set_scope(data or NodeData(ScopeKind.ALL, None, "All mosaics"))
