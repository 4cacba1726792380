"""The Qt glue for downloads: runs a `PassFactory` pass on a QThread, re-emits its events.

The same shape as `app.sync.worker.SyncController` (see STYLE.md 2-4), smaller: one
pass at a time, cancel through the thread-safe flag, progress throttled to ten a
second, and the frozen events of `app.files.events` carried unchanged by the signals.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from app.domain import CancelToken
from app.files.events import (
    CatalogueUpdated,
    DownloadEvent,
    DownloadSummary,
    FileFinished,
    OverallProgress,
)
from app.files.runner import PassFactory

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1


class DownloadWorker(QObject):
    progress = Signal(object)  # OverallProgress
    file_finished = Signal(object)  # FileFinished
    catalogue_updated = Signal(object)  # CatalogueUpdated
    finished = Signal(object)  # DownloadSummary

    def __init__(self, factory: PassFactory, cancel: CancelToken) -> None:
        super().__init__()
        self._factory = factory
        self._cancel = cancel
        self._lock = threading.Lock()  # events arrive from the manager's pool threads
        self._last = 0.0

    @Slot(object)
    def run(self, survey_id: Any) -> None:
        try:
            summary = self._factory.run(
                survey_id=survey_id, cancel=self._cancel, on_event=self._on_event
            )
        except Exception:
            log.exception("download pass crashed")
            summary = DownloadSummary(
                False,
                False,
                0,
                0,
                0,
                0,
                (),
                "Downloads stopped because of an internal error; see the log for details.",
            )
        self.finished.emit(summary)

    def _on_event(self, event: DownloadEvent) -> None:
        if isinstance(event, OverallProgress):
            with self._lock:
                now = time.monotonic()
                last_one = event.files_done == event.files_total
                if now - self._last < PROGRESS_INTERVAL_S and not last_one:
                    return
                self._last = now
            self.progress.emit(event)
        elif isinstance(event, FileFinished):
            self.file_finished.emit(event)
        elif isinstance(event, CatalogueUpdated):
            self.catalogue_updated.emit(event)


class DownloadController(QObject):
    started = Signal()
    progress = Signal(object)  # OverallProgress
    file_finished = Signal(object)  # FileFinished
    catalogue_updated = Signal(object)  # CatalogueUpdated
    finished = Signal(object)  # DownloadSummary
    running_changed = Signal(bool)
    _run_requested = Signal(object)

    def __init__(self, factory: PassFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.factory = factory
        self._thread: QThread | None = None
        # Held until the pass ends: a parentless worker would be deleted with its wrapper.
        self._worker: DownloadWorker | None = None
        self._cancel: CancelToken | None = None

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, survey_id: str | None = None) -> bool:
        if self._thread is not None or self.factory.client_factory is None:
            return False
        self._cancel = CancelToken()
        thread = QThread()
        thread.setObjectName("fielddesk-downloads")
        worker = DownloadWorker(self.factory, self._cancel)
        worker.moveToThread(thread)
        self._run_requested.connect(worker.run)
        worker.progress.connect(self.progress)
        worker.file_finished.connect(self.file_finished)
        worker.catalogue_updated.connect(self.catalogue_updated)
        worker.finished.connect(self._on_finished)
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(worker.deleteLater)
        self._thread, self._worker = thread, worker
        thread.start()
        self._run_requested.emit(survey_id)
        self._run_requested.disconnect(worker.run)
        self.running_changed.emit(True)
        self.started.emit()
        return True

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        thread = self._thread
        if thread is None:
            return True
        self.cancel()
        return thread.wait(timeout_ms)

    @Slot(object)
    def _on_finished(self, summary: DownloadSummary) -> None:
        thread = self._thread
        if thread is not None and not thread.wait(5000):
            log.warning("download thread still running after its pass ended")
        self._thread = None
        self._worker = None
        self.running_changed.emit(False)
        self.finished.emit(summary)
