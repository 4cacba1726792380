"""The map in the main window: it follows the tree and the table, and a click on a field
selects it in the tree. A real store synced from the simulator, which is then stopped:
the outlines come from the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt

from app.domain import ScopeKind
from app.simulator import Simulator
from app.store import Store
from app.ui.map.source import StoreMapSource
from tests.ui.conftest import quick_runner, run_sync
from tests.ui.map.conftest import OfflineImagery


class FetchedFiles:
    """The library's one answer, from the files fetched for these tests (the same
    seed, so the same ids); outlines and mosaics come from the store itself."""

    def __init__(self, offline: OfflineImagery) -> None:
        self.offline = offline

    def local_path(self, mosaic_id: str) -> Path | None:
        return self.offline.source.local_mosaic_path(mosaic_id)


def _select(window: Any, kind: ScopeKind, sentera_id: str) -> None:
    index = window.catalogue.proxy.mapFromSource(window.catalogue.model.index_for(kind, sentera_id))
    window.catalogue.tree.setCurrentIndex(index)


def test_the_map_follows_the_tree_and_a_click_selects_a_field(
    qtbot: Any,
    make_window: Any,
    simulator: Simulator,
    store: Store,
    offline: OfflineImagery,
) -> None:
    first = make_window(simulator)
    run_sync(qtbot, first)
    first.close()
    simulator.stop()
    window = make_window(runner_factory=quick_runner(store, simulator))
    window.map.source = StoreMapSource(store, FetchedFiles(offline))
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)

    # An organization: all its fields on the map.
    with qtbot.waitSignal(window.map.scene_applied, timeout=10_000):
        _select(window, ScopeKind.ORGANIZATION, offline.organization_id)
    expected = {o.field_id for o in offline.source.field_outlines(offline.organization_id)}
    stored = {b.field_id for b in store.fields_with_boundaries(offline.organization_id)}
    assert stored == expected
    assert {o.field_id for o in window.map.canvas.outlines} == expected

    # A click on a field's outline (or its marker) selects the field in the tree.
    canvas = window.map.canvas
    point = next(
        QPoint(x, y)
        for y in range(10, canvas.height(), 4)
        for x in range(10, canvas.width(), 4)
        if canvas.outline_at(x, y) == offline.field_id
    )
    with qtbot.waitSignal(window.catalogue.scope_changed, timeout=5000):
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point)
    scope = window.catalogue.scope
    assert scope is not None and (scope.kind, scope.sentera_id) == (
        ScopeKind.FIELD,
        offline.field_id,
    )
    qtbot.waitUntil(
        lambda: window.map.scene is not None and window.map.scene.field_id == offline.field_id,
        timeout=10_000,
    )
    assert canvas.selected_field == offline.field_id

    # A mosaic chosen in the table is drawn on the map.
    mosaic_id = offline.ndvi[0]
    qtbot.waitUntil(lambda: window.mosaics.model.row_of(mosaic_id) is not None, timeout=10_000)
    row = window.mosaics.model.row_of(mosaic_id)
    assert row is not None
    window.mosaics.table.selectRow(row)
    qtbot.waitUntil(lambda: window.map.layer is not None, timeout=10_000)
    layer = window.map.layer
    assert layer is not None and layer.mosaic_id == mosaic_id
    qtbot.waitUntil(lambda: layer.raster is not None, timeout=10_000)
    window.close()
