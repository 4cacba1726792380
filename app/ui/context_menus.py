"""Right-click menus on the catalogue tree and the mosaics table.

Each menu is built fresh for what was clicked (a `ContextTarget`): Sync this, Copy id,
Copy as text, Open FieldAgent on the web (only while online), Export…. Before it is
shown, `context_actions(menu, target)` is emitted so other parts of the window (e.g.
"Keep offline") append their own entries without this module knowing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QMenu, QWidget

from app.domain import Scope, ScopeKind
from app.ui.catalogue.model import ID_ROLE as TREE_ID_ROLE
from app.ui.mosaics.columns import BOOL_ROLE, COLUMNS, ID_ROLE


@dataclass(frozen=True, slots=True)
class ContextTarget:
    """What a context menu is about: a tree entry or the table's selected mosaics."""

    kind: str  # "all", "organization", "field", "survey" or "mosaic"
    sentera_ids: tuple[str, ...]
    name: str
    text: str  # "Copy as text"
    sync_scope: Scope | None


class ContextMenus(QObject):
    """Builds and shows the two context menus; the window answers the requests."""

    context_actions = Signal(object, object)  # QMenu, ContextTarget: append entries here
    sync_requested = Signal(object)  # Scope
    export_requested = Signal(object)  # ContextTarget
    open_web_requested = Signal(object)  # ContextTarget
    copied = Signal(str)  # what was copied, for the status bar

    def __init__(
        self,
        *,
        can_sync: Callable[[], bool],
        online: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._can_sync = can_sync
        self._online = online
        self.last_menu: QMenu | None = None  # for tests and screenshots

    def attach(
        self, view: QAbstractItemView, target_at: Callable[[QPoint], ContextTarget | None]
    ) -> None:
        """Show a menu for `target_at(pos)` when `view` is right-clicked."""
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(
            lambda pos: self._show(view, target_at(pos), view.viewport().mapToGlobal(pos))
        )

    def build(self, target: ContextTarget, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        menu.setObjectName("context-menu")
        sync = QAction("Sync this", menu)
        sync.setEnabled(target.sync_scope is not None and self._can_sync())
        sync.triggered.connect(lambda: self.sync_requested.emit(target.sync_scope))
        menu.addAction(sync)
        menu.addSeparator()
        copy_id = QAction("Copy id" if len(target.sentera_ids) < 2 else "Copy ids", menu)
        copy_id.setEnabled(bool(target.sentera_ids))
        copy_id.triggered.connect(lambda: self._copy("\n".join(target.sentera_ids), "the id"))
        menu.addAction(copy_id)
        copy_text = QAction("Copy as text", menu)
        copy_text.triggered.connect(lambda: self._copy(target.text, "the text"))
        menu.addAction(copy_text)
        if self._online():
            web = QAction("Open FieldAgent on the web", menu)
            web.triggered.connect(lambda: self.open_web_requested.emit(target))
            menu.addAction(web)
        menu.addSeparator()
        export = QAction("Export…", menu)
        export.triggered.connect(lambda: self.export_requested.emit(target))
        menu.addAction(export)
        self.context_actions.emit(menu, target)
        return menu

    def _show(self, view: QWidget, target: ContextTarget | None, where: QPoint) -> None:
        if target is None:
            return
        self.last_menu = self.build(target, view)
        self.last_menu.popup(where)

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(what)


def tree_target(index: QModelIndex, tooltip: str) -> ContextTarget | None:
    """The target for a tree entry (`index` of the proxy or the model)."""
    if not index.isValid():
        return None
    from app.ui.catalogue.model import KIND_ROLE

    kind = ScopeKind(index.data(KIND_ROLE))
    sentera_id = index.data(TREE_ID_ROLE)
    name = str(index.siblingAtColumn(0).data() or "")
    if kind is ScopeKind.ALL:
        scope: Scope | None = Scope.everything()
    elif sentera_id:
        scope = Scope(kind, sentera_id)
    else:
        scope = None
    ids = (sentera_id,) if sentera_id else ()
    lines = [tooltip or name]
    if sentera_id:
        lines.append(f"{kind.value.capitalize()} id: {sentera_id}")
    return ContextTarget(kind.value, ids, name, "\n".join(lines), scope)


def mosaic_rows_text(view: QAbstractItemView, rows: list[int]) -> str:
    """Tab-separated: a header line, then the rows as shown (Excel pastes it as a table)."""
    model = view.model()
    lines = ["\t".join(column.title for column in COLUMNS)]
    for row in rows:
        cells = []
        for number, column in enumerate(COLUMNS):
            index = model.index(row, number)
            if column.boolean:
                cells.append("Yes" if index.data(BOOL_ROLE) else "No")
            else:
                cells.append(str(index.data() or ""))
        lines.append("\t".join(cells))
    return "\n".join(lines)


def mosaic_target(
    view: QAbstractItemView, survey_of: Callable[[str], str | None]
) -> Callable[[QPoint], ContextTarget | None]:
    """A function giving the target for a right-click on the table: the selection (or
    the row under the cursor when it is not selected)."""

    def target_at(pos: QPoint) -> ContextTarget | None:
        index = view.indexAt(pos)
        if not index.isValid():
            return None
        selection = view.selectionModel()
        rows = sorted({i.row() for i in selection.selectedRows()})
        if index.row() not in rows:
            rows = [index.row()]
        model = view.model()
        ids = tuple(str(model.index(r, 0).data(ID_ROLE)) for r in rows)
        name = str(model.index(rows[0], 0).data() or "")
        survey = survey_of(ids[0]) if len(ids) == 1 else None
        scope = Scope(ScopeKind.SURVEY, survey) if survey else None
        return ContextTarget("mosaic", ids, name, mosaic_rows_text(view, rows), scope)

    return target_at
