"""The start-up path offers to rebuild a damaged local copy, keeping the damaged file."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.domain import ScopeKind
from app.store import DB_FILENAME, Store
from app.ui.application import open_store
from app.ui.dialogs.rebuild import REBUILD_LABEL


def damaged_database(folder: Path) -> Path:
    path = folder / DB_FILENAME
    with Store.open(path) as store:
        store.begin_run(ScopeKind.ALL, None)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP TABLE sync_errors")
        connection.commit()
    return path


def answer_when_shown(label: str, seen: list[str]) -> None:
    """Once the modal question is up (polled from the event loop), record its text and
    press `label`. `open_store` runs the question with `exec()`, so the answer must come
    from a timer inside that loop."""

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, poll)
            return
        seen.append(box.informativeText())
        (button,) = [b for b in box.buttons() if b.text() == label]
        button.click()

    QTimer.singleShot(0, poll)


def test_rebuild_keeps_the_damaged_file_and_opens_a_fresh_store(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = damaged_database(tmp_path)
    original = path.read_bytes()
    seen: list[str] = []
    answer_when_shown(REBUILD_LABEL, seen)

    store = open_store(path)

    assert store is not None
    with store:
        assert store.counts().mosaics == 0
        assert not store.read_only
    assert str(tmp_path) in seen[0] and "sync_errors" in seen[0]
    kept = [
        p for p in tmp_path.glob(f"{DB_FILENAME}.damaged-*") if p.name[-4:] not in ("-wal", "-shm")
    ]
    assert [p.read_bytes() for p in kept] == [original]


def test_quit_leaves_the_damaged_file_alone(qtbot: QtBot, tmp_path: Path) -> None:
    path = damaged_database(tmp_path)
    original = path.read_bytes()
    seen: list[str] = []
    answer_when_shown("Quit", seen)

    assert open_store(path) is None
    assert seen
    assert path.read_bytes() == original
    assert list(tmp_path.glob("*.damaged-*")) == []


def test_damage_the_first_frame_missed_is_met_before_anything_else(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A cold start draws its first frame from the store's glance, which reads only the
    tables that frame shows. Opening the store after it checks the whole schema: a
    missing table closes that window and asks the rebuild question, as at any start,
    and "Quit" leaves the file as it was."""
    from app.store.devtools import fill_synthetic
    from app.store.glance import Glance
    from app.ui import application

    path = tmp_path / DB_FILENAME
    with Store.open(path) as store:
        fill_synthetic(store, fields_per_organization=1, surveys_per_field=1, mosaics_per_survey=5)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP TABLE offline_pins")
        connection.commit()
    original = path.read_bytes()
    assert Glance.take(path) is not None  # it looks sound to the glance
    painted: list[int] = []
    seen: list[str] = []
    answer_when_shown("Quit", seen)

    def watch(window: object) -> object:
        painted.append(window.mosaics.model.rowCount())  # type: ignore[attr-defined]
        return None

    watching = application.watch_first_window
    application.watch_first_window = watch  # type: ignore[assignment]
    try:
        code = application.run(
            data_dir=tmp_path,
            server_url="http://127.0.0.1:9/graphql",  # nothing listens there
            settings=QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat),
        )
    finally:
        application.watch_first_window = watching  # type: ignore[assignment]
    assert painted == [5]  # the first window was built over the glance's rows
    assert code == 1  # then the question, answered "Quit"
    assert len(seen) == 1 and "offline_pins" in seen[0]
    assert path.read_bytes() == original
