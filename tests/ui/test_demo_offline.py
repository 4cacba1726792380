"""`--demo` keeps its first organization's two newest surveys offline after the first
sync; any other run keeps nothing offline unasked.

The window as `application.build_window` makes it, signed in to a real simulator on
loopback (small GeoTIFFs), a real store file, the downloads worker on its own QThread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from app.domain_files import FileState, Pin, PinKind
from app.files.events import DownloadSummary
from app.simulator import Simulator
from app.store import Store
from app.ui.application import build_window
from app.ui.window import MainWindow
from tests.ui.conftest import client_factory_for, run_sync


def _window(qtbot: Any, store: Store, settings: QSettings, sim: Simulator, demo: bool) -> Any:
    window = build_window(store, settings, client_factory=client_factory_for(sim), demo=demo)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _expected_pins(sim: Simulator) -> list[Pin]:
    """From the server's side: the tree's first organization (by name), its two newest
    surveys that have an available full-quality mosaic."""
    org = min(sim.dataset.organizations(), key=lambda o: o["name"])
    surveys = [
        s
        for f in sim.dataset.fields_of(org["sentera_id"])
        for s in sim.dataset.surveys_of(f["sentera_id"])
        if any(
            m["quality"] == "FULL" and m["image_status"] == "AVAILABLE"
            for m in sim.dataset.mosaics_of(s["sentera_id"])
        )
    ]
    surveys.sort(key=lambda s: (s["start_time"], s["sentera_id"]), reverse=True)
    return [Pin(PinKind.SURVEY, s["sentera_id"], quality="FULL") for s in surveys[:2]]


def test_the_demo_keeps_recent_surveys_offline_after_its_first_sync(
    qtbot: Any, store: Store, settings: QSettings, simulator_factory: Any, tmp_path: Path
) -> None:
    sim: Simulator = simulator_factory(imagery_cache_dir=tmp_path / "sim", imagery_scale=0.25)
    window: MainWindow = _window(qtbot, store, settings, sim, demo=True)
    assert store.pins() == []
    expected = _expected_pins(sim)
    assert len(expected) == 2

    with qtbot.waitSignal(window.downloads.controller.finished, timeout=60_000) as blocker:
        run_sync(qtbot, window)
    summary = blocker.args[0]
    assert isinstance(summary, DownloadSummary) and summary.complete, summary.message

    assert store.pins() == expected
    kept = store.pinned_mosaic_ids()
    assert kept and summary.present == len(kept)
    assert all(window.downloads.library.state(m) is FileState.PRESENT for m in kept)

    # A later sync leaves the user's choice alone: unpinned stays unpinned.
    for pin in expected:
        store.remove_pin(pin.kind, pin.target_id)
    run_sync(qtbot, window)
    qtbot.waitUntil(lambda: not window.tasks.busy(), timeout=10_000)
    assert store.pins() == []


def test_without_the_demo_nothing_is_kept_offline_unasked(
    qtbot: Any, store: Store, settings: QSettings, simulator: Simulator
) -> None:
    window = _window(qtbot, store, settings, simulator, demo=False)
    run_sync(qtbot, window)  # waits for the store reads the sync set off, too
    assert store.organizations() and store.pins() == []
    assert not window.downloads.controller.is_running
