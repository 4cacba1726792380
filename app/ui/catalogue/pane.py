"""The catalogue pane: the organization → field → survey tree, its filter, and which
entry the user chose (the *scope* the rest of the window shows).

The tree is re-read from the store in the background and merged in place; while that
happens (and while the saved scope is restored) selection changes are the pane's own
doing and are not reported. The pane owns the scope: it says when the user picks
another entry (`scope_changed`) and when the entry shown was deleted on the server
(`scope_deleted`), and keeps no reference to any other part of the window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QTreeView, QVBoxLayout, QWidget

from app.domain import ChangeSet, Level, ScopeKind
from app.ui.catalogue.model import CatalogueTreeModel
from app.ui.catalogue.proxy import CatalogueFilterProxy
from app.ui.catalogue.snapshot import CatalogueSnapshot, NodeData, load_catalogue
from app.ui.common.icons import icon

if TYPE_CHECKING:
    from app.store import Store
    from app.ui.common.tasks import TaskManager

log = logging.getLogger(__name__)

TREE_REFRESH_MS = 500  # during a sync, counts need not tick on every page
ALL_MOSAICS = NodeData(ScopeKind.ALL, None, "All mosaics")


class CataloguePane(QWidget):
    scope_changed = Signal(object)  # NodeData: the user chose another entry
    scope_deleted = Signal(object)  # NodeData: the entry shown was deleted on FieldAgent
    snapshot_applied = Signal(object)  # CatalogueSnapshot now in the tree

    def __init__(self, store: Store, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._scope: NodeData | None = None
        self._scope_deleted = False
        self._busy = False
        self._dirty = False
        self._throttled = False
        self._merging = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TREE_REFRESH_MS)
        self._timer.timeout.connect(self._timer_fired)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter organizations, fields, surveys")
        self.filter.setClearButtonEnabled(True)
        self.filter.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.model = CatalogueTreeModel(self)
        self.proxy = CatalogueFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.tree = QTreeView(self)
        self.tree.setMinimumWidth(150)
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setIconSize(QSize(16, 16))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        self.filter.textChanged.connect(self._filter)
        self.tree.selectionModel().currentChanged.connect(self._on_current)

    # -- what is shown ----------------------------------------------------------------
    @property
    def scope(self) -> NodeData | None:
        """The entry the window shows (None before the first restore)."""
        return self._scope

    @property
    def scope_is_deleted(self) -> bool:
        return self._scope_deleted

    @property
    def snapshot(self) -> CatalogueSnapshot:
        return self.model.snapshot

    def name_of(self, sentera_id: str, default: str) -> str:
        return self.model.snapshot.names.get(sentera_id, default)

    def selected_chain(self) -> dict[ScopeKind, tuple[str, str]]:
        """The survey, field and organization around the selection: kind → (id, name)."""
        scope = self._scope
        if scope is None or scope.sentera_id is None or self._scope_deleted:
            return {}
        snapshot = self.model.snapshot
        chain: dict[ScopeKind, tuple[str, str]] = {}
        field_id: str | None = None
        if scope.kind is ScopeKind.SURVEY:
            chain[ScopeKind.SURVEY] = (scope.sentera_id, scope.name)
            field_id = snapshot.field_of_survey.get(scope.sentera_id)
        elif scope.kind is ScopeKind.FIELD:
            field_id = scope.sentera_id
        elif scope.kind is ScopeKind.ORGANIZATION:
            chain[ScopeKind.ORGANIZATION] = (scope.sentera_id, scope.name)
        if field_id is not None:
            chain[ScopeKind.FIELD] = (field_id, snapshot.names.get(field_id, field_id))
            org_id = snapshot.organization_of_field.get(field_id)
            if org_id is not None:
                chain[ScopeKind.ORGANIZATION] = (org_id, snapshot.names.get(org_id, org_id))
        return chain

    # -- reading the catalogue --------------------------------------------------------
    def refresh_now(self) -> None:
        """Read the tree on this thread (the first frame, before the window shows), its
        mosaic counts in the background: counting a million mosaics would hold up the
        first frame for what a glance at the tree can wait a moment for."""
        self._apply(load_catalogue(self._store, counts=False))
        self.refresh()

    def refresh(self, *, now: bool = False) -> None:
        """Re-read the catalogue in the background: one read in flight, and while
        throttled (a sync runs) at most one every TREE_REFRESH_MS."""
        if now:
            self._timer.stop()
        if self._busy or self._timer.isActive():
            self._dirty = True
            return
        self._busy, self._dirty = True, False
        store = self._store
        self._tasks.run_in_background(
            lambda: load_catalogue(store), self._loaded, on_error=self._failed
        )

    def set_throttled(self, throttled: bool) -> None:
        """While a sync runs, counts need not tick on every page."""
        self._throttled = throttled

    def _loaded(self, snapshot: CatalogueSnapshot) -> None:
        self._busy = False
        self._apply(snapshot)
        if self._throttled:
            self._timer.start()
        elif self._dirty:
            self.refresh()

    def _timer_fired(self) -> None:
        if self._dirty:
            self.refresh()

    def _failed(self, error: Exception) -> None:
        self._busy = False
        log.warning("could not re-read the catalogue: %s", error)

    def _apply(self, snapshot: CatalogueSnapshot) -> None:
        self._merging = True
        try:
            self.model.apply_snapshot(snapshot)
        finally:
            self._merging = False
        if self._scope_deleted:
            self.tree.selectionModel().clear()
        elif self._scope is not None:
            self._select(self._scope.kind, self._scope.sentera_id)
        if self.filter.text():
            self.tree.expandAll()
        self.snapshot_applied.emit(snapshot)

    # -- live changes -----------------------------------------------------------------
    def check_deleted(self, changes: Iterable[ChangeSet]) -> None:
        """Notice when `changes` removed the entry shown; says so once."""
        scope = self._scope
        if scope is None or scope.sentera_id is None or self._scope_deleted:
            return
        if any(_deletes(scope, change) for change in changes):
            self._scope_deleted = True
            log.info("the selected %s was deleted on the server", scope.kind.value)
            self.scope_deleted.emit(scope)

    # -- selection --------------------------------------------------------------------
    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        if text:
            self.tree.expandAll()

    def select(self, kind: ScopeKind, sentera_id: str | None) -> bool:
        """Select an entry without reporting it (restoring, merging); False if absent."""
        return self._select(kind, sentera_id)

    def choose(self, kind: ScopeKind, sentera_id: str) -> bool:
        """Select an entry as if the user had (the map's click on a field): reported."""
        if not self._select(kind, sentera_id):
            return False
        index = self.tree.selectionModel().currentIndex()
        self.tree.scrollTo(index)
        data = self.model.node_data(self.proxy.mapToSource(index))
        if data is not None and data != self._scope:
            self._set_scope(data)
        return True

    def _select(self, kind: ScopeKind, sentera_id: str | None) -> bool:
        index = self.proxy.mapFromSource(self.model.index_for(kind, sentera_id))
        if not index.isValid():
            return False
        selection = self.tree.selectionModel()
        if selection.currentIndex() != index:
            self._merging = True
            try:
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
            finally:
                self._merging = False
        return True

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._merging:
            return
        data = self.model.node_data(self.proxy.mapToSource(current))
        if data is not None:
            self._set_scope(data)

    def _set_scope(self, data: NodeData) -> None:
        self._scope, self._scope_deleted = data, False
        self.scope_changed.emit(data)

    def restore_scope(self, saved: str | None) -> None:
        """Select the entry saved by `saved_scope()` (or everything) and report it."""
        kind_text, _, sentera_id = (saved or "all:").partition(":")
        try:
            kind = ScopeKind(kind_text)
        except ValueError:
            kind = ScopeKind.ALL
        if not self._select(kind, sentera_id or None):
            self._select(ScopeKind.ALL, None)
        current = self.tree.selectionModel().currentIndex()
        data = self.model.node_data(self.proxy.mapToSource(current))
        self._set_scope(data or ALL_MOSAICS)

    def saved_scope(self) -> str | None:
        """The scope as "kind:id" for the settings (None: nothing worth restoring)."""
        if self._scope is None or self._scope_deleted:
            return None
        return f"{self._scope.kind.value}:{self._scope.sentera_id or ''}"


def _deletes(scope: NodeData, change: ChangeSet) -> bool:
    """Whether `change` removed the tree entry `scope`."""
    if scope.kind is ScopeKind.SURVEY:
        own = change.level is Level.SURVEYS and scope.sentera_id in change.deleted
        return own or scope.sentera_id in change.cascaded_surveys
    if scope.kind is ScopeKind.FIELD:
        return change.level is Level.FIELDS and scope.sentera_id in change.deleted
    if scope.kind is ScopeKind.ORGANIZATION:
        return change.level is Level.ORGANIZATIONS and scope.sentera_id in change.deleted
    return False
