"""Store work off the UI thread, with results delivered back on it.

Re-reading a sorted id list after each sync page, or stamping a mosaic as viewed while the
sync writer holds the write lock, can take tens of milliseconds; done on the UI thread
that would show up as stutter. One background thread runs these jobs in order (so a later
refresh never overtakes an earlier one) and a queued signal hands each result to its
callback on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class BackgroundJobs(QObject):
    _done = Signal(object, object)  # (callback, result)
    _failed = Signal(object, object)  # (callback, exception)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._done.connect(self._deliver)
        self._failed.connect(self._deliver_error)
        self._pending = 0

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def submit(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `job()` on the background thread; call `on_done(result)` on this thread."""
        self._pending += 1

        def run() -> None:
            try:
                try:
                    result = job()
                except Exception as error:  # delivered to the UI thread, which decides
                    self._failed.emit(on_error, error)
                else:
                    self._done.emit(on_done, result)
            except RuntimeError:
                log.debug("background job finished after its window was gone")

        self._pool.start(run)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until every submitted job has run (tests and window close)."""
        return self._pool.waitForDone(timeout_ms)

    @Slot(object, object)
    def _deliver(self, callback: Callable[[Any], None] | None, result: Any) -> None:
        self._pending -= 1
        if callback is not None:
            callback(result)

    @Slot(object, object)
    def _deliver_error(
        self, callback: Callable[[BaseException], None] | None, error: BaseException
    ) -> None:
        self._pending -= 1
        if callback is not None:
            callback(error)
        else:
            log.error("background store job failed", exc_info=error)
