"""Taking the map out of FieldDesk: save the GeoTIFF, open it elsewhere, copy a position,
export the field's outline; and the texts of the status-bar readout.

The actions ask the pane only for what `ExportHost` names, so this module does not
import the pane that imports it (the sibling modules stay acyclic).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QUrl, SignalInstance
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

if TYPE_CHECKING:
    from app.ui.common.tasks import TaskManager
    from app.ui.map.canvas import MapCanvas
    from app.ui.map.layer import RasterLayer
    from app.ui.map.scene import Scene

log = logging.getLogger(__name__)


class ExportHost(Protocol):
    """What the export actions read from the map pane (`MapPane` is one)."""

    scene: Scene | None
    tasks: TaskManager
    canvas: MapCanvas
    last_point: tuple[float, float] | None

    @property
    def message(self) -> SignalInstance: ...

    def window(self) -> QWidget: ...


def format_lat_lon(lat: float, lon: float) -> str:
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return f"{abs(lat):.6f}° {ns}, {abs(lon):.6f}° {ew}"


def format_values(layer: RasterLayer, values: object) -> str:
    label = layer.mosaic_type.upper() or "Value"
    if not isinstance(values, tuple) or not values:
        return f"{label}: no data"
    if layer.is_rgb:
        r, g, b = (int(v) for v in values[:3])
        return f"RGB {r}, {g}, {b}"
    if layer.is_thermal:
        return f"{values[0]:.1f} °C"
    return f"{label} {values[0]:.3f}"


def save_geotiff(source: Path, target: Path) -> None:
    """Copy the mosaic's file (atomically: a half-written copy never has the name)."""
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    partial.replace(target)


def boundary_geojson(pane: ExportHost) -> str | None:
    scene = pane.scene
    outline = scene.outline(scene.field_id) if scene is not None else None
    if outline is None:
        return None
    feature = {
        "type": "Feature",
        "properties": {"sentera_id": outline.field_id, "name": outline.name},
        "geometry": outline.outline.boundary,
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}, indent=1)


def export_boundary(pane: ExportHost, target: Path) -> bool:
    text = boundary_geojson(pane)
    if text is None:
        return False
    target.write_text(text, encoding="utf-8")
    return True


def _safe_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in name).strip(" .")
    return cleaned[:80] or "mosaic"


def save_geotiff_dialog(pane: ExportHost) -> None:
    scene = pane.scene
    if scene is None or scene.path is None or scene.mosaic is None:
        return
    suggested = f"{scene.mosaic.captured_at[:10]} {_safe_name(scene.mosaic.name)}.tif"
    chosen, _ = QFileDialog.getSaveFileName(
        pane.window(), "Save GeoTIFF as", suggested, "GeoTIFF (*.tif *.tiff)"
    )
    if not chosen:
        return
    source, target = scene.path, Path(chosen)
    pane.tasks.run_in_background(
        lambda: save_geotiff(source, target),
        lambda _none: pane.message.emit(f"Saved {target.name}"),
        on_error=lambda error: pane.message.emit(f"Could not save {target.name}: {error}"),
        pool="imagery",
    )


def open_externally(pane: ExportHost) -> None:
    scene = pane.scene
    if scene is None or scene.path is None:
        return
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(scene.path))):
        pane.message.emit("No application on this computer opens GeoTIFF files.")


def copy_coordinates(pane: ExportHost) -> None:
    """The point under the cursor (or the map's centre) as "lat, lon" decimal degrees."""
    point = pane.last_point
    if point is None and pane.scene is not None:
        point = pane.scene.crs.to_lon_lat(pane.canvas.cx, pane.canvas.cy)
    if point is None:
        return
    lon, lat = point
    text = f"{lat:.6f}, {lon:.6f}"
    QGuiApplication.clipboard().setText(text)
    pane.message.emit(f"Copied {text}")


def export_boundary_dialog(pane: ExportHost) -> None:
    scene = pane.scene
    outline = scene.outline(scene.field_id) if scene is not None else None
    if outline is None:
        return
    chosen, _ = QFileDialog.getSaveFileName(
        pane.window(),
        "Export field boundary",
        f"{_safe_name(outline.name)}.geojson",
        "GeoJSON (*.geojson *.json)",
    )
    if chosen:
        try:
            export_boundary(pane, Path(chosen))
        except OSError as error:
            pane.message.emit(f"Could not export the boundary: {error}")
        else:
            pane.message.emit(f"Exported {Path(chosen).name}")
