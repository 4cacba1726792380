"""The "Details" view behind the banner: stored failed items and the latest sync runs.

Both lists come from the store, so they survive restarts: what FieldAgent refused last
week is still listed until a later sync of that scope succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.common.formatting import format_count, format_datetime
from app.ui.common.plain import plain_label, plain_tooltip

if TYPE_CHECKING:
    from app.store import RunSnapshot, Store, SyncErrorRecord

AnyIndex = QModelIndex | QPersistentModelIndex


class RecordsModel(QAbstractTableModel):
    """A read-only table of already formatted rows (the lists here are short)."""

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        self.beginResetModel()  # a fresh read for a dialog, not a live view
        self._rows = [tuple(row) for row in rows]
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._rows[index.row()][index.column()])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def as_text(self) -> str:
        lines = ["\t".join(self._headers)]
        lines.extend("\t".join(row) for row in self._rows)
        return "\n".join(lines)


def error_rows(
    errors: Sequence[SyncErrorRecord], names: Mapping[str, str]
) -> list[tuple[str, ...]]:
    return [
        (
            format_datetime(e.recorded_at.isoformat()),
            f"{e.level.value.capitalize()} of "
            + names.get(e.scope_id or "", e.scope_id or "all organizations"),
            e.message,
            e.code or "",
            e.reason or "",
            e.key,
        )
        for e in errors
    ]


def run_rows(runs: Sequence[RunSnapshot], names: Mapping[str, str]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for run in runs:
        scope = "Everything" if not run.scope_id else names.get(run.scope_id, run.scope_id)
        rows.append(
            (
                format_datetime(run.started_at.isoformat()),
                scope,
                str(run.outcome).capitalize(),
                format_count(run.upserted),
                format_count(run.deleted),
                format_count(run.failed),
                run.message or "",
            )
        )
    return rows


class ProblemsDialog(QDialog):
    def __init__(self, store: Store, names: Mapping[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sync problems and recent runs")
        self.resize(980, 440)
        self._store = store
        self._names = names
        layout = QVBoxLayout(self)
        self.summary = plain_label(parent=self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget(self)
        self.errors = RecordsModel(("Recorded", "Where", "Message", "Code", "Reason", "Key"), self)
        self.runs = RecordsModel(
            ("Started", "Scope", "Outcome", "Received", "Deleted", "Failed", "Message"), self
        )
        tabs = ((self.errors, "Items FieldAgent could not sync", 2), (self.runs, "Recent syncs", 6))
        for model, title, stretch in tabs:
            view = QTableView(self)
            view.setModel(model)
            view.setAlternatingRowColors(True)
            view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
            view.setWordWrap(False)
            view.verticalHeader().hide()
            header = view.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
            self.tabs.addTab(view, title)
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy as text", self)
        copy.clicked.connect(self.copy_to_clipboard)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        errors = self._store.sync_errors()
        runs = self._store.runs(limit=20)
        self.errors.set_rows(error_rows(errors, self._names))
        self.runs.set_rows(run_rows(runs, self._names))
        self.summary.setText(
            f"FieldAgent reported {format_count(len(errors))} item(s) it could not sync. "
            "They stay listed until a later sync of the same scope succeeds."
            if errors
            else "No failed items are stored."
        )
        if not errors:
            self.tabs.setCurrentIndex(1)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(
            "Failed items\n" + self.errors.as_text() + "\n\nRecent syncs\n" + self.runs.as_text()
        )
