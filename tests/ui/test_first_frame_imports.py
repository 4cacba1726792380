"""The window's first frame imports only what it draws.

Importing is most of a cold start: the keyring, the HTTP stack (and its command-line
extras), the export writers and the imagery stack wait until a sign-in, a sync, a
download, a dialog or the map asks for them; and the map's numpy and pyproj then load on
the store pool, not on the UI thread. Checked in a fresh interpreter (this one has
imported everything already), which builds and shows the window over a real, empty
store file, offscreen; a finder at the front of `sys.meta_path` notes which thread
first asked for each heavy package (it finds nothing itself).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.store import DB_FILENAME, Store
from app.store.devtools import fill_synthetic

CHILD = """
import json, sys, threading, time
from pathlib import Path

first_import = {}

class Witness:
    def find_spec(self, name, path=None, target=None):
        if name in ("numpy", "pyproj"):
            first_import.setdefault(name, threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Witness())
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from app.store import Store
from app.ui.application import build_window

app = QApplication([])
store = Store.open(Path(sys.argv[1]) / "empty.sqlite3")
window = build_window(store, QSettings(sys.argv[1] + "/window.ini", QSettings.Format.IniFormat))
window.show()
built = sorted(sys.modules)
deadline = time.monotonic() + 60
while window.map.canvas.crs is None and time.monotonic() < deadline:
    app.processEvents()  # until the map's scene is applied (its canvas has a zone)
    time.sleep(0.01)
window.map.canvas.repaint()  # the scale bar and the north arrow use the zone
print(json.dumps({"built": built, "on_ui_thread": first_import}))
window.close()
store.close()
"""

NOT_BEFORE_THE_FIRST_FRAME = (
    "httpx",
    "keyring",
    "app.account",
    "app.api",
    "app.files.manager",
    "app.export",
    "app.ui.session",
    "app.ui.dialogs.export",
    "rasterio",
)


def test_the_first_frame_leaves_the_network_keyring_and_imagery_unimported(
    tmp_path: Path,
) -> None:
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    ).stdout
    report = json.loads(output.strip().splitlines()[-1])
    modules = set(report["built"])
    assert "app.ui.window" in modules  # the window really was built
    loaded = sorted(
        name
        for name in modules
        for heavy in NOT_BEFORE_THE_FIRST_FRAME
        if name == heavy or name.startswith(heavy + ".")
    )
    assert loaded == []
    # The map's scene was applied and painted: its imagery stack loaded, off the UI thread.
    # (numpy only when there are outlines to project; this store has none.)
    assert report["on_ui_thread"]["pyproj"] is False
    assert True not in report["on_ui_thread"].values()


APP_CHILD = """
import json, logging, sys, threading
from pathlib import Path

on_main_thread = {}

class Witness:
    # Notes which thread first asked for each package the session needs (finds nothing).
    def find_spec(self, name, path=None, target=None):
        if name in ("sqlalchemy", "httpx", "keyring"):
            on_main_thread.setdefault(name, threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Witness())
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from app.ui import application

at_first_paint = {}

class FirstPaint(logging.Handler):
    # The app logs "first window shown" from inside its first paint.
    def emit(self, record):
        if "first window shown" in record.getMessage() and not at_first_paint:
            window = [w for w in QApplication.topLevelWidgets() if hasattr(w, "sync")][0]
            bar = window.sync.toolbar
            at_first_paint["modules"] = sorted(sys.modules)
            at_first_paint["offers"] = [
                bar.sign_in_action.isVisible(), bar.sign_out_action.isVisible()
            ]
            at_first_paint["rows"] = window.mosaics.model.rowCount()
            at_first_paint["tree"] = window.catalogue.model.rowCount()

logging.getLogger("app.launch.first_window").addHandler(FirstPaint())
logging.getLogger("app.launch.first_window").setLevel(logging.INFO)
folder = Path(sys.argv[1])
wired = {}

def on_window(window):
    bar = window.sync.toolbar
    wired["offers"] = [bar.sign_in_action.isVisible(), bar.sign_out_action.isVisible()]
    wired["account"] = bar.account.text()
    wired["can_sync"] = window.sync.can_sync()[0]
    wired["store_open"] = getattr(window.store, "is_open", True)
    wired["rows"] = window.mosaics.model.rowCount()
    QTimer.singleShot(0, window.close)

code = application.run(
    data_dir=folder / "data",
    server_url="http://127.0.0.1:9/graphql",  # nothing listens: no real server is asked
    settings=QSettings(str(folder / "app.ini"), QSettings.Format.IniFormat),
    on_window=on_window,
)
report = {"code": code, "first": at_first_paint, "wired": wired, "on_main": on_main_thread}
print(json.dumps(report))
"""


def run_app(tmp_path: Path) -> dict[str, Any]:
    """`application.run` in a fresh interpreter over `tmp_path / "data"`; its report."""
    output = subprocess.run(
        [sys.executable, "-c", APP_CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "FIELDDESK_CONFIG_DIR": str(tmp_path / "config"),
            "FIELDDESK_TOKEN": "",
        },
    ).stdout
    report: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    assert report["code"] == 0
    return report


def test_the_app_paints_its_first_window_before_building_its_session(tmp_path: Path) -> None:
    """`application.run` as the app runs it: the keyring and the HTTP stack load after
    the first paint; until then the account is shown as not yet known (neither "Sign
    in" nor "Sign out"), and the window the caller gets is wired to its session."""
    report = run_app(tmp_path)
    modules = set(report["first"]["modules"])
    assert "app.ui.window" in modules  # the probe ran at the first paint
    assert not {"keyring", "httpx", "app.account.session", "app.ui.session.session"} & modules
    assert report["first"]["offers"] == [False, False]
    # Then the session attached: signed out here, so "Sign in" is offered and sync is not.
    assert report["wired"]["offers"] == [True, False]
    assert report["wired"]["account"] == "Not signed in"
    assert report["wired"]["can_sync"] is False
    # The session's network and keyring stack was imported on a worker, after the paint.
    assert report["on_main"]["httpx"] is False
    assert report["on_main"]["keyring"] is False


def test_a_cold_start_draws_the_catalogue_before_loading_sqlalchemy(tmp_path: Path) -> None:
    """Over a stored catalogue, the first frame (the tree and the first rows) comes from
    the store's sqlite3 glance; SQLAlchemy and the store proper load after it, and the
    window then works on the opened store."""
    with Store.open(tmp_path / "data" / DB_FILENAME) as store:
        fill_synthetic(store, fields_per_organization=2, surveys_per_field=2, mosaics_per_survey=30)
    report = run_app(tmp_path)
    modules = set(report["first"]["modules"])
    assert "app.ui.window" in modules  # the probe ran at the first paint
    assert report["first"]["rows"] == 120 and report["first"]["tree"] > 0
    assert sorted(m for m in modules if m.split(".")[0] == "sqlalchemy") == []
    assert "app.store.store" not in modules
    assert report["wired"]["store_open"] is True  # opened for real after the first paint
    assert report["wired"]["rows"] == 120
    assert report["on_main"]["sqlalchemy"] is False  # loaded on a worker, after the paint
