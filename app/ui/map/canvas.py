"""The map canvas: a plain QWidget that paints outlines and a raster layer, and pans/zooms.

GIS conventions: drag pans, the wheel (or a pinch) zooms around the cursor, a
double-click zooms in there, + and − zoom about the centre, Home asks for the field.
The view is a centre in map coordinates (the map CRS's metres) and a resolution (metres
per screen pixel); painting converts with `View`, so nothing here depends on the widget
having been shown. Everything painted comes from memory: outlines are QPainterPaths
built once per organization and the raster layer paints from its tile cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.imagery.geo import MapCrs, Ring
from app.ui.map import overlays
from app.ui.map.layer import RasterLayer, View

BACKGROUND = QColor(236, 234, 228)
OUTLINE = QColor(40, 40, 40)
SELECTED = QColor(20, 110, 220)
ZOOM_STEP = 2.0
CLICK_SLOP = 4  # pixels a press may move and still be a click
MIN_RES, MAX_RES = 0.01, 20_000.0
MARKER_BELOW = 14  # screen pixels: a smaller outline is drawn as a marker
MARKER_RADIUS = 5
SETTLE_MS = 150  # a view unchanged this long is redrawn with smooth scaling


@dataclass(frozen=True, slots=True)
class MapOutline:
    """A field outline ready to paint: rings in map coordinates."""

    field_id: str
    name: str
    rings: list[list[Ring]]

    def path(self) -> QPainterPath:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for polygon in self.rings:
            for ring in polygon:
                path.moveTo(float(ring[0, 0]), float(ring[0, 1]))
                for x, y in ring[1:]:
                    path.lineTo(float(x), float(y))
                path.closeSubpath()
        return path


class MapCanvas(QWidget):
    view_changed = Signal(object)  # View, after a pan or zoom by the user or the code
    cursor_moved = Signal(object)  # (map x, map y), or None when the cursor left
    field_clicked = Signal(str)  # a click inside a field's outline
    home_requested = Signal()
    frame_painted = Signal()  # a paint ended (benchmarks and tests watch it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 160)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.crs: MapCrs | None = None
        self.cx, self.cy, self.res = 0.0, 0.0, 10.0
        self.outlines: list[MapOutline] = []
        self._paths: list[tuple[MapOutline, QPainterPath, QRectF]] = []
        self.selected_field: str | None = None
        self.layer: RasterLayer | None = None
        self.opacity = 1.0
        self.note = ""
        self.legend_title = ""
        self.legend_rect: QRectF | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.update)
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragging = False

    # -- state ------------------------------------------------------------------------------
    @property
    def view(self) -> View:
        return View(self.cx, self.cy, self.res, max(1, self.width()), max(1, self.height()))

    def set_view(self, cx: float, cy: float, res: float, *, announce: bool = True) -> None:
        res = min(MAX_RES, max(MIN_RES, res))
        if (cx, cy, res) == (self.cx, self.cy, self.res):
            return
        self.cx, self.cy, self.res = cx, cy, res
        self._settle.start()  # fast drawing while the view moves, smooth once it rests
        self.update()
        if announce:
            self.view_changed.emit(self.view)

    def fit(self, bounds: tuple[float, float, float, float], *, margin: float = 0.08) -> None:
        left, bottom, right, top = bounds
        width, height = max(right - left, 1.0), max(top - bottom, 1.0)
        res = max(width / max(1, self.width()), height / max(1, self.height())) * (1 + 2 * margin)
        self.set_view((left + right) / 2, (bottom + top) / 2, res)

    def set_outlines(self, crs: MapCrs, outlines: list[MapOutline]) -> None:
        self.crs = crs
        self.outlines = outlines
        self._paths = []
        for outline in outlines:
            path = outline.path()
            self._paths.append((outline, path, path.boundingRect()))
        self.update()

    def set_selected_field(self, field_id: str | None) -> None:
        self.selected_field = field_id
        self.update()

    def set_layer(self, layer: RasterLayer | None) -> None:
        if self.layer is not None:
            self.layer.updated.disconnect(self.update)
        self.layer = layer
        if layer is not None:
            layer.updated.connect(self.update)
        self.update()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = min(1.0, max(0.0, opacity))
        self.update()

    def set_note(self, text: str) -> None:
        self.note = text
        self.update()

    def zoom(self, factor: float, around: QPointF | None = None) -> None:
        """Zoom in (factor > 1) keeping the map point under `around` where it is."""
        view = self.view
        sx, sy = (
            (around.x(), around.y()) if around is not None else (view.width / 2, view.height / 2)
        )
        mx, my = view.to_map(sx, sy)
        res = min(MAX_RES, max(MIN_RES, self.res / factor))
        cx = mx - (sx - view.width / 2) * res
        cy = my + (sy - view.height / 2) * res
        self.set_view(cx, cy, res)

    def pan(self, dx: float, dy: float) -> None:
        """Move the map by screen pixels (the content follows the cursor)."""
        self.set_view(self.cx - dx * self.res, self.cy + dy * self.res, self.res)

    def outline_at(self, sx: float, sy: float) -> str | None:
        """The field under a screen point: inside its outline, or on its marker."""
        view = self.view
        mx, my = view.to_map(sx, sy)
        point = QPointF(mx, my)
        for outline, path, box in reversed(self._paths):
            if box.contains(point) and path.contains(point):
                return outline.field_id
        for outline, _path, box in reversed(self._paths):
            if max(box.width(), box.height()) / view.res < MARKER_BELOW:
                cx, cy = view.to_screen(box.center().x(), box.center().y())
                if math.hypot(cx - sx, cy - sy) <= MARKER_RADIUS + 2:
                    return outline.field_id
        return None

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect())
        painter.fillRect(rect, BACKGROUND)
        view = self.view
        if self.layer is not None:
            self.layer.paint(
                painter,
                view,
                self.opacity,
                self.devicePixelRatioF(),
                smooth=not self._settle.isActive(),
            )
        self._paint_outlines(painter, view)
        if self.crs is not None:
            mx, my = self.cx, self.cy
            overlays.draw_scale_bar(painter, rect, self.res * self.crs.scale_factor(mx, my))
            overlays.draw_north_arrow(painter, rect, self.crs.convergence(mx, my))
        self.legend_rect = None
        layer = self.layer
        if layer is not None and layer.legend_range is not None:
            self.legend_rect = overlays.draw_legend(
                painter, rect, layer.ramp, layer.legend_range, self.legend_title
            )
        if self.note:
            overlays.draw_note(painter, rect, self.note)
        painter.end()
        self.frame_painted.emit()

    def _paint_outlines(self, painter: QPainter, view: View) -> None:
        if not self._paths:
            return
        transform = QTransform(
            1 / view.res,
            0,
            0,
            -1 / view.res,
            view.width / 2 - view.cx / view.res,
            view.height / 2 + view.cy / view.res,
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected: QPainterPath | None = None
        for outline, path, _box in self._paths:
            if outline.field_id == self.selected_field:
                selected = path
                continue
            pen = QPen(OUTLINE, 1.4)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(
                QColor(255, 255, 255, 40) if self.layer is None else Qt.BrushStyle.NoBrush
            )
            painter.drawPath(transform.map(path))
        # Fields too small to see at this zoom (an organization spread over a state)
        # get a marker, so every field can still be found and clicked.
        painter.setPen(QPen(QColor(255, 255, 255), 1.5))
        for outline, _path, box in self._paths:
            if max(box.width(), box.height()) / view.res < MARKER_BELOW:
                sx, sy = view.to_screen(box.center().x(), box.center().y())
                chosen = outline.field_id == self.selected_field
                painter.setBrush(SELECTED if chosen else OUTLINE)
                painter.drawEllipse(QPointF(sx, sy), MARKER_RADIUS, MARKER_RADIUS)
        if selected is not None:
            pen = QPen(SELECTED, 2.6)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(transform.map(selected))
        painter.restore()
        self._paint_labels(painter, view)

    def _paint_labels(self, painter: QPainter, view: View) -> None:
        metrics = QFontMetrics(painter.font())
        painter.save()
        taken: list[QRectF] = []
        for outline, _path, box in self._paths:
            sx, sy = view.to_screen(box.center().x(), box.center().y())
            screen_width = box.width() / view.res
            if not (0 <= sx <= view.width and 0 <= sy <= view.height):
                continue
            marker = max(box.width(), box.height()) / view.res < MARKER_BELOW
            text = metrics.elidedText(
                outline.name, Qt.TextElideMode.ElideRight, int(max(140.0, screen_width))
            )
            label = QRectF(0, 0, metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
            label.moveCenter(QPointF(sx, sy))
            if marker:
                label.moveLeft(sx + MARKER_RADIUS + 3)
                if label.right() > view.width:  # near the right edge: name on the left
                    label.moveRight(sx - MARKER_RADIUS - 3)
            if self.layer is not None and outline.field_id == self.selected_field:
                label.moveTop(sy - box.height() / view.res / 2 - label.height() - 4)
            if any(label.intersects(other) for other in taken):
                continue  # never stack names on top of each other
            taken.append(label)
            painter.fillRect(label, QColor(255, 255, 255, 200))
            painter.setPen(SELECTED if outline.field_id == self.selected_field else overlays.INK)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    # -- input ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = self._last = event.position()
            self._dragging = False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if (
            self._press is not None
            and self._last is not None
            and event.buttons() & Qt.MouseButton.LeftButton
        ):
            moved = position - self._press
            if self._dragging or abs(moved.x()) + abs(moved.y()) > CLICK_SLOP:
                if not self._dragging:
                    self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self._dragging = True
                delta = position - self._last
                self.pan(delta.x(), delta.y())
            self._last = position
        self.cursor_moved.emit(self.view.to_map(position.x(), position.y()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            if not self._dragging:
                field_id = self.outline_at(event.position().x(), event.position().y())
                if field_id is not None:
                    self.field_clicked.emit(field_id)
            self.unsetCursor()
            self._press = self._last = None
            self._dragging = False
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.zoom(ZOOM_STEP, event.position())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(math.pow(ZOOM_STEP, steps / 2), event.position())
        event.accept()

    def event(self, event: object) -> bool:
        if (
            isinstance(event, QNativeGestureEvent)
            and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture
        ):
            self.zoom(1.0 + event.value(), event.position())
            return True
        return super().event(event)  # type: ignore[arg-type]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_Home:
            self.home_requested.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = 64
            dx = {Qt.Key.Key_Left: step, Qt.Key.Key_Right: -step}.get(Qt.Key(key), 0)
            dy = {Qt.Key.Key_Up: step, Qt.Key.Key_Down: -step}.get(Qt.Key(key), 0)
            self.pan(dx, dy)
        else:
            super().keyPressEvent(event)

    def leaveEvent(self, event: object) -> None:
        self.cursor_moved.emit(None)
        super().leaveEvent(event)  # type: ignore[arg-type]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.view_changed.emit(self.view)
