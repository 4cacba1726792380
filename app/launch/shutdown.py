"""Quitting while a sync runs: cancel it, wait a bounded time with "Finishing sync…", close.

Nothing is lost by stopping early: the engine commits each page in its own transaction
and drops the page in hand on cancel, so the database is consistent at every moment and
the next run resumes from the hashes already stored. Waiting is still worth it: the run
gets recorded as cancelled, and the store is closed with no writer inside it.

    QuitGuard(window, controller)        a window close during a sync first finishes it
    finish_sync(controller, parent=...)  cancel + wait (events keep flowing) -> stopped?
    shutdown(controller, store)          the last step: finish the sync, close the store
    quit_on_signals(app)                 SIGTERM (logout, `kill`) and Ctrl+C quit the same way

The controller is duck-typed (the window's `SyncController` fits): `is_running`,
`cancel()` and a `finished` signal.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSocketNotifier, Qt, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

log = logging.getLogger(__name__)

FINISH_TIMEOUT_S = 10.0
# A sync that stops at once should not flash a dialog.
DIALOG_DELAY_MS = 250
POLL_MS = 50


class SyncControl(Protocol):
    @property
    def is_running(self) -> bool: ...

    def cancel(self) -> None: ...

    # `finished`: a Qt signal (anything with connect/disconnect) emitted when a run ends.
    finished: Any


class Closable(Protocol):
    def close(self) -> None: ...


class FinishingDialog(QProgressDialog):
    """A busy indicator that cannot be dismissed: the wait ends by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Finishing sync…", "", 0, 0, parent)
        self.setObjectName("finishing-sync")
        self.setWindowTitle("FieldDesk")
        self.setCancelButton(None)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)

    def reject(self) -> None:  # Escape: keep waiting, the deadline is bounded anyway
        pass


def finish_sync(
    controller: SyncControl,
    *,
    parent: QWidget | None = None,
    timeout_s: float = FINISH_TIMEOUT_S,
    show_after_ms: int = DIALOG_DELAY_MS,
) -> bool:
    """Cancel a running sync and wait for it to end, at most `timeout_s`, processing
    events meanwhile (so the worker's queued `finished` arrives). True when it stopped."""
    if not controller.is_running:
        return True
    log.info("quitting during a sync: cancelling it, waiting up to %.0f s", timeout_s)
    controller.cancel()
    loop = QEventLoop()
    dialog = FinishingDialog(parent)

    def check(*_: object) -> None:
        if not controller.is_running:
            loop.quit()

    # `finished` ends the wait at once; the poll covers a controller that has no
    # signal worth trusting or that finished between our check and the connect.
    controller.finished.connect(check)
    poll = QTimer(interval=POLL_MS)
    poll.timeout.connect(check)
    deadline = QTimer(singleShot=True, interval=max(1, int(timeout_s * 1000)))
    deadline.timeout.connect(loop.quit)
    show = QTimer(singleShot=True, interval=max(0, show_after_ms))
    show.timeout.connect(dialog.show)
    try:
        poll.start()
        deadline.start()
        show.start()
        if controller.is_running:
            loop.exec()
    finally:
        for timer in (poll, deadline, show):
            timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):  # gone with its sender
            controller.finished.disconnect(check)
        dialog.hide()
        dialog.deleteLater()
    stopped = not controller.is_running
    if stopped:
        log.info("sync finished; quitting")
    else:
        log.warning(
            "sync still running after %.0f s; quitting anyway (each page is atomic)", timeout_s
        )
    return stopped


def shutdown(
    controller: SyncControl | None,
    store: Closable | None,
    *,
    parent: QWidget | None = None,
    timeout_s: float = FINISH_TIMEOUT_S,
    show_after_ms: int = DIALOG_DELAY_MS,
) -> bool:
    """Finish any sync, then close the store. True when no sync was left running."""
    stopped = True
    if controller is not None:
        stopped = finish_sync(
            controller, parent=parent, timeout_s=timeout_s, show_after_ms=show_after_ms
        )
    if store is not None:
        store.close()
    return stopped


class QuitGuard(QObject):
    """Event filter on the main window: closing it during a sync finishes the sync first.

    The first close is refused (which also aborts a `QApplication.quit()`), the sync is
    cancelled and awaited with `finish_sync`, then the window is closed again, for real.
    """

    def __init__(
        self,
        window: QWidget,
        controller: SyncControl,
        *,
        timeout_s: float = FINISH_TIMEOUT_S,
        show_after_ms: int = DIALOG_DELAY_MS,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._controller = controller
        self._timeout_s = timeout_s
        self._show_after_ms = show_after_ms
        self._finishing = False
        self._let_through = False
        window.installEventFilter(self)

    @property
    def finishing(self) -> bool:
        return self._finishing

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._window
            and event.type() == QEvent.Type.Close
            and not self._let_through
            and (self._finishing or self._controller.is_running)
        ):
            event.ignore()
            if not self._finishing:
                self._finishing = True
                QTimer.singleShot(0, self._finish_then_close)
            return True
        return False

    def _finish_then_close(self) -> None:
        try:
            finish_sync(
                self._controller,
                parent=self._window,
                timeout_s=self._timeout_s,
                show_after_ms=self._show_after_ms,
            )
        finally:
            self._finishing = False
            self._let_through = True
        self._window.close()
        self._let_through = False


class _SignalBridge(QObject):
    """Python runs signal handlers only between bytecodes, never while Qt's C++ event loop
    waits; the wakeup descriptor makes the loop notice the signal at once."""

    def __init__(self, app: QApplication, signals: tuple[signal.Signals, ...]) -> None:
        super().__init__(app)
        self._app = app
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        signal.set_wakeup_fd(self._writer.fileno())
        for number in signals:
            signal.signal(number, self._on_signal)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._requested = False

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.recv(64)

    def _on_signal(self, number: int, _frame: object) -> None:
        name = signal.Signals(number).name
        if self._requested:
            log.info("%s again while quitting; still finishing", name)
            return
        self._requested = True
        log.info("%s received: quitting", name)
        # Closing the windows runs QuitGuard (and closeEvent); the last one quits the app.
        QTimer.singleShot(0, self._app.closeAllWindows)
        QTimer.singleShot(0, self._app.quit)


def quit_on_signals(
    app: QApplication,
    signals: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM),
) -> QObject:
    """Quit on SIGTERM/SIGINT through the ordinary close path (a running sync is finished
    first) instead of dying mid-page. Call once, on the main thread."""
    return _SignalBridge(app, signals)
