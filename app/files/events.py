"""What a download pass tells the outside world: frozen events and the final summary.

The manager emits them from its own threads (the coordinating thread and the download
workers); a Qt adaptor forwards them as queued signals, the command line draws a bar.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileProgress:
    """One file's bytes so far (resumed bytes included) out of its size."""

    mosaic_id: str
    received: int
    total: int
    rate: float  # bytes per second over the last few seconds
    eta_seconds: float | None


@dataclass(frozen=True, slots=True)
class OverallProgress:
    files_done: int
    files_total: int
    bytes_done: int  # present + received, for the files of this pass
    bytes_total: int
    rate: float
    eta_seconds: float | None


@dataclass(frozen=True, slots=True)
class FileFinished:
    mosaic_id: str
    ok: bool
    message: str | None = None  # why it failed, for the user (plain text)


@dataclass(frozen=True, slots=True)
class CatalogueUpdated:
    """The file catalogue changed: these mosaics' local state may look different now."""

    mosaic_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class DownloadSummary:
    """How a pass ended. `complete` only when every wanted file is present and verified."""

    complete: bool
    cancelled: bool
    wanted: int
    present: int
    downloaded: int
    bytes_downloaded: int
    failures: tuple[tuple[str, str], ...]  # (mosaic id, message)
    message: str | None  # the one thing to tell the user, when not complete
    # FieldAgent could not be reached at all (the window then shows it offline at once).
    unreachable: bool = False


DownloadEvent = FileProgress | OverallProgress | FileFinished | CatalogueUpdated
