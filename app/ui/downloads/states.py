"""What the mosaics table's "Offline" column and the tree's surveys show, loaded off
the UI thread.

A map of mosaic id to `LocalFile`, and per survey how many of its kept mosaics are here,
read from the library on the task manager's store pool whenever the presenter says
files changed; `cell(mosaic_id, role)` and `survey_cell(survey_id, role)` answer the
views' `data()` from those maps only, so painting never touches the disk or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal

from app.domain_files import FileState, LocalFile
from app.ui.downloads.indicator import format_bytes

if TYPE_CHECKING:
    from app.files.library import Library
    from app.store import Store
    from app.ui.common.tasks import TaskManager

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


@dataclass(frozen=True, slots=True)
class SurveyOffline:
    """A survey's kept-offline mosaics and how many of them (and bytes) are here."""

    kept: int
    present: int
    present_bytes: int

    @property
    def state(self) -> str:
        """ "present" (all here), "partial" (some), "missing" (kept, none here yet)."""
        if self.present >= self.kept:
            return "present"
        return "partial" if self.present else "missing"

    @property
    def text(self) -> str:
        if self.present == 0:
            noun = "mosaic" if self.kept == 1 else "mosaics"
            return f"Kept offline: {self.kept} {noun}, none downloaded yet"
        size = format_bytes(self.present_bytes)
        if self.present >= self.kept:
            what = f"all {self.kept} mosaics" if self.kept > 1 else "1 mosaic"
            return f"Offline: {what}, {size}"
        return f"Offline: {self.present} of {self.kept} mosaics, {size}"


def survey_offline(store: Store, files: dict[str, LocalFile]) -> dict[str, SurveyOffline]:
    """Per survey, its pinned mosaics and those whose current file is here (any thread)."""
    pinned = store.pinned_mosaic_ids()
    tally: dict[str, list[int]] = {}
    for mosaic in store.mosaics_by_id(pinned):
        counts = tally.setdefault(mosaic.survey_sentera_id, [0, 0, 0])
        counts[0] += 1
        local = files.get(mosaic.sentera_id)
        if local is not None and local.state is FileState.PRESENT:
            counts[1] += 1
            counts[2] += local.local_bytes
    return {survey: SurveyOffline(*counts) for survey, counts in tally.items()}


class OfflineStates(QObject):
    changed = Signal(object)  # the mosaic ids whose cell may read differently (None: any)
    surveys_changed = Signal(object)  # frozenset of survey ids whose state may differ

    def __init__(self, library_of: Any, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library_of = library_of  # -> the current Library (its folder may change)
        self._tasks = tasks
        self._files: dict[str, LocalFile] = {}
        self._surveys: dict[str, SurveyOffline] = {}

    def reload(self, _mosaic_ids: object = None) -> None:
        library: Library = self._library_of()

        def load() -> tuple[dict[str, LocalFile], dict[str, SurveyOffline]]:
            files = {f.mosaic_id: f for f in library.files()}
            return files, survey_offline(library.store, files)

        self._tasks.run_in_background(load, self._loaded)

    def _loaded(self, loaded: tuple[dict[str, LocalFile], dict[str, SurveyOffline]]) -> None:
        files, surveys = loaded
        changed = {m for m in files.keys() | self._files.keys()
                   if files.get(m) != self._files.get(m)}  # fmt: skip
        moved = {s for s in surveys.keys() | self._surveys.keys()
                 if surveys.get(s) != self._surveys.get(s)}  # fmt: skip
        self._files = files
        self._surveys = surveys
        if changed:
            self.changed.emit(frozenset(changed))
        if moved:
            self.surveys_changed.emit(frozenset(moved))

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

    def survey(self, survey_id: str) -> SurveyOffline | None:
        return self._surveys.get(survey_id)

    def survey_mark(self, survey_id: str) -> tuple[str, str] | None:
        """For the tree: the survey's offline state ("present", "partial", "missing")
        and its tooltip line, or None when nothing of it is kept offline."""
        found = self._surveys.get(survey_id)
        return None if found is None else (found.state, found.text)
