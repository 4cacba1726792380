"""At start-up: the local copy is damaged; offer to rebuild it from FieldAgent.

Everything in the local database came from FieldAgent, so rebuilding loses nothing the
server has: the damaged file is renamed and kept beside the new one, an empty database
takes its place, and the next sync refills it. The alternative is to quit and leave
everything as it is. The problem text names the file and is shown as plain text.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from app.store.errors import (
    CorruptDatabaseError,
    DatabaseOpenError,
    ReadOnlyDatabaseError,
    StoreError,
)
from app.store.paths import damage_marker

if TYPE_CHECKING:
    from app.store import Store
    from app.store.repair import RepairResult

log = logging.getLogger(__name__)

REBUILD_LABEL = "Rebuild the local copy from FieldAgent"


def rebuild_question(
    path: Path, problem: str, parent: QWidget | None = None
) -> tuple[QMessageBox, QAbstractButton]:
    """The question box (call `exec()` or `open()`) and its rebuild button."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("The local copy is damaged")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText("The local copy is damaged.")
    box.setInformativeText(
        f"{problem}\n\nRebuild it from FieldAgent: the damaged file is kept as "
        f"{path.name}.damaged-<date and time> in {path.parent}, and the next sync "
        "downloads the catalogue again."
    )
    rebuild_button = box.addButton(REBUILD_LABEL, QMessageBox.ButtonRole.AcceptRole)
    quit_button = box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(quit_button)
    box.setEscapeButton(quit_button)
    return box, rebuild_button


def ask_and_rebuild(path: Path, problem: str) -> RepairResult | None:
    """Ask; rebuild when the user agrees. None when they chose to quit."""
    box, rebuild_button = rebuild_question(path, problem)
    box.exec()
    if box.clickedButton() is not rebuild_button:
        return None
    from app.store.repair import rebuild  # the store itself: only when it is needed

    return rebuild(path)


def suspected_damage(path: Path) -> str | None:
    """The problem, when an earlier session met damage and every page now confirms it.

    The full page check costs about 2 s per million mosaics, too slow for each start;
    the marker an earlier session left says when it is worth it.
    """
    if not damage_marker(path).exists():
        return None
    from app.store.health import check_database

    try:
        check_database(path, thorough=True)
    except StoreError as error:
        return str(error)
    damage_marker(path).unlink(missing_ok=True)
    return None


def open_for_window(path: Path) -> Store | None:
    """The window's store: offers the rebuild for a damaged file, falls back to reading
    alone in a read-only folder; None when the user chose to quit. Other `StoreError`s
    (a newer FieldDesk's file, a disk error) are for the caller's dialog."""
    from app.store import Store

    problem = suspected_damage(path)
    if problem is None:
        try:
            return Store.open(path)
        except ReadOnlyDatabaseError as error:
            log.warning("opening read-only: %s", error)
            return Store.open(path, read_only=True)
        except CorruptDatabaseError as error:
            problem = str(error)
        except DatabaseOpenError as error:
            if not path.is_dir():
                raise
            problem = str(error)
    if ask_and_rebuild(path, problem) is None:
        return None
    return Store.open(path)


class _Titled(Protocol):
    def set_title_note(self, note: str | None) -> None: ...


def show_read_only(window: _Titled, store: Store) -> None:
    """Say in the title that this window only browses (the sync attempts say why)."""
    if store.read_only:
        window.set_title_note("Read-only, syncing is off")
