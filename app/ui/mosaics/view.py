"""View widgets with the behaviour the models alone cannot give.

`MosaicTableView` keeps what the user is looking at in place while rows are inserted or
removed above it (or keeps the top in view, so arriving mosaics show up), and
`BoolIconDelegate` draws booleans as a centred check mark rather than the word "True".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.ui.common.icons import icon
from app.ui.mosaics.columns import BOOL_ROLE, COLUMN_INDEX, COLUMNS, ID_ROLE

NAME_KEY = "name"
NAME_COLUMN = COLUMN_INDEX[NAME_KEY]
# Hidden first when a first window is too narrow for every column, in this order.
OPTIONAL_COLUMNS = (
    "updated_at",
    "is_from_sentera_sensor",
    "image_status",
    "quality",
    "image_count",
    "offline",  # the imagery layer's column: last, it says what is on this computer
)


class BoolIconDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._check = icon("check")
        self._check_selected = icon("check-selected")  # the selection colour's text colour

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)  # background, selection, focus
        if index.data(BOOL_ROLE):
            side = min(16, option.rect.height() - 4)
            rect: QRect = option.rect
            target = QRect(0, 0, side, side)
            target.moveCenter(rect.center())
            if option.state & QStyle.StateFlag.State_Selected:
                self._check_selected.paint(
                    painter, target, Qt.AlignmentFlag.AlignCenter, QIcon.Mode.Selected
                )
            else:
                self._check.paint(painter, target, Qt.AlignmentFlag.AlignCenter)


class MosaicTableView(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows may be selected (Copy, Export…); the current row drives the details.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSortingEnabled(True)
        self.setIconSize(QSize(12, 12))
        vertical = self.verticalHeader()
        vertical.hide()
        # Fixed, uniform rows: a million rows must not be measured one by one.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        # The name column takes the slack (see `fill_name_column`), not the last one.
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        header.setSortIndicatorShown(True)
        delegate = BoolIconDelegate(self)
        for number, column in enumerate(COLUMNS):
            if column.boolean:
                self.setItemDelegateForColumn(number, delegate)
        self._anchor: tuple[str | None, int, bool] = (None, 0, True)
        self._first_fit: Callable[[list[int]], None] | None = None

    def apply_default_widths(self) -> None:
        """Each column as wide as its title or its widest typical value, whichever is
        wider; the name column then takes what is left of the view."""
        metrics = self.fontMetrics()
        header = self.horizontalHeader()
        # Room for the margins and the sort arrow.
        padding = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 14
        for number, column in enumerate(COLUMNS):
            if column.key == NAME_KEY:
                continue
            title = header.fontMetrics().horizontalAdvance(column.title) + padding
            sample = metrics.horizontalAdvance(column.sample()) + 16 if column.sample else 0
            self.setColumnWidth(number, max(40, title, sample))
        self.fill_name_column()

    def hide_columns_to_fit(self) -> list[int]:
        """On a first start in a narrow window, hide the least needed columns until the
        name column gets a readable width (View ▸ Columns shows them again)."""
        hidden: list[int] = []
        wanted = self.fontMetrics().horizontalAdvance("x" * 30)
        for key in OPTIONAL_COLUMNS:
            if self._name_room() >= wanted:
                break
            number = COLUMN_INDEX[key]
            if not self.isColumnHidden(number):
                self.setColumnHidden(number, True)
                hidden.append(number)
        self.fill_name_column()
        return hidden

    def _name_room(self) -> int:
        return self.viewport().width() - sum(
            self.columnWidth(n)
            for n in range(len(COLUMNS))
            if n != NAME_COLUMN and not self.isColumnHidden(n)
        )

    def fit_columns_to_rows(self) -> None:
        """Widen a column whose shown values are wider than it (never narrows it)."""
        for number, column in enumerate(COLUMNS):
            if column.key == NAME_KEY or column.boolean or self.isColumnHidden(number):
                continue
            wanted = self.sizeHintForColumn(number)
            if wanted > self.columnWidth(number):
                self.setColumnWidth(number, wanted)
        self.fill_name_column()

    def fill_name_column(self) -> None:
        """Give the name column the width the others leave, but never less than a
        readable minimum (below that the table scrolls sideways instead)."""
        minimum = self.fontMetrics().horizontalAdvance("x" * 16)
        self.setColumnWidth(NAME_COLUMN, max(minimum, self._name_room()))

    def fit_when_shown(self, then: Callable[[list[int]], None]) -> None:
        """Size the columns (and hide what a narrow first window cannot show) the first
        time the table is on screen with its real width; `then(hidden columns)`."""
        self._first_fit = then
        if self.isVisible():
            self._run_first_fit()

    def _run_first_fit(self) -> None:
        then, self._first_fit = self._first_fit, None
        if then is not None:
            self.apply_default_widths()
            then(self.hide_columns_to_fit())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._first_fit is not None and self.isVisible() and self.viewport().width() > 100:
            self._run_first_fit()
        self.fill_name_column()

    # -- keeping the view steady through live edits ------------------------------------
    def visible_rows(self) -> tuple[int, int]:
        """The first and last row shown (the model formats these ahead of a live edit)."""
        first = max(0, self.rowAt(0))
        last = self.rowAt(self.viewport().height() - 1)
        return first, last if last >= first else first + 64

    def remember_anchor(self) -> None:
        """Note the top visible row (by id) and where it sits, before a live edit."""
        at_top = self.verticalScrollBar().value() == 0
        row = self.rowAt(0)
        if row < 0:
            self._anchor = (None, 0, at_top)
            return
        model = self.model()
        sentera_id = model.index(row, 0).data(ID_ROLE)
        self._anchor = (sentera_id, self.rowViewportPosition(row), at_top)

    def restore_anchor(self, row_of: object) -> None:
        """Scroll so the anchored row is where it was (or stay at the very top)."""
        sentera_id, offset, at_top = self._anchor
        self.updateGeometries()
        bar = self.verticalScrollBar()
        if at_top:
            bar.setValue(0)
            return
        if sentera_id is None or not callable(row_of):
            return
        row = row_of(sentera_id)
        if row is None:
            return
        bar.setValue(bar.value() + self.rowViewportPosition(row) - offset)
