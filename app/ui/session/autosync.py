"""Syncing by itself: when the connection returns, every N minutes, and on start.

Field users sync "when connectivity returns"; comparable apps are criticised for not
noticing. This scheduler listens to the connection monitor and the sync controller
and starts a sync of everything when:
- the connection comes back (after a short settle delay), unless a sync completed
  recently — but always when the last run was interrupted by the network;
- the periodic interval has passed while online;
- the app has just started and is online (if enabled).
It never starts a second run: the controller refuses one while a run is going.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.domain import Outcome, Scope
from app.sync.events import RunSummary
from app.ui.common.preferences import AutoSyncSettings
from app.ui.session.connectivity import Connection, ConnectionMonitor, ConnectionStatus

log = logging.getLogger(__name__)


class Controller(Protocol):
    """What the scheduler needs of `SyncController`."""

    @property
    def is_running(self) -> bool: ...

    def start(self, scope: Scope) -> bool: ...


class AutoSync(QObject):
    """Starts syncs by itself; tells the status bar when the next one is due."""

    sync_started = Signal(str)  # why: "reconnected", "periodic", "start"
    next_sync_changed = Signal(object)  # datetime | None

    def __init__(
        self,
        controller: Controller,
        monitor: ConnectionMonitor,
        *,
        settings: AutoSyncSettings,
        last_complete_sync: Callable[[], datetime | None],
        start_sync: Callable[[Scope], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._monitor = monitor
        self._settings = settings
        self._last_complete = last_complete_sync
        self._start_sync = start_sync or controller.start
        self._interrupted = False
        self._started_once = False
        self._stopped = False
        self._settle_reason = "reconnected"
        self._was_online = monitor.status.state is Connection.ONLINE
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self._settled)
        self._periodic = QTimer(self)
        self._periodic.setSingleShot(True)
        self._periodic.timeout.connect(lambda: self._trigger("periodic"))
        monitor.status_changed.connect(self._on_status)

    @property
    def settings(self) -> AutoSyncSettings:
        return self._settings

    @property
    def next_sync_at(self) -> datetime | None:
        if not self._periodic.isActive():
            return None
        return datetime.now(UTC) + timedelta(milliseconds=self._periodic.remainingTime())

    def apply_settings(self, settings: AutoSyncSettings) -> None:
        """Take new choices at once: a changed interval counts from now."""
        if settings.periodic_minutes != self._settings.periodic_minutes:
            self._periodic.stop()
        self._settings = settings
        self._arm_periodic()

    def stop(self) -> None:
        """Stop for good (its window is closing): no timer fires after this."""
        self._stopped = True
        self._settle.stop()
        self._periodic.stop()
        self.next_sync_changed.emit(None)

    @Slot(object)
    def on_run_finished(self, summary: RunSummary) -> None:
        """Connect to the controller's `finished`."""
        if self._stopped:
            return
        self._interrupted = summary.outcome is Outcome.INTERRUPTED
        if self._interrupted:
            self._monitor.report_unreachable(summary.message)
        elif summary.outcome is Outcome.SIGNED_OUT:
            self._monitor.report_signed_out(summary.message)
        self._arm_periodic()

    @Slot(object)
    def _on_status(self, status: ConnectionStatus) -> None:
        if self._stopped:
            return
        online = status.state is Connection.ONLINE
        if online and not self._started_once:
            self._started_once = True
            never_synced = self._settings.first_sync and self._last_complete() is None
            if self._settings.on_start or never_synced:
                self._settle_reason = "first sync" if never_synced else "start"
                self._settle.start(0)
        elif online and not self._was_online and self._wants_reconnect_sync():
            self._settle_reason = "reconnected"
            self._settle.start(self._settings.settle_ms)
        if not online:
            self._settle.stop()
        self._was_online = online
        self._arm_periodic()

    def _wants_reconnect_sync(self) -> bool:
        if self._interrupted:
            return True  # finish what the network cut off, however recent
        if not self._settings.on_reconnect:
            return False
        last = self._last_complete()
        return last is None or datetime.now(UTC) - last > timedelta(
            minutes=self._settings.recent_minutes
        )

    def _arm_periodic(self) -> None:
        minutes = self._settings.periodic_minutes
        offline = self._monitor.status.state is not Connection.ONLINE
        if minutes <= 0 or offline or self._stopped:
            self._periodic.stop()
        elif not self._periodic.isActive():
            self._periodic.start(int(minutes * 60_000))
        self.next_sync_changed.emit(self.next_sync_at)

    def _settled(self) -> None:
        # A sync may have completed while the connection settled (e.g. one resumed
        # right after signing in): then reconnecting needs no second one.
        if self._settle_reason == "reconnected" and not self._wants_reconnect_sync():
            log.debug("auto-sync (reconnected) skipped: a sync completed meanwhile")
            return
        self._trigger(self._settle_reason)

    def _trigger(self, why: str) -> None:
        if self._stopped or self._monitor.status.state is not Connection.ONLINE:
            return
        if self._controller.is_running:
            log.debug("auto-sync (%s) skipped: a sync is running", why)
        elif self._start_sync(Scope.everything()):
            log.info("auto-sync started: %s", why)
            self.sync_started.emit(why)
        self._periodic.stop()  # re-armed from now when the run finishes
        self._arm_periodic()
