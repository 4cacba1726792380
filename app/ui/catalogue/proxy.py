"""Narrows the catalogue tree as the user types, keeping the path to every match.

A match on a field keeps its surveys visible (they are what one usually wants next), and
"All mosaics" always stays. The catalogue is thousands of rows at most, so a proxy over
it is cheap; the million-row mosaic table filters in the store instead.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from app.domain import ScopeKind
from app.ui.catalogue.model import KIND_ROLE


class CatalogueFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(0)
        self._needle = ""

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+; invalidateFilter is deprecated
            self.beginFilterChange()
            self._needle = text.strip().casefold()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = text.strip().casefold()
            self.invalidateFilter()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._needle:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        if index.data(KIND_ROLE) == ScopeKind.ALL.value:
            return True
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        return self._needle in str(name).casefold()
