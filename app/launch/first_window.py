"""Knowing when the first window has painted: the end of a cold start.

`watch_first_window` logs "first window shown" at the first paint; with
FIELDDESK_EXIT_AFTER_FIRST_WINDOW=1 it also quits there, which is how start-up time is
measured (`packaging/measure_startup.py`). Qt is imported only when it is called.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)

FIRST_WINDOW_ENV = "FIELDDESK_EXIT_AFTER_FIRST_WINDOW"


def watch_first_window(window: Any) -> Any:
    """Log "first window shown" when `window` first paints; with
    FIELDDESK_EXIT_AFTER_FIRST_WINDOW=1 also quit right then (cold-start measurement)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class Probe(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                log.info("first window shown")
                if os.environ.get(FIRST_WINDOW_ENV) == "1":
                    QTimer.singleShot(0, QApplication.quit)
            return False

    probe = Probe(window)
    window.installEventFilter(probe)
    return probe
