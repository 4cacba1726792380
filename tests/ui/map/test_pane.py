"""The map pane, offscreen, on real GeoTIFFs from the simulator (stopped by now)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.imagery.stretch import Stretch
from app.ui.common.tasks import TaskManager
from app.ui.map.canvas import BACKGROUND
from app.ui.map.pane import MapPane
from tests.ui.map.conftest import OfflineImagery


@pytest.fixture
def pane(qtbot: QtBot, offline: OfflineImagery, tmp_path: Path) -> Iterator[MapPane]:
    tasks = TaskManager()
    settings = QSettings(str(tmp_path / "map.ini"), QSettings.Format.IniFormat)
    widget = MapPane(offline.source, tasks, settings)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()
    tasks.wait(5000)


def _show(
    qtbot: QtBot, pane: MapPane, org: str, field: str | None = None, mosaic: str | None = None
) -> None:
    with qtbot.waitSignal(pane.scene_applied, timeout=10_000):
        if mosaic is None:
            pane.show_place(org, field)
        else:
            pane.set_mosaic(mosaic)


def _hover(qtbot: QtBot, widget: QWidget, point: QPoint) -> None:
    """Move the cursor onto `point` so that a move event surely arrives.

    Qt sends no move event when the cursor is already where it is asked to go, and an
    earlier test may have left it exactly there: step beside the point first.
    """
    qtbot.mouseMove(widget, point + QPoint(7, 5))
    qtbot.mouseMove(widget, point)


def _painted(qtbot: QtBot, pane: MapPane) -> QImage:
    """Wait until the layer has drawn every tile it wants at its level, then grab."""
    layer = pane.layer
    assert layer is not None
    qtbot.waitUntil(lambda: layer.raster is not None, timeout=10_000)

    def complete() -> bool:
        pane.canvas.repaint()
        return layer.complete

    qtbot.waitUntil(complete, timeout=10_000)
    return pane.canvas.grab().toImage()


def _screen(pane: MapPane, lon: float, lat: float) -> tuple[float, float]:
    assert pane.scene is not None
    return pane.canvas.view.to_screen(*pane.scene.crs.to_map(lon, lat))


def _near(image: QImage, x: float, y: float, radius: int, test: object) -> list[bool]:
    found = []
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            px, py = round(x) + dx, round(y) + dy
            if 0 <= px < image.width() and 0 <= py < image.height():
                found.append(test(image.pixelColor(px, py)))  # type: ignore[operator]
    return found


def test_an_organizations_fields_are_drawn_with_their_outlines(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    _show(qtbot, pane, offline.organization_id)
    expected = {o.field_id for o in offline.source.field_outlines(offline.organization_id)}
    assert {o.field_id for o in pane.canvas.outlines} == expected
    image = pane.canvas.grab().toImage()
    dark = lambda c: c.red() < 110 and c.green() < 110 and c.blue() < 110  # noqa: E731
    for field_id in expected:
        outline = offline.source.field_outlines(offline.organization_id)
        vertex = next(o for o in outline if o.field_id == field_id).lon_lats()[0]
        x, y = _screen(pane, *vertex)
        if 0 <= x < image.width() and 0 <= y < image.height():
            assert any(_near(image, x, y, 2, dark)), f"no outline drawn at {field_id}'s corner"


def test_selecting_a_field_zooms_to_it(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    _show(qtbot, pane, offline.organization_id)
    wide = pane.canvas.res
    _show(qtbot, pane, offline.organization_id, offline.field_id)
    assert pane.canvas.res < wide
    assert pane.scene is not None
    left, bottom, right, top = pane.scene.bounds(offline.field_id) or (0, 0, 0, 0)
    view_left, view_bottom, view_right, view_top = pane.canvas.view.bounds
    assert view_left <= left and right <= view_right and view_bottom <= bottom and top <= view_top


def test_a_click_inside_an_outline_names_that_field(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    _show(qtbot, pane, offline.organization_id, offline.field_id)
    canvas = pane.canvas
    point = next(
        QPoint(x, y)
        for y in range(20, canvas.height(), 15)
        for x in range(20, canvas.width(), 15)
        if canvas.outline_at(x, y) == offline.field_id
    )
    with qtbot.waitSignal(pane.field_clicked, timeout=2000) as clicked:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args == [offline.field_id]


def test_raster_and_outline_line_up_on_screen(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    """Each outline vertex, where the map puts it, is within a pixel or two of the edge
    between the drawn raster and the background (the raster's nodata is the outside)."""
    mosaic = offline.ndvi[0]
    _show(qtbot, pane, offline.organization_id, mosaic=mosaic)
    layer = pane.layer
    assert layer is not None
    qtbot.waitUntil(lambda: layer.grid is not None, timeout=10_000)
    grid = layer.grid
    assert grid is not None
    pane.zoom_to_mosaic()
    canvas = pane.canvas
    canvas.set_view(canvas.cx, canvas.cy, grid.pixel / 1.5)  # 1.5 screen px per raster px
    assert pane.scene is not None
    canvas.set_outlines(pane.scene.crs, [])  # the outline itself must not hide the edge
    image = _painted(qtbot, pane)
    background = BACKGROUND.rgb()
    outline = offline.source.outlines[offline.field_id]
    checked, off = 0, []
    for lon, lat in outline.lon_lats():
        x, y = _screen(pane, lon, lat)
        if not (4 <= x < image.width() - 4 and 4 <= y < image.height() - 4):
            continue
        near = _near(image, x, y, 3, lambda c: c.rgb() == background)
        if not (any(near) and not all(near)):
            off.append((round(x), round(y)))
        checked += 1
    assert checked >= 4
    # The tip of a sliver narrower than a pixel holds no pixel centre: one such vertex
    # may sit in the background; any more would be a misplaced raster.
    assert len(off) <= 1, f"vertices off the raster's edge: {off}"


def test_value_under_the_cursor_is_rasterios_value(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    assert not offline.simulator.running, "the map reads local files only"
    mosaic = offline.ndvi[0]
    _show(qtbot, pane, offline.organization_id, mosaic=mosaic)
    _painted(qtbot, pane)
    path = offline.source.paths[mosaic]
    canvas = pane.canvas
    with rasterio.open(path) as tif:
        to_src = Transformer.from_crs("EPSG:4326", tif.crs, always_xy=True)
        for x, y in [
            (canvas.width() // 2, canvas.height() // 2),
            (canvas.width() // 3, canvas.height() // 2 + 17),
        ]:
            _hover(qtbot, canvas, QPoint(x, y))
            qtbot.waitUntil(lambda: "NDVI" in pane.readout.text(), timeout=5000)
            assert pane.last_point is not None
            lon, lat = pane.last_point
            (expected,) = next(tif.sample([to_src.transform(lon, lat)]))
            text = pane.readout.text()
            if expected == tif.nodata:
                assert "no data" in text
            else:
                assert f"NDVI {expected:.3f}" in text
            assert f"{abs(lat):.6f}°" in text
            pane.readout.setText("")


@pytest.mark.parametrize("stretch", list(Stretch))
def test_the_legend_shows_the_stretchs_range(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery, stretch: Stretch
) -> None:
    mosaic = offline.ndvi[0]
    _show(qtbot, pane, offline.organization_id, mosaic=mosaic)
    _painted(qtbot, pane)
    pane.set_stretch(stretch)
    with rasterio.open(offline.source.paths[mosaic]) as tif:
        data = tif.read(1)
        valid = data[data != tif.nodata].astype(np.float64)
    expected = {
        Stretch.MIN_MAX: (valid.min(), valid.max()),
        Stretch.PERCENT_2_98: tuple(np.percentile(valid, [2, 98])),
        Stretch.FIXED: (-1.0, 1.0),
    }[stretch]
    layer = pane.layer
    assert layer is not None and layer.legend_range is not None
    assert (layer.legend_range.low, layer.legend_range.high) == pytest.approx(expected, abs=1e-5)
    _painted(qtbot, pane)
    assert pane.canvas.legend_rect is not None, "the legend is drawn"


def test_a_mosaic_that_is_not_here_offers_to_download_it(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    _show(qtbot, pane, offline.organization_id, mosaic=offline.missing)
    assert pane.prompt.isVisible()
    assert pane.layer is None
    assert "is not on this computer" in pane.prompt.title.text()
    assert not pane.prompt.download.isEnabled(), "no download manager in this pane"
    assert pane.prompt.download.toolTip()
    pane.set_download_progress(3, 10)
    assert pane.prompt.progress.isVisible() and pane.prompt.progress.value() == 3
    # Another mosaic's file arriving changes nothing here...
    pane.files_changed(frozenset({offline.rgb}))
    assert not pane.tasks.busy("store"), "no new read of the scene"
    # ...this one's does: the map reads its scene again and draws it.
    offline.source.paths[offline.missing] = offline.source.paths[offline.ndvi[1]]
    try:
        with qtbot.waitSignal(pane.scene_applied, timeout=10_000):
            pane.files_changed(frozenset({offline.missing}))
        assert not pane.prompt.isVisible()
        _painted(qtbot, pane)
    finally:
        del offline.source.paths[offline.missing]


def test_compare_keeps_both_views_in_lock_step(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    first, second = offline.ndvi
    _show(qtbot, pane, offline.organization_id, mosaic=first)
    _painted(qtbot, pane)
    pane.set_compare(True)
    pane.choose_compare(second)
    qtbot.waitUntil(lambda: pane.compare_layer is not None, timeout=5000)
    other = pane.compare_layer
    assert other is not None and other.mosaic_id == second
    qtbot.waitUntil(lambda: other.raster is not None, timeout=10_000)
    a, b = pane.canvas, pane.compare_canvas
    assert (b.cx, b.cy, b.res) == (a.cx, a.cy, a.res)
    # Drag the left view: the right one follows.
    start = (a.cx, a.cy)
    qtbot.mousePress(a, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    for step in range(1, 6):
        qtbot.mouseMove(a, QPoint(200 + 12 * step, 200 + 7 * step))
    qtbot.mouseRelease(a, Qt.MouseButton.LeftButton, pos=QPoint(260, 235))
    assert (a.cx, a.cy) != start, "the drag panned the map"
    assert (b.cx, b.cy, b.res) == (a.cx, a.cy, a.res)
    # Zoom the right view: the left one follows.
    b.zoom(2.0, QPointF(100, 120))
    assert (a.cx, a.cy, a.res) == (b.cx, b.cy, b.res)
    # Values under the cursor come from both dates.
    _hover(qtbot, a, QPoint(a.width() // 2, a.height() // 2))
    qtbot.waitUntil(
        lambda: pane.readout.text().count("|") == 2 or "no data" in pane.readout.text(),
        timeout=5000,
    )


def test_the_map_remembers_each_fields_view(
    qtbot: QtBot, offline: OfflineImagery, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "state.ini"), QSettings.Format.IniFormat)
    tasks = TaskManager()
    first = MapPane(offline.source, tasks, settings)
    qtbot.addWidget(first)
    first.resize(800, 600)
    _show(qtbot, first, offline.organization_id, offline.field_id)
    first.canvas.zoom(4.0, QPointF(300, 250))
    first.set_stretch(Stretch.FIXED)
    where = first.scene.crs.to_lon_lat(first.canvas.cx, first.canvas.cy) if first.scene else None
    res = first.canvas.res
    first.shutdown()
    settings.sync()
    again = MapPane(
        offline.source, tasks, QSettings(str(tmp_path / "state.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(again)
    again.resize(800, 600)
    _show(qtbot, again, offline.organization_id, offline.field_id)
    assert again.canvas.res == pytest.approx(res)
    assert again.scene is not None and where is not None
    assert again.scene.crs.to_lon_lat(again.canvas.cx, again.canvas.cy) == pytest.approx(
        where, abs=1e-7
    )
    assert again.stretch is Stretch.FIXED
    tasks.wait(5000)


def test_boundary_exports_as_geojson_and_the_geotiff_saves(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery, tmp_path: Path
) -> None:
    from app.ui.map import exports

    _show(qtbot, pane, offline.organization_id, mosaic=offline.rgb)
    target = tmp_path / "field.geojson"
    assert exports.export_boundary(pane, target)
    feature = json.loads(target.read_text(encoding="utf-8"))["features"][0]
    assert feature["properties"]["sentera_id"] == offline.field_id
    assert feature["geometry"] == offline.source.outlines[offline.field_id].boundary
    assert pane.scene is not None and pane.scene.path is not None
    copy = tmp_path / "copy.tif"
    exports.save_geotiff(pane.scene.path, copy)
    assert copy.read_bytes() == pane.scene.path.read_bytes()


def test_an_rgb_mosaic_shows_its_colours_and_rgb_values(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    _show(qtbot, pane, offline.organization_id, mosaic=offline.rgb)
    image = _painted(qtbot, pane)
    assert pane.layer is not None and pane.layer.is_rgb and pane.layer.legend_range is None
    assert not pane.ramp_box.isEnabled(), "an RGB mosaic has no ramp to choose"
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert centre != QColor(BACKGROUND)
    _hover(qtbot, pane.canvas, QPoint(pane.canvas.width() // 2, pane.canvas.height() // 2))
    qtbot.waitUntil(
        lambda: "RGB" in pane.readout.text() or "no data" in pane.readout.text(), timeout=5000
    )


def test_a_mosaic_whose_field_has_no_outline_yet_is_shown_whole(
    qtbot: QtBot, offline: OfflineImagery, tmp_path: Path
) -> None:
    from tests.ui.map.conftest import FetchedMapSource

    bare = FetchedMapSource(outlines={}, mosaics=offline.source.mosaics, paths=offline.source.paths)
    tasks = TaskManager()
    pane = MapPane(bare, tasks, QSettings(str(tmp_path / "bare.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    _show(qtbot, pane, offline.organization_id, mosaic=offline.ndvi[0])
    assert pane.scene is not None and not pane.scene.outlines
    with rasterio.open(offline.source.paths[offline.ndvi[0]]) as tif:
        assert pane.scene.crs.epsg == tif.crs.to_epsg(), "the mosaic's own UTM zone"
    _painted(qtbot, pane)
    layer = pane.layer
    assert layer is not None and layer.grid is not None
    grid = layer.grid
    left, bottom, right, top = pane.canvas.view.bounds
    assert left <= grid.left and grid.top <= top, "the whole mosaic is in view"
    assert right >= grid.left + grid.width * grid.pixel
    assert bottom <= grid.top - grid.height * grid.pixel
    pane.shutdown()
    tasks.wait(5000)


def test_a_new_place_is_not_undone_by_the_table_clearing_its_selection(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    _show(qtbot, pane, offline.organization_id, mosaic=offline.ndvi[0])
    other = next(
        o.field_id
        for o in offline.source.field_outlines(offline.organization_id)
        if o.field_id != offline.field_id
    )
    # The tree picks another field; its table then empties (no mosaic selected), both
    # before the map has read anything.
    pane.show_place(offline.organization_id, other)
    pane.set_mosaic(None)
    qtbot.waitUntil(lambda: not pane.tasks.busy("store"), timeout=10_000)
    assert pane.scene is not None
    assert (pane.scene.field_id, pane.scene.mosaic) == (other, None)
    assert pane.canvas.selected_field == other


def test_the_histogram_counts_the_field_whole_or_as_far_as_visible(
    qtbot: QtBot, pane: MapPane, offline: OfflineImagery
) -> None:
    _show(qtbot, pane, offline.organization_id, mosaic=offline.ndvi[0])
    _painted(qtbot, pane)
    pane.show_histogram()
    dialog = pane.histogram
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.chart.counts is not None, timeout=10_000)
    assert dialog.chart.counts is not None and dialog.chart.edges is not None
    whole = int(dialog.chart.counts.sum())
    layer = pane.layer
    assert layer is not None and layer.legend_range is not None
    assert (dialog.chart.edges[0], dialog.chart.edges[-1]) == pytest.approx(
        (layer.legend_range.low, layer.legend_range.high)
    ), "the bins span the legend's range"
    assert whole > 1000
    pane.canvas.zoom(4.0)  # a quarter of the field's width in view
    dialog.chart.counts = None
    dialog.visible_only.setChecked(True)
    qtbot.waitUntil(lambda: dialog.chart.counts is not None, timeout=10_000)
    assert dialog.chart.counts is not None
    assert 0 < int(dialog.chart.counts.sum()) < whole / 4
    dialog.close()
