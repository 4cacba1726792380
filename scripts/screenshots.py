"""Capture the README's screenshots of the real window under a real X server.

    python scripts/screenshots.py            # starts its own Xvfb when there is no display
    xvfb-run -a python scripts/screenshots.py

It runs the embedded simulator with the demo account, opens the window on a fresh
database in a temporary folder (your own data and settings are never touched), syncs,
and saves PNGs into docs/screenshots/: the first run, a sync in progress, the synced
catalogue with a mosaic selected, the map (an organization's fields, an NDVI mosaic with
its legend and the value under the cursor, an RGB mosaic, two dates compared), the
window on small laptop screens (1024 × 640 and 1366 × 768), the menu bar, a context
menu, the preferences and export dialogs, a problem
banner with its details, the offline state, the dark theme, and the same window at 2x
scale for HiDPI screens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "docs" / "screenshots"
SIZE = (1600, 900)
sys.path.insert(0, str(REPO_ROOT))


def start_xvfb() -> subprocess.Popen[bytes] | None:
    """An Xvfb server on a free display, unless a display is already set."""
    if os.environ.get("DISPLAY"):
        return None
    if shutil.which("Xvfb") is None:
        sys.exit("No display and no Xvfb: install xvfb (apt-get install xvfb) or run under one.")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "3400x2000x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        display = pipe.readline().strip()
    if not display:
        server.kill()
        sys.exit("Xvfb did not start")
    os.environ["DISPLAY"] = f":{display}"
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description="Capture FieldDesk's screenshots.")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--hidpi-from", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    xvfb = start_xvfb()
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    # One fixed time zone (and, below, locale), so the pictures do not depend on the
    # machine that makes them.
    os.environ["TZ"] = "America/Chicago"
    try:
        if args.hidpi_from:
            return capture_hidpi(args.hidpi_from, args.out)
        return capture_all(args.out)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)


# -- helpers that need Qt (imported after the display is chosen) ---------------------------


def wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def pause(seconds: float) -> None:
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() >= end)


def save(widget: object, path: Path) -> None:
    """Grab what the X server shows for the widget's window (falls back to a render)."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    pause(0.3)
    screen = widget.screen() or QGuiApplication.primaryScreen()
    geometry = widget.frameGeometry()
    pixmap = screen.grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height())
    if pixmap.isNull():
        pixmap = widget.grab()
    path.parent.mkdir(parents=True, exist_ok=True)
    pixmap.save(str(path))
    print(f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")


def select(window: object, kind: str, sentera_id: str | None) -> None:
    from app.domain import ScopeKind
    from app.ui.window import MainWindow

    assert isinstance(window, MainWindow)
    source = window.catalogue.model.index_for(ScopeKind(kind), sentera_id)
    index = window.catalogue.proxy.mapFromSource(source)
    window.catalogue.tree.scrollTo(index)
    window.catalogue.tree.setCurrentIndex(index)


def make_window(
    store: object, client_factory: object, settings_path: Path, size: tuple[int, int] = SIZE
) -> object:
    from PySide6.QtCore import QSettings

    from app.ui.application import build_window

    window = build_window(
        store,  # type: ignore[arg-type]
        QSettings(str(settings_path), QSettings.Format.IniFormat),
        client_factory=client_factory,  # type: ignore[arg-type]
        account="demo@fielddesk.example",
    )
    window.move(0, 0)
    window.resize(*size)
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def start_application() -> object:
    from PySide6.QtCore import QLocale

    from app.ui.application import ensure_application

    app = ensure_application(["fielddesk"])
    app.setStyle("Fusion")
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    return app


def dark_palette() -> object:
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#2b2d30",
        QPalette.ColorRole.WindowText: "#dfe1e5",
        QPalette.ColorRole.Base: "#1e1f22",
        QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.Text: "#dfe1e5",
        QPalette.ColorRole.Button: "#393b40",
        QPalette.ColorRole.ButtonText: "#dfe1e5",
        QPalette.ColorRole.Highlight: "#2f65ca",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#393b40",
        QPalette.ColorRole.ToolTipText: "#dfe1e5",
        QPalette.ColorRole.PlaceholderText: "#8c8f94",
        QPalette.ColorRole.Link: "#6aa1ff",
        QPalette.ColorRole.Mid: "#4e5157",
        QPalette.ColorRole.Midlight: "#43454a",
        QPalette.ColorRole.Dark: "#1b1c1f",
    }
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    roles = (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText)
    for role in roles:
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f737a"))
    return palette


def capture_all(out: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from app.api import FieldAgentClient, StaticTokenProvider
    from app.domain import Scope
    from app.simulator import Simulator, SimulatorConfig
    from app.store import Store
    from app.ui.common.tasks import STORE
    from app.ui.sync.toolbar import ConnectionState
    from app.ui.window import MainWindow

    start_application()
    folder = Path(tempfile.mkdtemp(prefix="fielddesk-shots-"))
    sim = Simulator(SimulatorConfig(size="demo", seed=1, latency=0.04)).start()
    tokens = StaticTokenProvider(sim.demo_token)

    def client() -> FieldAgentClient:
        return FieldAgentClient(sim.graphql_url, tokens)

    store = Store.open(folder / "fielddesk.sqlite3")
    window = make_window(store, client, folder / "settings.ini")
    assert isinstance(window, MainWindow)
    window.sync.set_connection_state(ConnectionState.ONLINE)
    save(window, out / "first-run.png")

    window.sync.start_sync(Scope.everything())
    wait_until(
        lambda: window.mosaics.model.rowCount() > 600 and window.sync.status.progress.value() > 450
    )
    save(window, out / "syncing.png")
    wait_until(lambda: not window.controller.is_running)
    wait_until(lambda: not window.tasks.busy(STORE) and not window.mosaics.model.refresh_pending)

    # The synced catalogue: a field with several surveys, a survey, a mosaic selected.
    surveys = store.survey_rows()
    survey = max(surveys, key=lambda s: (s.mosaic_count, s.name))
    select(window, "survey", survey.sentera_id)
    window.catalogue.tree.expand(window.catalogue.tree.currentIndex().parent())
    window.mosaics.table.selectRow(2)
    save(window, out / "main-window.png")

    capture_map(window, store, sim, out)
    capture_desktop(window, store, client, folder, survey.sentera_id, out)

    # Problems: FieldAgent refuses some items; the banner, then its details.
    victim = sorted(surveys, key=lambda s: s.name)[3].sentera_id
    sim.dataset.set_failed(
        victim,
        [
            {"key": "processing_failed", "code": "MOSAIC_PROCESSING_FAILED",
             "message": f"Mosaic {n} could not be processed", "reason": "stitching failed"}
            for n in (1, 2, 3)
        ],
    )  # fmt: skip
    window.sync.start_sync(Scope.everything())
    wait_until(lambda: not window.controller.is_running)
    wait_until(lambda: window.sync.banner.isVisible())
    save(window, out / "problem-banner.png")
    window.show_problems()
    dialog = window.problems_dialog
    assert dialog is not None
    dialog.move(260, 180)
    pause(0.3)
    dialog.tabs.setCurrentIndex(0)
    save(dialog, out / "problem-details.png")
    dialog.close()

    # Offline: the server goes away; everything stays browsable.
    sim.stop()
    window.sync.set_connection_state(ConnectionState.OFFLINE, None, "FieldAgent cannot be reached")
    select(window, "all", None)
    window.mosaics.filter_bar.text.setText("NDVI")
    window.mosaics.filter_bar.flush()
    save(window, out / "offline.png")
    window.mosaics.filter_bar.clear()
    window.close()

    # Dark theme, as on a desktop set to dark (a fresh window picks the palette up).
    QApplication.setPalette(dark_palette())  # type: ignore[arg-type]
    dark = make_window(store, client, folder / "settings.ini")
    assert isinstance(dark, MainWindow)
    dark.sync.set_connection_state(ConnectionState.OFFLINE, None, "FieldAgent cannot be reached")
    select(dark, "survey", survey.sentera_id)
    dark.mosaics.table.selectRow(1)
    dark.sync.banner.hide()
    save(dark, out / "main-window-dark.png")
    dark.close()
    store.close()

    # HiDPI: the same window at 2x in a child process (the scale is fixed at start-up).
    subprocess.run(
        [sys.executable, __file__, "--out", str(out), "--hidpi-from", str(folder)],
        check=True,
        env={**os.environ, "QT_SCALE_FACTOR": "2"},
    )
    shutil.rmtree(folder, ignore_errors=True)
    return 0


class SimulatorFiles:
    """The map's local files: the simulator's own GeoTIFFs (drawn on first use), standing
    in for the imagery library so the pictures need no download pass."""

    def __init__(self, sim: object) -> None:
        self.sim = sim

    def local_path(self, mosaic_id: str) -> Path | None:
        from app.simulator import Simulator

        assert isinstance(self.sim, Simulator)
        try:
            plan = self.sim.dataset.raster_plan(mosaic_id)
        except KeyError:
            return None
        return self.sim.imagery.ensure(plan)


class SimulatorOutlines:
    """Field outlines from the store, or else from the simulator's own account (for a
    store that does not keep outlines yet), so the pictures show the fields either way."""

    def __init__(self, source: object, sim: object) -> None:
        self.source, self.sim = source, sim

    def __getattr__(self, name: str) -> object:
        return getattr(self.source, name)

    def _from_simulator(self, field: dict[str, object]) -> object:
        from app.imagery.geo import FieldOutline

        org = field["organization"]
        assert isinstance(org, dict)
        return FieldOutline(
            str(field["sentera_id"]), str(field["name"]), str(org["sentera_id"]),
            field["boundary"],  # type: ignore[arg-type]
        )  # fmt: skip

    def field_outlines(self, organization_id: str) -> list[object]:
        found = self.source.field_outlines(organization_id)  # type: ignore[attr-defined]
        if found:
            return list(found)
        fields = self.sim.dataset.fields_of(organization_id)  # type: ignore[attr-defined]
        return [self._from_simulator(f) for f in fields]

    def field_outline(self, field_id: str) -> object:
        found = self.source.field_outline(field_id)  # type: ignore[attr-defined]
        if found is not None:
            return found
        field = self.sim.dataset.get(field_id)  # type: ignore[attr-defined]
        return self._from_simulator(field) if field is not None else None


def capture_map(window: object, store: object, sim: object, out: Path) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from app.domain import Scope, ScopeKind
    from app.store import MosaicQuery, Store
    from app.ui.window import MainWindow

    assert isinstance(window, MainWindow) and isinstance(store, Store)
    pane = window.map
    pane.source.files = SimulatorFiles(sim)  # type: ignore[attr-defined]
    pane.source = SimulatorOutlines(pane.source, sim)  # type: ignore[assignment]
    window.splitter.setSizes([250, 520, SIZE[0] - 770])
    window.side.setSizes([150, SIZE[1] - 250])

    def settled() -> bool:
        layer = pane.layer
        return not window.tasks.busy() and (
            layer is None or (layer.raster is not None and layer.complete)
        )

    # An organization's fields.
    organization = store.organizations()[0]
    select(window, "organization", organization.sentera_id)
    wait_until(
        lambda: pane.scene is not None and pane.scene.organization_id == organization.sentera_id
    )
    wait_until(settled)
    save(window, out / "map-fields.png")

    # A field with NDVI mosaics from two dates, and an RGB one.
    def mosaics_of(field_id: str) -> list[object]:
        ids = store.mosaic_ids(MosaicQuery(scope=Scope(ScopeKind.FIELD, field_id)))
        return [m for m in store.mosaics_by_id(ids) if m.image_status == "AVAILABLE"]

    def good(field_id: str) -> bool:
        found = mosaics_of(field_id)
        return sum(m.mosaic_type == "NDVI" for m in found) >= 2 and any(  # type: ignore[attr-defined]
            m.mosaic_type == "RGB"
            for m in found  # type: ignore[attr-defined]
        )

    field = next(f for f in store.fields(organization.sentera_id) if good(f.sentera_id))
    found = mosaics_of(field.sentera_id)
    ndvi_all = [m for m in found if m.mosaic_type == "NDVI"]  # type: ignore[attr-defined]
    # Two dates if the field has them (compare is about change over time).
    later = ndvi_all[0]
    earlier = next(
        (m for m in ndvi_all if m.captured_at[:10] != later.captured_at[:10]),  # type: ignore[attr-defined]
        ndvi_all[1],
    )
    ndvi = [later.sentera_id, earlier.sentera_id]  # type: ignore[attr-defined]
    rgb = next(m.sentera_id for m in found if m.mosaic_type == "RGB")  # type: ignore[attr-defined]
    select(window, "field", field.sentera_id)
    wait_until(lambda: pane.scene is not None and pane.scene.field_id == field.sentera_id)

    def show(mosaic_id: str) -> None:
        """Select the mosaic in the table, as a user would; the map follows."""
        wait_until(lambda: window.mosaics.model.row_of(mosaic_id) is not None)
        row = window.mosaics.model.row_of(mosaic_id)
        assert row is not None
        window.mosaics.table.selectRow(row)
        wait_until(lambda: pane.mosaic_id == mosaic_id and pane.layer is not None)
        wait_until(settled)

    show(ndvi[0])
    canvas = pane.canvas
    QTest.mouseMove(canvas, QPoint(canvas.width() // 2 + 20, canvas.height() // 2 + 10))
    wait_until(lambda: "NDVI" in pane.readout.text())
    save(window, out / "map-ndvi.png")

    show(rgb)
    save(window, out / "map-rgb.png")

    show(ndvi[0])
    pane.set_compare(True)
    pane.choose_compare(ndvi[1])
    wait_until(lambda: pane.compare_layer is not None and pane.compare_layer.raster is not None)
    wait_until(lambda: settled() and pane.compare_layer is not None and pane.compare_layer.complete)
    QTest.mouseMove(canvas, QPoint(canvas.width() // 2, canvas.height() // 2))
    wait_until(lambda: pane.readout.text().count("|") == 2)
    save(window, out / "map-compare.png")
    pane.set_compare(False)


def capture_desktop(
    window: object, store: object, client: object, folder: Path, survey_id: str, out: Path
) -> None:
    """Small screens (first start at that size), the menus, the dialogs."""
    from PySide6.QtCore import QPoint

    from app.domain import ScopeKind
    from app.ui.common.preferences import load_preferences
    from app.ui.dialogs.settings import SettingsDialog
    from app.ui.sync.toolbar import ConnectionState
    from app.ui.window import MainWindow

    assert isinstance(window, MainWindow)
    for width, height in ((1024, 640), (1366, 768)):
        # A fresh settings file: what a first start on such a screen looks like.
        small = make_window(store, client, folder / f"settings-{width}.ini", (width, height))
        assert isinstance(small, MainWindow)
        small.sync.set_connection_state(ConnectionState.ONLINE)
        select(small, "survey", survey_id)
        small.catalogue.tree.expand(small.catalogue.tree.currentIndex().parent())
        small.mosaics.table.selectRow(1)
        save(small, out / f"window-{width}x{height}.png")
        small.close()

    # The menu bar, with the Sync menu open.
    window.activateWindow()
    bar = window.menuBar()
    sync_menu = window.menus.sync
    sync_menu.popup(bar.mapToGlobal(bar.actionGeometry(sync_menu.menuAction()).bottomLeft()))
    save(window, out / "menu-bar.png")
    sync_menu.close()

    # A context menu on a field in the tree.
    tree = window.catalogue.tree
    field_id = store.survey_rows()[0].field_sentera_id  # type: ignore[attr-defined]
    index = window.catalogue.proxy.mapFromSource(
        window.catalogue.model.index_for(ScopeKind.FIELD, field_id)
    )
    tree.scrollTo(index)
    rect = tree.visualRect(index)
    target = window.tree_target_at(rect.center())
    assert target is not None
    menu = window.context_menus.build(target, tree)
    menu.popup(tree.viewport().mapToGlobal(rect.center() + QPoint(20, 4)))
    save(window, out / "context-menu.png")
    menu.close()

    # Preferences, and Export….
    prefs = SettingsDialog(
        load_preferences(window.settings),
        window,
        data_dir=folder,
        oauth_configured=False,
        storage=window.downloads.storage_page(),
    )
    prefs.show()
    prefs.move(window.x() + 300, window.y() + 160)
    save(prefs, out / "preferences.png")
    prefs.pages.setCurrentRow(3)
    save(prefs, out / "preferences-display.png")
    prefs.close()
    window.mosaics.table.selectRow(0)
    export = window.commands.export()
    export.path.setText("/home/agronomist/Documents/FieldDesk mosaics.csv")  # not this machine's
    export.move(window.x() + 360, window.y() + 220)
    save(export, out / "export.png")
    export.reject()


def capture_hidpi(folder: Path, out: Path) -> int:
    from app.store import Store
    from app.ui.window import MainWindow

    start_application()
    store = Store.open(folder / "fielddesk.sqlite3")
    window = make_window(store, None, folder / "settings.ini")
    assert isinstance(window, MainWindow)
    window.resize(*SIZE)  # logical pixels: twice as many on the screen
    surveys = store.survey_rows()
    survey = max(surveys, key=lambda s: (s.mosaic_count, s.name))
    select(window, "survey", survey.sentera_id)
    window.mosaics.table.selectRow(2)
    window.sync.banner.hide()
    save(window, out / "main-window-hidpi.png")
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
