"""The catalogue tree: All mosaics, then organization → field → survey, with counts.

Nodes are long-lived Python objects (QModelIndex points at them), so a refresh never
rebuilds the tree: it reads a fresh `CatalogueSnapshot` (on a background thread during
a sync) and merges it in, node by node, with the smallest insert/remove/dataChanged
calls. A survey's icon is its sync state; counts sit in a second column, with the
survey's offline mark (its kept imagery all here, partly, or not yet) as their icon.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.domain import Scope, ScopeKind
from app.store import SyncState
from app.ui.catalogue.snapshot import CatalogueSnapshot, NodeData
from app.ui.common import listdiff
from app.ui.common.formatting import format_count
from app.ui.common.icons import icon
from app.ui.common.plain import plain_tooltip

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex
KIND_ROLE = Qt.ItemDataRole.UserRole + 10
ID_ROLE = Qt.ItemDataRole.UserRole + 11
STATE_ROLE = Qt.ItemDataRole.UserRole + 12
OFFLINE_ROLE = Qt.ItemDataRole.UserRole + 13  # a survey's offline state, or None

_STATE_ICONS = {
    SyncState.SYNCED: "state-synced",
    SyncState.WITH_ERRORS: "state-partial",
    SyncState.PARTIAL: "state-incomplete",
    SyncState.NEVER: "state-never",
}
_KIND_ICONS = {
    ScopeKind.ALL: "all",
    ScopeKind.ORGANIZATION: "organization",
    ScopeKind.FIELD: "field",
    ScopeKind.SURVEY: "survey",
}
# A survey's kept imagery: all here, part of it, none yet (the sync states' marks).
_OFFLINE_ICONS = {"present": "state-synced", "partial": "state-incomplete",
                  "missing": "state-never"}  # fmt: skip


def _lines(text: str, mark: tuple[str, str] | None) -> str:
    return text if mark is None else "\n".join(line for line in (text, mark[1]) if line)


class Node:
    __slots__ = ("children", "data", "parent")

    def __init__(self, data: NodeData, parent: Node | None) -> None:
        self.data = data
        self.parent = parent
        self.children: list[Node] = []

    @property
    def key(self) -> tuple[str, str | None]:
        return self.data.key

    def row(self) -> int:
        return 0 if self.parent is None else self.parent.children.index(self)


class CatalogueTreeModel(QAbstractItemModel):
    COLUMNS = 2  # name, count

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = Node(NodeData(ScopeKind.ALL, None, ""), None)
        self._by_key: dict[tuple[str, str | None], Node] = {}
        self._snapshot = CatalogueSnapshot.empty()
        self._icons: dict[str, Any] = {}
        # survey id -> (offline state, tooltip line), or None; set by the window from
        # the imagery library (app/ui/downloads), answered from memory when painting.
        self.offline: Callable[[str], tuple[str, str] | None] = lambda _survey: None

    def offline_changed(self, survey_ids: Iterable[str] | None) -> None:
        """Repaint these surveys' rows (None: every survey) after their offline state moved."""
        if survey_ids is None:
            survey_ids = [k[1] for k in self._by_key if k[0] == ScopeKind.SURVEY.value and k[1]]
        for survey_id in survey_ids:
            node = self._by_key.get((ScopeKind.SURVEY.value, survey_id))
            if node is not None:
                row = node.row()
                self.dataChanged.emit(
                    self.createIndex(row, 0, node), self.createIndex(row, self.COLUMNS - 1, node)
                )

    # -- lookups used by the window -------------------------------------------------------
    @property
    def snapshot(self) -> CatalogueSnapshot:
        return self._snapshot

    def index_for(self, kind: ScopeKind, sentera_id: str | None) -> QModelIndex:
        node = self._by_key.get((kind.value, sentera_id))
        return QModelIndex() if node is None else self.createIndex(node.row(), 0, node)

    def node_data(self, index: AnyIndex) -> NodeData | None:
        node = self._node(index)
        return None if node is self._root else node.data

    def survey_in_scope(self, survey_id: str, scope: Scope) -> bool:
        field_id = self._snapshot.field_of_survey.get(survey_id)
        if field_id is None:
            return True  # a survey the tree has not seen yet: assume it may belong
        if scope.kind is ScopeKind.FIELD:
            return field_id == scope.sentera_id
        if scope.kind is ScopeKind.ORGANIZATION:
            return self._snapshot.organization_of_field.get(field_id) == scope.sentera_id
        if scope.kind is ScopeKind.SURVEY:
            return survey_id == scope.sentera_id
        return True

    # -- Qt model API -------------------------------------------------------------------
    def _node(self, index: AnyIndex) -> Node:
        if not index.isValid():
            return self._root
        node = index.internalPointer()
        assert isinstance(node, Node)
        return node

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._node(parent).children[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self._node(index).parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row(), 0, parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return self.COLUMNS

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._node(index).children:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Catalogue", "Count")[section] if 0 <= section < 2 else None
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        data = self._node(index).data
        column = index.column()
        if role == KIND_ROLE:
            return data.kind.value
        if role == ID_ROLE:
            return data.sentera_id
        if role == STATE_ROLE:
            return None if data.state is None else data.state.value
        mark = self._offline_mark(data)
        if role == OFFLINE_ROLE:
            return None if mark is None else mark[0]
        if column == 1:
            if role == Qt.ItemDataRole.DisplayRole:
                return "" if data.count is None else format_count(data.count)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            if role == Qt.ItemDataRole.DecorationRole and mark is not None:
                return self._icon(_OFFLINE_ICONS.get(mark[0], "blank"))
            if role == Qt.ItemDataRole.ToolTipRole:
                return plain_tooltip(_lines(data.count_tooltip, mark))
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return data.name
        if role == Qt.ItemDataRole.DecorationRole:
            name = (
                _STATE_ICONS[data.state]
                if data.kind is ScopeKind.SURVEY and data.state
                else (_KIND_ICONS.get(data.kind, "blank"))
            )
            return self._icon(name)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(_lines(data.tooltip, mark))
        if role == Qt.ItemDataRole.FontRole and data.new_count:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        return None

    def _offline_mark(self, data: NodeData) -> tuple[str, str] | None:
        if data.kind is not ScopeKind.SURVEY or data.sentera_id is None:
            return None
        return self.offline(data.sentera_id)

    def _icon(self, name: str) -> Any:
        if name not in self._icons:
            self._icons[name] = icon(name)
        return self._icons[name]

    # -- merging a fresh snapshot ------------------------------------------------------------
    def apply_snapshot(self, snapshot: CatalogueSnapshot) -> None:
        """Make the tree show `snapshot` with in-place edits (never a reset)."""
        self._snapshot = snapshot
        self._merge(self._root, QModelIndex(), snapshot.roots)

    def _merge(self, node: Node, index: QModelIndex, wanted: Sequence[NodeData]) -> None:
        old_keys = [child.key for child in node.children]
        new_keys = [data.key for data in wanted]
        if old_keys != new_keys:
            edit = listdiff.diff(old_keys, new_keys)
            for first, last in edit.removals:
                self.beginRemoveRows(index, first, last)
                for child in node.children[first : last + 1]:
                    self._forget(child)
                del node.children[first : last + 1]
                self.endRemoveRows()
            by_key = {data.key: data for data in wanted}
            for first, last in edit.insertions:
                fresh = [self._build(by_key[key], node) for key in new_keys[first : last + 1]]
                self.beginInsertRows(index, first, last)
                node.children[first:first] = fresh
                self.endInsertRows()
        shown: list[int] = []  # rows whose text changed
        for row, (child, data) in enumerate(zip(node.children, wanted, strict=True)):
            if child.data != data:
                old_data, child.data = child.data, data
                if old_data.display != data.display:
                    shown.append(row)
            if data.children or child.children:
                self._merge(child, self.createIndex(row, 0, child), data.children)
        # One signal per run of changed siblings, not one per row: during a sync every
        # count along a survey's path changes at once, and the sorting proxy and the view
        # redo their work for a parent on each signal (O(siblings) each time).
        for first, last in listdiff.runs(shown):
            top, bottom = node.children[first], node.children[last]
            self.dataChanged.emit(
                self.createIndex(first, 0, top), self.createIndex(last, self.COLUMNS - 1, bottom)
            )

    def _build(self, data: NodeData, parent: Node) -> Node:
        node = Node(data, parent)
        self._by_key[data.key] = node
        node.children = [self._build(child, node) for child in data.children]
        return node

    def _forget(self, node: Node) -> None:
        if self._by_key.get(node.key) is node:  # a moved node may already be re-registered
            del self._by_key[node.key]
        for child in node.children:
            self._forget(child)
