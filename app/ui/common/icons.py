"""SVG icons from `resources/icons`, tinted for the current palette.

Line icons are drawn with `currentColor`; we substitute the palette's text colour when
rendering, so the same files look right on light and dark themes. Coloured state icons
use fixed mid-tone colours that read on both. Each icon is rendered once at the usual
sizes, at the pixel ratio of each screen present, which keeps it crisp on HiDPI screens
(rendering every ratio for every icon was a sixth of the first window's build time). (A
Python QIconEngine would render on demand, but its ownership between Python and QIcon's
shared copies is not safe to rely on.)
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.resources import resource_path

log = logging.getLogger(__name__)


@cache
def _svg_source(name: str) -> str:
    path = resource_path("icons", f"{name}.svg")  # the one locator, also when frozen
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("icon %s is missing", name)
        return '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"/>'


# Sizes (logical pixels) rendered into each icon; QIcon picks the closest, so toolbar,
# menu and tree all get a sharp pixmap.
_SIZES = (16, 20, 24, 32, 48)


def _screen_ratios() -> tuple[float, ...]:
    """The device pixel ratios of the screens present (1.0 without a screen).

    An icon made before a screen of another ratio is plugged in is scaled from its
    nearest pixmap there; icons made after it get that ratio too.
    """
    ratios = {screen.devicePixelRatio() for screen in QGuiApplication.screens()}
    return tuple(sorted(ratios)) or (1.0,)


def _render(renderer: QSvgRenderer, side: int, ratio: float) -> QPixmap:
    pixmap = QPixmap(round(side * ratio), round(side * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side * ratio, side * ratio))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


@cache
def _icon(name: str, color: str, selected_color: str, ratios: tuple[float, ...]) -> QIcon:
    result = QIcon()
    source = _svg_source(name)
    for mode, tint in ((QIcon.Mode.Normal, color), (QIcon.Mode.Selected, selected_color)):
        if mode is QIcon.Mode.Selected and "currentColor" not in source:
            continue  # fixed colours: the normal pixmaps serve for "selected" too
        renderer = QSvgRenderer(QByteArray(source.replace("currentColor", tint).encode("utf-8")))
        for side in _SIZES:
            for ratio in ratios:
                result.addPixmap(_render(renderer, side, ratio), mode)
    return result


def icon(name: str, color: QColor | None = None) -> QIcon:
    """An icon at every common size and pixel ratio; line art follows the palette unless
    `color` is given (the disabled look is derived by Qt from the normal one)."""
    palette = QGuiApplication.palette()
    text = color or palette.color(QPalette.ColorRole.WindowText)
    selected = color or palette.color(QPalette.ColorRole.HighlightedText)
    return _icon(name, text.name(), selected.name(), _screen_ratios())


def is_dark_palette() -> bool:
    """True when the window background is darker than its text (a dark theme)."""
    palette = QGuiApplication.palette()
    return (
        palette.color(QPalette.ColorRole.Window).lightness()
        < palette.color(QPalette.ColorRole.WindowText).lightness()
    )
