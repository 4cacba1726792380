"""The map in the real window, wired to the real imagery library: outlines from the
store, and a mosaic that is not here downloaded from the map's prompt, then drawn.

Real simulator on loopback (small GeoTIFFs), a real store file, the downloads worker
on its own QThread, an offscreen Qt event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from app.domain import ScopeKind
from app.domain_files import FileState, Pin, PinKind
from app.simulator import Simulator
from app.ui.map.source import StoreMapSource
from app.ui.window import MainWindow
from tests.files.helpers import survey_with_files
from tests.ui.conftest import run_sync


def _select(window: MainWindow, kind: ScopeKind, sentera_id: str) -> None:
    index = window.catalogue.proxy.mapFromSource(window.catalogue.model.index_for(kind, sentera_id))
    window.catalogue.tree.setCurrentIndex(index)


def test_download_from_the_map_fetches_the_mosaic_and_draws_it(
    qtbot: Any, make_window: Any, simulator_factory: Any, tmp_path: Path
) -> None:
    sim: Simulator = simulator_factory(imagery_cache_dir=tmp_path / "sim", imagery_scale=0.25)
    window = make_window(sim)
    window.resize(1400, 900)
    run_sync(qtbot, window)
    _, mosaics = survey_with_files(sim, at_least=1)
    mosaic_id = mosaics[0]
    detail = window.store.mosaic(mosaic_id)
    assert detail is not None
    field_id, org_id = detail.field_sentera_id, detail.organization_sentera_id
    library = window.downloads.library
    assert library.local_path(mosaic_id) is None

    # The field's organization on the map: its outlines are the store's.
    assert isinstance(window.map.source, StoreMapSource)
    _select(window, ScopeKind.FIELD, field_id)
    qtbot.waitUntil(
        lambda: window.map.scene is not None and window.map.scene.field_id == field_id,
        timeout=10_000,
    )
    stored = {b.field_id for b in window.store.fields_with_boundaries(org_id)}
    assert field_id in stored
    assert {o.field_id for o in window.map.canvas.outlines} == stored

    # The mosaic chosen in the table is not here: the prompt offers to download it.
    qtbot.waitUntil(lambda: window.mosaics.model.row_of(mosaic_id) is not None, timeout=10_000)
    row = window.mosaics.model.row_of(mosaic_id)
    assert row is not None
    window.mosaics.table.selectRow(row)
    prompt = window.map.prompt
    qtbot.waitUntil(lambda: prompt.isVisible() and prompt.mosaic_id == mosaic_id, timeout=10_000)
    assert window.map.layer is None
    assert prompt.download.isEnabled()

    with qtbot.waitSignal(window.downloads.controller.finished, timeout=60_000) as blocker:
        qtbot.mouseClick(prompt.download, Qt.MouseButton.LeftButton)
    assert blocker.args[0].complete, blocker.args[0].message

    assert Pin(PinKind.MOSAIC, mosaic_id) in window.store.pins()
    assert library.state(mosaic_id) is FileState.PRESENT
    path = library.local_path(mosaic_id)
    assert path is not None and path.is_file()
    qtbot.waitUntil(
        lambda: window.map.layer is not None and window.map.layer.raster is not None,
        timeout=20_000,
    )
    layer = window.map.layer
    assert layer is not None and layer.mosaic_id == mosaic_id
    assert not prompt.isVisible()
