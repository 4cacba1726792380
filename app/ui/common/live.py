"""Batches ChangeSets arriving from the sync worker into one update per interval.

A sync commits a page of up to 2,000 items at a time and several scopes run at once; the
views should repaint once per batch, not once per page (let alone per item). The first
ChangeSet of a quiet period arms a single-shot timer; everything that arrives before it
fires is handed over together, in arrival order.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.domain import ChangeSet

COALESCE_MS = 100


class ChangeCoalescer(QObject):
    batch = Signal(object)  # list[ChangeSet]

    def __init__(self, interval_ms: int = COALESCE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: list[ChangeSet] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    @Slot(object)
    def add(self, change: ChangeSet) -> None:
        self._pending.append(change)
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def flush(self) -> None:
        """Hand over what is pending now (also used when a run ends)."""
        self._timer.stop()
        if self._pending:
            pending, self._pending = self._pending, []
            self.batch.emit(pending)
