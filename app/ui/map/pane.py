"""The map pane: field outlines, the selected mosaic, its colours and values, and compare.

The pane owns its canvases, its raster layers and what it remembers per field. It is
told what to show (`show_place` from the catalogue's selection, `set_mosaic` from the
table's) and says when the user clicks a field (`field_clicked`). Everything it reads
comes through a `MapSource` on a background pool: outlines and the mosaic's record on
`store`, pixels on `imagery`; the UI thread never waits on a file or the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.imagery.geo import MapCrs
from app.imagery.ramps import Ramp
from app.imagery.source import MapSource, MosaicRef
from app.imagery.stretch import Stretch
from app.ui.common.tasks import IMAGERY, STORE, TaskManager
from app.ui.map import exports
from app.ui.map.canvas import MapCanvas, MapOutline
from app.ui.map.histogram import HistogramDialog
from app.ui.map.layer import RasterLayer, View
from app.ui.map.prompt import MissingPrompt
from app.ui.map.scene import Scene, load_scene
from app.ui.map.state import FieldView, load_field_view, save_field_view
from app.ui.map.toolbar import MapToolBar

log = logging.getLogger(__name__)

WARM_UP_MS = 1_000
NO_DOWNLOADS = "Downloading imagery needs the offline library, which this build does not have yet."


class MapPane(QWidget):
    field_clicked = Signal(str)  # the user clicked a field's outline
    message = Signal(str)  # a passing note for the status bar
    scene_applied = Signal(object)  # Scene now on screen (tests, benchmarks)

    def __init__(
        self,
        source: MapSource,
        tasks: TaskManager,
        settings: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.tasks = tasks
        self.settings = settings
        self.scene: Scene | None = None
        self.layer: RasterLayer | None = None
        self.compare_layer: RasterLayer | None = None
        self.ramp: Ramp | None = None  # None: the mosaic type's own ramp
        self.stretch = Stretch.PERCENT_2_98
        self.downloader: Callable[[str, bool], None] | None = None  # (mosaic id, keep offline)
        self.last_point: tuple[float, float] | None = None  # lon, lat under the cursor
        self._request = 0
        self._syncing_views = False
        self._values: dict[str, str] = {}
        self.histogram: HistogramDialog | None = None
        self._saved_view: FieldView | None = None
        # (organization, field, mosaic) last asked for; the scene catches up with it.
        self._wanted: tuple[str | None, str | None, str | None] = (None, None, None)

        self.canvas = MapCanvas(self)
        self.compare_canvas = MapCanvas(self)
        self.compare_canvas.hide()
        self.prompt = MissingPrompt(self)
        self.prompt.hide()
        self.readout = QLabel()  # the window puts it in its status bar (hence no parent)
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setMinimumWidth(260)
        self._build_toolbar()
        holder = QWidget(self)
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.canvas, 0, 0)
        grid.addWidget(self.prompt, 0, 0, Qt.AlignmentFlag.AlignCenter)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(holder)
        self.splitter.addWidget(self.compare_canvas)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        self._connect()
        self._update_actions()
        # GDAL takes about a second to load: load it in the background soon after the
        # window is up, so the first mosaic the user picks does not wait for it.
        QTimer.singleShot(
            WARM_UP_MS, self, lambda: tasks.run_in_background(_load_gdal, pool=IMAGERY)
        )

    # -- construction -------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = self.toolbar = MapToolBar(self)
        # The pane's handles on the bar's parts (tests and the window use them too).
        self.ramp_box, self.stretch_box, self.opacity = bar.ramp_box, bar.stretch_box, bar.opacity
        self.compare_action, self.compare_box = bar.compare_action, bar.compare_box
        self.compare_box_action, self.histogram_action = (
            bar.compare_box_action,
            bar.histogram_action,
        )
        self.field_action, self.mosaic_action = bar.field_action, bar.mosaic_action
        self.save_action, self.open_action = bar.save_action, bar.open_action
        self.copy_action, self.export_action = bar.copy_action, bar.export_action
        bar.zoom_in_action.triggered.connect(lambda: self.canvas.zoom(2.0))
        bar.zoom_out_action.triggered.connect(lambda: self.canvas.zoom(0.5))
        bar.field_action.triggered.connect(self.zoom_to_field)
        bar.mosaic_action.triggered.connect(self.zoom_to_mosaic)
        bar.histogram_action.triggered.connect(self.show_histogram)
        bar.save_action.triggered.connect(lambda: exports.save_geotiff_dialog(self))
        bar.open_action.triggered.connect(lambda: exports.open_externally(self))
        bar.copy_action.triggered.connect(lambda: exports.copy_coordinates(self))
        bar.export_action.triggered.connect(lambda: exports.export_boundary_dialog(self))

    def _connect(self) -> None:
        for canvas in (self.canvas, self.compare_canvas):
            canvas.field_clicked.connect(self.field_clicked)
            canvas.home_requested.connect(self.zoom_to_field)
            canvas.cursor_moved.connect(self._cursor_moved)
        self.canvas.view_changed.connect(lambda view: self._mirror(self.compare_canvas, view))
        self.compare_canvas.view_changed.connect(lambda view: self._mirror(self.canvas, view))
        self.ramp_box.activated.connect(lambda _i: self.set_ramp(Ramp(self.ramp_box.currentData())))
        self.stretch_box.activated.connect(
            lambda _i: self.set_stretch(Stretch(self.stretch_box.currentData()))
        )
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.compare_action.toggled.connect(self.set_compare)
        self.compare_box.activated.connect(lambda _i: self._compare_chosen())
        self.prompt.download_requested.connect(lambda mosaic_id: self._download(mosaic_id, False))
        self.prompt.keep_offline_requested.connect(
            lambda mosaic_id: self._download(mosaic_id, True)
        )

    # -- what is shown ----------------------------------------------------------------------
    @property
    def field_id(self) -> str | None:
        return self.scene.field_id if self.scene is not None else None

    @property
    def mosaic_id(self) -> str | None:
        return self.scene.mosaic.mosaic_id if self.scene is not None and self.scene.mosaic else None

    def show_place(self, organization_id: str | None, field_id: str | None) -> None:
        """The catalogue's selection: an organization's fields, zoomed to `field_id`."""
        keep = self._wanted[2] is not None and field_id and self._wanted[1] == field_id
        self._wanted = (organization_id, field_id, self._wanted[2] if keep else None)
        if keep:
            return  # the mosaic of this field stays
        self._load(organization_id, field_id, None)

    def set_mosaic(self, mosaic_id: str | None) -> None:
        """The table's selection: draw that mosaic (None: back to the outlines)."""
        organization_id, field_id, current = self._wanted
        if mosaic_id == current:
            return
        # What was last asked for, not what is on screen: a place asked for a moment
        # ago may still be loading, and must not be undone by an older one.
        self._wanted = (organization_id, field_id, mosaic_id)
        self._load(organization_id, field_id, mosaic_id)

    def reload(self) -> None:
        """Read the scene again (a sync or a download changed the store or the files)."""
        if self.scene is not None:
            self._load(*self._wanted)

    def _load(
        self, organization_id: str | None, field_id: str | None, mosaic_id: str | None
    ) -> None:
        self._request += 1
        request, source = self._request, self.source
        self.canvas.set_note("Loading…")
        self.tasks.run_in_background(
            lambda: load_scene(
                source, organization_id=organization_id, field_id=field_id, mosaic_id=mosaic_id
            ),
            lambda scene: self._apply(request, scene),
            on_error=lambda error: self._load_failed(request, error),
            pool=STORE,
        )

    def _load_failed(self, request: int, error: Exception) -> None:
        if request == self._request:
            log.warning("the map could not read its place: %s", error)
            self.canvas.set_note("The map could not be read from the local store.")

    def _apply(self, request: int, scene: Scene) -> None:
        if request != self._request:
            return  # a later choice is on its way
        old = self.scene
        self.remember_field()
        self._wanted = (scene.organization_id, scene.field_id, self._wanted[2])
        same_view = old is not None and old.field_id == scene.field_id and old.crs == scene.crs
        self.scene = scene
        outlines = [MapOutline(o.field_id, o.name, o.rings) for o in scene.outlines]
        for canvas in (self.canvas, self.compare_canvas):
            canvas.set_outlines(scene.crs, outlines)
            canvas.set_selected_field(scene.field_id)
        self._close_layers()
        self.prompt.hide()
        note = ""
        if not scene.outlines:
            note = (
                "No field outlines here yet: sync to fetch them." if scene.organization_id else ""
            )
        self.canvas.set_note(note)
        saved = load_field_view(self.settings, scene.field_id) if scene.field_id else None
        self._saved_view = saved
        self._apply_style(saved)
        if not same_view:
            self._place_view(scene, saved)
        mosaic = scene.mosaic
        if mosaic is not None:
            if scene.path is None:
                self.prompt.show_missing(
                    mosaic.mosaic_id,
                    mosaic.name,
                    available=mosaic.available,
                    can_download=self.downloader is not None,
                    why_not=NO_DOWNLOADS,
                )
            else:
                self.layer = self._make_layer(self.canvas, mosaic, scene.path, scene.crs)
                self.layer.restyled.connect(self._share_ranges)
        self._fill_compare(scene)
        self._update_actions()
        self.scene_applied.emit(scene)

    def _place_view(self, scene: Scene, saved: FieldView | None) -> None:
        if saved is not None:
            x, y = scene.crs.to_map(saved.lon, saved.lat)
            self.canvas.set_view(x, y, saved.res)
            return
        bounds = scene.bounds(scene.field_id) if scene.field_id else scene.bounds()
        if bounds is None:
            bounds = scene.bounds()
        if bounds is not None:
            self.canvas.fit(bounds)

    def _make_layer(
        self, canvas: MapCanvas, mosaic: MosaicRef, path: Path, crs: MapCrs
    ) -> RasterLayer:
        layer = RasterLayer(
            self.tasks,
            path,
            crs,
            mosaic_id=mosaic.mosaic_id,
            mosaic_type=mosaic.mosaic_type,
            parent=self,
        )
        layer.set_style(ramp=self.ramp, stretch=self.stretch)
        layer.ready.connect(lambda: self._layer_ready(canvas, layer))
        layer.failed.connect(lambda text: canvas.set_note(text))
        layer.value_found.connect(
            lambda lon, lat, values: self._value_found(layer, lon, lat, values)
        )
        canvas.legend_title = _legend_title(mosaic)
        canvas.set_note("Opening the mosaic…")
        canvas.set_layer(layer)
        layer.open()
        return layer

    def _layer_ready(self, canvas: MapCanvas, layer: RasterLayer) -> None:
        if layer.closed:
            return
        canvas.set_note("")
        scene = self.scene
        placed = scene is not None and scene.bounds(scene.field_id) is not None
        if layer is self.layer and not placed and self._saved_view is None:
            self.zoom_to_mosaic()  # no outline to go by: show the whole mosaic
        if self.ramp is None:
            self.ramp_box.setCurrentIndex(self.ramp_box.findData(layer.ramp.value))
        self._update_actions()
        if self.histogram is not None and self.histogram.isVisible() and layer is self.layer:
            self._refresh_histogram()

    def _close_layers(self) -> None:
        for layer in (self.layer, self.compare_layer):
            if layer is not None:
                layer.close()
                layer.deleteLater()
        self.layer = self.compare_layer = None
        self.canvas.set_layer(None)
        self.compare_canvas.set_layer(None)
        self._values.clear()
        self.readout.clear()  # a value of the mosaic that was shown is no value now

    # -- colour -----------------------------------------------------------------------------
    def _apply_style(self, saved: FieldView | None) -> None:
        self.ramp = saved.ramp_value if saved is not None else None
        self.stretch = (saved.stretch_value if saved is not None else None) or Stretch.PERCENT_2_98
        self.stretch_box.setCurrentIndex(self.stretch_box.findData(self.stretch.value))
        opacity = saved.opacity if saved is not None else 1.0
        self.opacity.blockSignals(True)
        self.opacity.setValue(round(opacity * 100))
        self.opacity.blockSignals(False)
        for canvas in (self.canvas, self.compare_canvas):
            canvas.set_opacity(opacity)

    def set_ramp(self, ramp: Ramp) -> None:
        self.ramp = ramp
        self.ramp_box.setCurrentIndex(self.ramp_box.findData(ramp.value))
        for layer in (self.layer, self.compare_layer):
            if layer is not None:
                layer.set_style(ramp=ramp)

    def set_stretch(self, stretch: Stretch) -> None:
        self.stretch = stretch
        self.stretch_box.setCurrentIndex(self.stretch_box.findData(stretch.value))
        for layer in (self.layer, self.compare_layer):
            if layer is not None:
                layer.set_style(stretch=stretch)
        if self.histogram is not None and self.histogram.isVisible():
            self._refresh_histogram()

    def _opacity_changed(self, value: int) -> None:
        for canvas in (self.canvas, self.compare_canvas):
            canvas.set_opacity(value / 100)

    # -- zoom -------------------------------------------------------------------------------
    def zoom_to_field(self) -> None:
        scene = self.scene
        bounds = scene.bounds(scene.field_id) if scene is not None and scene.field_id else None
        if bounds is None and scene is not None:
            bounds = scene.bounds()
        if bounds is not None:
            self.canvas.fit(bounds)

    def zoom_to_mosaic(self) -> None:
        grid = self.layer.grid if self.layer is not None else None
        if grid is not None:
            self.canvas.fit(
                (
                    grid.left,
                    grid.top - grid.height * grid.pixel,
                    grid.left + grid.width * grid.pixel,
                    grid.top,
                ),
                margin=0.02,
            )

    # -- compare ----------------------------------------------------------------------------
    def _fill_compare(self, scene: Scene) -> None:
        self.compare_box.clear()
        current = scene.mosaic
        if current is None:
            self.compare_action.setChecked(False)
            return
        for other in scene.others:
            if other.mosaic_id != current.mosaic_id and other.available:
                self.compare_box.addItem(
                    f"{other.captured_at[:10]} · {other.mosaic_type} · {other.name}",
                    other.mosaic_id,
                )
        same_type = next(
            (i for i, o in enumerate(self._compare_refs()) if o.mosaic_type == current.mosaic_type),
            0,
        )
        self.compare_box.setCurrentIndex(same_type if self.compare_box.count() else -1)
        if self.compare_action.isChecked():
            self._compare_chosen()

    def _compare_refs(self) -> list[MosaicRef]:
        if self.scene is None or self.scene.mosaic is None:
            return []
        current = self.scene.mosaic.mosaic_id
        return [o for o in self.scene.others if o.mosaic_id != current and o.available]

    def set_compare(self, on: bool) -> None:
        self.compare_action.setChecked(on)
        self.compare_box_action.setVisible(on)
        self.compare_canvas.setVisible(on)
        if on:
            self.splitter.setSizes([1, 1])
            self._compare_chosen()
            # Each view is half as wide now: show the field again once laid out.
            QTimer.singleShot(0, self, self.zoom_to_field)
        elif self.compare_layer is not None:
            self.compare_layer.close()
            self.compare_layer = None
            self.compare_canvas.set_layer(None)

    def choose_compare(self, mosaic_id: str) -> None:
        index = self.compare_box.findData(mosaic_id)
        if index >= 0:
            self.compare_box.setCurrentIndex(index)
            self._compare_chosen()

    def _compare_chosen(self) -> None:
        if not self.compare_action.isChecked() or self.scene is None:
            return
        if self.compare_layer is not None:
            self.compare_layer.close()
            self.compare_layer = None
        mosaic_id = self.compare_box.currentData()
        ref = next((o for o in self._compare_refs() if o.mosaic_id == mosaic_id), None)
        canvas = self.compare_canvas
        canvas.set_layer(None)
        view = self.canvas.view
        canvas.set_view(view.cx, view.cy, view.res, announce=False)
        if ref is None:
            canvas.set_note("No other mosaic of this field to compare with.")
            return
        source, crs = self.source, self.scene.crs
        request = self._request

        def opened(path: Path | None) -> None:
            if request != self._request or not self.compare_action.isChecked():
                return
            if path is None:
                canvas.set_note(
                    f"{ref.captured_at[:10]} {ref.mosaic_type} is not on this computer."
                )
                return
            self.compare_layer = self._make_layer(canvas, ref, path, crs)
            self._share_ranges()

        self.tasks.run_in_background(
            lambda: source.local_mosaic_path(ref.mosaic_id), opened, pool=STORE
        )

    def _share_ranges(self) -> None:
        """Two dates of one kind share the main mosaic's value ranges: the same colour
        means the same value on both sides (and both legends say so)."""
        main, other = self.layer, self.compare_layer
        if other is None:
            return
        same_kind = main is not None and main.mosaic_type == other.mosaic_type
        ranges = main.style.ranges if same_kind and main is not None and main.style else None
        other.set_style(shared=ranges)

    def _mirror(self, target: MapCanvas, view: View) -> None:
        """Pan and zoom locked: one view follows the other (never back again)."""
        if self._syncing_views or not self.compare_canvas.isVisible():
            return
        self._syncing_views = True
        try:
            target.set_view(view.cx, view.cy, view.res)
        finally:
            self._syncing_views = False

    # -- values under the cursor -------------------------------------------------------------
    def _cursor_moved(self, point: tuple[float, float] | None) -> None:
        scene = self.scene
        if point is None or scene is None:
            return
        lon, lat = scene.crs.to_lon_lat(*point)
        self.last_point = (lon, lat)
        self._values.clear()
        self.readout.setText(exports.format_lat_lon(lat, lon))
        for layer in (self.layer, self.compare_layer):
            if layer is not None:
                layer.request_value(lon, lat)

    def _value_found(self, layer: RasterLayer, lon: float, lat: float, values: object) -> None:
        if self.last_point != (lon, lat):
            return  # the cursor has moved on; a newer answer follows
        text = exports.format_values(layer, values)
        key = "a" if layer is self.layer else "b"
        self._values[key] = text
        parts = [self._values[k] for k in ("a", "b") if k in self._values]
        self.readout.setText(" | ".join([*parts, exports.format_lat_lon(lat, lon)]))

    # -- histogram ---------------------------------------------------------------------------
    def show_histogram(self) -> None:
        if self.histogram is None:
            self.histogram = HistogramDialog(self)
            self.histogram.extent_changed.connect(lambda _v: self._refresh_histogram())
        self.histogram.show()
        self.histogram.raise_()
        self._refresh_histogram()

    def _refresh_histogram(self) -> None:
        layer, scene, dialog = self.layer, self.scene, self.histogram
        if layer is None or scene is None or dialog is None or scene.mosaic is None:
            return
        outline = scene.outline(scene.field_id)
        rings = outline.rings if outline is not None else []
        bounds = self.canvas.view.bounds if dialog.visible_only.isChecked() else None
        dialog.title.setText(f"{scene.mosaic.name} — {scene.mosaic.mosaic_type}")
        ramp = None if layer.is_rgb else layer.ramp

        def done(counts: object, edges: object) -> None:
            layer.histogram_ready.disconnect(done)
            dialog.chart.set_data(counts, edges, ramp)  # type: ignore[arg-type]

        layer.histogram_ready.connect(done)
        layer.request_histogram(rings, bounds)

    # -- downloads ---------------------------------------------------------------------------
    def set_downloader(self, downloader: Callable[[str, bool], None] | None) -> None:
        self.downloader = downloader

    def set_download_progress(self, done: int, total: int) -> None:
        """Overall download progress, shown while the prompt waits for its file."""
        if self.prompt.isVisible():
            self.prompt.set_progress(done, total)

    def files_changed(self, mosaic_ids: frozenset[str] | None) -> None:
        """Files arrived or went (None: any): read the scene again if it shows one."""
        shown = {self._wanted[2], self.compare_box.currentData()} - {None}
        if self.scene is not None and (mosaic_ids is None or shown & set(mosaic_ids)):
            self.reload()

    def _download(self, mosaic_id: str, keep: bool) -> None:
        if self.downloader is not None:
            self.prompt.set_progress(0, 0)
            self.downloader(mosaic_id, keep)

    # -- memory ------------------------------------------------------------------------------
    def remember_field(self) -> None:
        scene = self.scene
        if scene is None or scene.field_id is None:
            return
        lon, lat = scene.crs.to_lon_lat(self.canvas.cx, self.canvas.cy)
        view = FieldView(
            lon,
            lat,
            self.canvas.res,
            self.ramp.value if self.ramp else None,
            self.stretch.value,
            self.opacity.value() / 100,
        )
        save_field_view(self.settings, scene.field_id, view)

    def _update_actions(self) -> None:
        has_layer = self.layer is not None and self.layer.raster is not None
        has_mosaic = self.scene is not None and self.scene.path is not None
        has_field = self.scene is not None and self.scene.outline(self.scene.field_id) is not None
        self.mosaic_action.setEnabled(has_layer)
        self.histogram_action.setEnabled(has_layer)
        self.compare_action.setEnabled(has_mosaic)
        self.save_action.setEnabled(has_mosaic)
        self.open_action.setEnabled(has_mosaic)
        self.export_action.setEnabled(has_field)
        self.field_action.setEnabled(has_field)
        rgb = self.layer is not None and self.layer.raster is not None and self.layer.is_rgb
        self.ramp_box.setEnabled(not rgb)

    def shutdown(self) -> None:
        self.remember_field()
        self._close_layers()


def _load_gdal() -> None:
    """Import rasterio and register GDAL's drivers (what the first open would pay)."""
    import rasterio

    import app.imagery.raster  # noqa: F401

    with rasterio.Env():
        pass


def _legend_title(mosaic: MosaicRef) -> str:
    kind = mosaic.mosaic_type.upper()
    date = mosaic.captured_at[:10]
    return f"{kind} (°C) · {date}" if kind == "THERMAL" else f"{kind} · {date}"
