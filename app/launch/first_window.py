"""Knowing when the first window has painted: the end of a cold start.

`watch_first_window` logs "first window shown" at the first paint; with
FIELDDESK_EXIT_AFTER_FIRST_WINDOW=1 it also quits there, which is how start-up time is
measured (`packaging/measure_startup.py`). Qt is imported only when it is called.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
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


def after_first_paint(window: Any, callback: Callable[[], None]) -> Any:
    """Call `callback` once `window` has painted for the first time, on the next turn
    of the event loop (so that frame reaches the screen first).

    The app builds what the first frame does not draw (the session: the keyring, the
    HTTP stack) here, so a cold start shows the catalogue before loading them.
    """
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Probe(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                QTimer.singleShot(0, callback)
            return False

    probe = Probe(window)
    window.installEventFilter(probe)
    return probe
