"""The histogram of a mosaic's values inside its field: a small painted bar chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.imagery.ramps import Ramp, lut

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


class HistogramChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 160)
        self.counts: npt.NDArray[np.int64] | None = None
        self.edges: npt.NDArray[np.float64] | None = None
        self.ramp: Ramp | None = Ramp.GREY

    def set_data(
        self, counts: npt.NDArray[np.int64], edges: npt.NDArray[np.float64], ramp: Ramp | None
    ) -> None:
        self.counts, self.edges, self.ramp = counts, edges, ramp
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(250, 250, 248))
        counts, edges = self.counts, self.edges
        if counts is None or edges is None or counts.sum() == 0:
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "No values inside the field here"
            )
            return
        area = QRectF(self.rect()).adjusted(8, 8, -8, -24)
        peak = float(counts.max())
        width = area.width() / len(counts)
        table = lut(self.ramp or Ramp.GREY)
        for i, count in enumerate(counts):
            height = area.height() * float(count) / peak
            colour = table[min(255, int(256 * (i + 0.5) / len(counts)))]
            painter.fillRect(
                QRectF(
                    area.left() + i * width, area.bottom() - height, max(1.0, width - 1), height
                ),
                QColor(*(int(c) for c in colour)),
            )
        painter.setPen(QColor(40, 40, 40))
        labels = QRectF(area.left(), area.bottom() + 4, area.width(), 16)
        painter.drawText(labels, Qt.AlignmentFlag.AlignLeft, f"{edges[0]:.2f}")
        painter.drawText(labels, Qt.AlignmentFlag.AlignRight, f"{edges[-1]:.2f}")
        painter.drawText(labels, Qt.AlignmentFlag.AlignHCenter, f"{int(counts.sum()):,} pixels")


class HistogramDialog(QDialog):
    """Non-modal: follows the map while it is open."""

    extent_changed = Signal(bool)  # True: the visible extent; False: the whole field

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Histogram inside the field")
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = HistogramChart(self)
        self.visible_only = QRadioButton("Visible extent", self)
        self.whole = QRadioButton("Whole field", self)
        self.whole.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.visible_only)
        group.addButton(self.whole)
        choices = QHBoxLayout()
        choices.addWidget(self.whole)
        choices.addWidget(self.visible_only)
        choices.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.chart, 1)
        layout.addLayout(choices)
        self.visible_only.toggled.connect(self.extent_changed.emit)
