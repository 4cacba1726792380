"""What the canvas draws over the map: scale bar, north arrow, legend, notes.

Plain QPainter calls on screen coordinates; every text is drawn with `drawText`, which
never interprets markup, so a field's name from the server is only ever text.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from app.imagery.ramps import Ramp, lut
from app.imagery.stretch import ValueRange

PANEL = QColor(255, 255, 255, 215)
INK = QColor(40, 40, 40)
_NICE = (1, 2, 5)


def nice_length(metres: float) -> float:
    """The largest 1-2-5 × 10^n length not above `metres`."""
    if metres <= 0:
        return 0.0
    exponent = math.floor(math.log10(metres))
    best = 10.0**exponent
    for step in _NICE:
        if step * 10.0**exponent <= metres:
            best = step * 10.0**exponent
    return best


def format_length(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def draw_scale_bar(painter: QPainter, rect: QRectF, metres_per_pixel: float) -> None:
    """A bar of a round length, about a fifth of the widget wide, bottom left."""
    if metres_per_pixel <= 0 or not math.isfinite(metres_per_pixel):
        return
    length = nice_length(metres_per_pixel * max(60.0, rect.width() / 5))
    pixels = length / metres_per_pixel
    x, y = rect.left() + 12, rect.bottom() - 14
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(QRectF(x - 6, y - 22, pixels + 12, 30), PANEL)
    painter.setPen(QPen(INK, 2))
    painter.drawLine(QPointF(x, y), QPointF(x + pixels, y))
    painter.drawLine(QPointF(x, y - 5), QPointF(x, y))
    painter.drawLine(QPointF(x + pixels, y - 5), QPointF(x + pixels, y))
    painter.drawText(
        QRectF(x, y - 21, pixels, 16), Qt.AlignmentFlag.AlignCenter, format_length(length)
    )
    painter.restore()


def draw_north_arrow(painter: QPainter, rect: QRectF, convergence_degrees: float) -> None:
    """An arrow to true north (tilted by the grid's convergence), top right."""
    centre = QPointF(rect.right() - 26, rect.top() + 34)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(QRectF(centre.x() - 20, centre.y() - 24, 40, 48), 12, 12)
    painter.translate(centre)
    painter.rotate(-convergence_degrees)  # true north sits this far from grid north
    arrow = QPolygonF([QPointF(0, -16), QPointF(7, 8), QPointF(0, 3), QPointF(-7, 8)])
    painter.setBrush(INK)
    painter.drawPolygon(arrow)
    painter.setPen(INK)
    painter.drawText(QRectF(-10, 6, 20, 16), Qt.AlignmentFlag.AlignCenter, "N")
    painter.restore()


def draw_legend(
    painter: QPainter, rect: QRectF, ramp: Ramp, span: ValueRange, title: str
) -> QRectF:
    """The ramp as a bar with its range, bottom right; returns where it was drawn."""
    metrics = QFontMetrics(painter.font())
    low, high = _format(span.low), _format(span.high)
    width = max(160, metrics.horizontalAdvance(title) + 16)
    box = QRectF(rect.right() - width - 12, rect.bottom() - 66, width, 54)
    painter.save()
    painter.fillRect(box, PANEL)
    painter.setPen(INK)
    painter.drawText(
        box.adjusted(8, 4, -8, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title
    )
    bar = QRectF(box.left() + 8, box.top() + 22, box.width() - 16, 12)
    gradient = QLinearGradient(bar.topLeft(), bar.topRight())
    table = lut(ramp)
    for i in range(0, 256, 16):
        gradient.setColorAt(i / 255, QColor(*(int(c) for c in table[i])))
    gradient.setColorAt(1.0, QColor(*(int(c) for c in table[255])))
    painter.fillRect(bar, QBrush(gradient))
    painter.drawRect(bar)
    labels = QRectF(bar.left(), bar.bottom() + 1, bar.width(), 16)
    painter.drawText(labels, Qt.AlignmentFlag.AlignLeft, low)
    painter.drawText(labels, Qt.AlignmentFlag.AlignRight, high)
    painter.restore()
    return box


def draw_note(painter: QPainter, rect: QRectF, text: str) -> None:
    """A short centred note ("Loading…", "No outlines yet") on a panel."""
    metrics = QFontMetrics(painter.font())
    width = min(rect.width() - 20, metrics.horizontalAdvance(text) + 24)
    box = QRectF(rect.center().x() - width / 2, rect.top() + 12, width, metrics.height() + 10)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(box, 6, 6)
    painter.fillPath(path, PANEL)
    painter.setPen(INK)
    painter.drawText(
        box,
        Qt.AlignmentFlag.AlignCenter,
        metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(width - 12)),
    )
    painter.restore()


def _format(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
