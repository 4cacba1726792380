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
