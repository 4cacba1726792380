"""What the mosaics table's "Offline" column shows, loaded off the UI thread.

A map of mosaic id to `LocalFile`, read from the library on the task manager's store
pool whenever the presenter says files changed; `cell(mosaic_id, role)` answers the
table's `data()` from that map only, so painting never touches the disk or the store.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from app.domain_files import FileState, LocalFile
from app.files.library import Library
from app.ui.common.tasks import TaskManager
from app.ui.downloads.indicator import format_bytes

_TEXT = {
    FileState.PRESENT: "Here",
    FileState.PARTIAL: "Partly",
    FileState.MISSING: "Not yet",
    FileState.EVICTED: "Removed",
}
_TIP = {
    FileState.PRESENT: "The imagery is on this computer: it opens without a connection",
    FileState.PARTIAL: "Part of the imagery is downloaded; the rest comes on the next pass",
    FileState.MISSING: "Kept offline, not downloaded yet",
    FileState.EVICTED: "Removed from this computer to stay within the disk budget",
}


def cell_text(local: LocalFile) -> str:
    if local.state is FileState.PRESENT and local.size is not None:
        return f"Here · {format_bytes(local.size)}"
    if local.state is FileState.PARTIAL and local.size:
        return f"Partly · {100 * local.local_bytes // local.size}%"
    return _TEXT[local.state]


class OfflineStates(QObject):
    changed = Signal(object)  # the mosaic ids whose cell may read differently (None: any)

    def __init__(self, library_of: Any, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library_of = library_of  # -> the current Library (its folder may change)
        self._tasks = tasks
        self._files: dict[str, LocalFile] = {}

    def reload(self, _mosaic_ids: object = None) -> None:
        library: Library = self._library_of()

        def load() -> dict[str, LocalFile]:
            return {f.mosaic_id: f for f in library.files()}

        self._tasks.run_in_background(load, self._loaded)

    def _loaded(self, files: dict[str, LocalFile]) -> None:
        changed = {m for m in files.keys() | self._files.keys()
                   if files.get(m) != self._files.get(m)}  # fmt: skip
        self._files = files
        if changed:
            self.changed.emit(frozenset(changed))

    def get(self, mosaic_id: str) -> LocalFile | None:
        return self._files.get(mosaic_id)

    def cell(self, mosaic_id: str, role: int) -> Any:
        local = self._files.get(mosaic_id)
        if local is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(local)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return _TIP[local.state]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        return None
