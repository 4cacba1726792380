"""The row of filters above the mosaics table: text, mosaic type, quality, capture dates.

Every change becomes a new `MosaicQuery` for the store (no proxy model over a million
rows). Typing is debounced so a word is one query, not one per key.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
    QWidgetAction,
)

from app.store import FilterValues
from app.ui.common.formatting import enum_label
from app.ui.common.icons import icon

TYPING_DEBOUNCE_MS = 250
_NO_DATE = QDate(2000, 1, 1)  # the minimum date shows as "Any"


class _OptionalDate(QDateEdit):
    """A date box whose lowest value reads "Any" and means no bound."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setMinimumDate(_NO_DATE)
        self.setSpecialValueText(placeholder)
        self.setDate(_NO_DATE)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setToolTip("Press Delete or choose the first date to clear")

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.iso() is not None:
            self.setDate(_NO_DATE)
            return
        super().keyPressEvent(event)

    def iso(self) -> str | None:
        value = self.date()
        return None if value == _NO_DATE else value.toString("yyyy-MM-dd")


class DateRangeButton(QPushButton):
    """ "Any date" / "2024-06-01 – 2024-06-30": the capture-date bounds in a small popup,
    so the filter row stays narrow enough for a half-screen window."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Capture date range")
        self.setToolTip("Only mosaics captured in this date range")
        menu = QMenu(self)
        panel = QWidget(menu)
        form = QFormLayout(panel)
        self.date_from = _OptionalDate("Any", panel)
        self.date_to = _OptionalDate("Any", panel)
        form.addRow("Captured from", self.date_from)
        form.addRow("to", self.date_to)
        clear = QPushButton("Any date", panel)
        clear.clicked.connect(self.clear)
        form.addRow(clear)
        action = QWidgetAction(menu)
        action.setDefaultWidget(panel)
        menu.addAction(action)
        self.setMenu(menu)
        self.date_from.dateChanged.connect(self._on_change)
        self.date_to.dateChanged.connect(self._on_change)
        self._update_text()

    def clear(self) -> None:
        for edit in (self.date_from, self.date_to):
            edit.blockSignals(True)
            edit.setDate(_NO_DATE)
            edit.blockSignals(False)
        self._on_change()

    def _on_change(self) -> None:
        self._update_text()
        self.changed.emit()

    def _update_text(self) -> None:
        start, end = self.date_from.iso(), self.date_to.iso()
        if start and end:
            text = f"{start} – {end}"
        elif start:
            text = f"Since {start}"
        elif end:
            text = f"Until {end}"
        else:
            text = "Any date"
        self.setText(text)


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText("Filter mosaics by name or message  (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.text.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.text.setAccessibleName("Filter mosaics")
        self.mosaic_type = QComboBox(self)
        self.mosaic_type.setAccessibleName("Mosaic type")
        self.mosaic_type.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.quality = QComboBox(self)
        self.quality.setAccessibleName("Quality")
        self.quality.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.dates = DateRangeButton(self)
        self.date_from = self.dates.date_from
        self.date_to = self.dates.date_to
        self.text.setMinimumWidth(100)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.mosaic_type)
        layout.addWidget(self.quality)
        layout.addWidget(self.dates)
        self.set_values(FilterValues((), ()))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(TYPING_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.changed)
        self.text.textChanged.connect(self._debounce.start)
        self.mosaic_type.currentIndexChanged.connect(self.changed)
        self.quality.currentIndexChanged.connect(self.changed)
        self.dates.changed.connect(self.changed)

    def set_values(self, values: FilterValues) -> None:
        """Offer the types and qualities stored locally; keep the current choice."""
        for combo, everything, options in (
            (self.mosaic_type, "All types", values.mosaic_types),
            (self.quality, "All qualities", values.qualities),
        ):
            current = combo.currentData()
            if current is not None and current not in options:
                options = (*options, current)  # still selected: keep it visible
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for option in options:
                combo.addItem(enum_label(option), option)
            found = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(0, found))
            combo.blockSignals(False)

    def flush(self) -> None:
        """Apply typed text now (e.g. on Enter) instead of after the debounce."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.changed.emit()

    # -- the filter state --------------------------------------------------------
    def text_value(self) -> str:
        return self.text.text().strip()

    def mosaic_types(self) -> frozenset[str]:
        value = self.mosaic_type.currentData()
        return frozenset() if value is None else frozenset([value])

    def qualities(self) -> frozenset[str]:
        value = self.quality.currentData()
        return frozenset() if value is None else frozenset([value])

    def captured_from(self) -> str | None:
        return self.date_from.iso()

    def captured_to(self) -> str | None:
        return self.date_to.iso()

    def is_active(self) -> bool:
        return bool(
            self.text_value()
            or self.mosaic_types()
            or self.qualities()
            or self.captured_from()
            or self.captured_to()
        )

    def clear(self) -> None:
        for widget in (self.text, self.mosaic_type, self.quality, self.dates):
            widget.blockSignals(True)
        self.text.clear()
        self.mosaic_type.setCurrentIndex(0)
        self.quality.setCurrentIndex(0)
        self.dates.clear()
        for widget in (self.text, self.mosaic_type, self.quality, self.dates):
            widget.blockSignals(False)
        self.changed.emit()
