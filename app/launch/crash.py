"""Unexpected exceptions: logged with their traceback and shown, never a silent vanish.

STYLE.md §10 splits errors into expected ones (a clear message from the layer that knows)
and bugs. Bugs end up here, from two doors:

    sys.excepthook         an exception escaping a Qt slot, a callback or `main()`
    threading.excepthook   an exception ending a plain Python thread

Both log the traceback (the log formatter scrubs credentials) and ask the GUI thread,
through a queued signal, to show `CrashDialog`: what happened in one sentence, the
details collapsed, "Copy details", where the log is, and Quit or Continue. The details
pass through `scrub_secrets` too, because users paste them into e-mails and tickets.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.launch import early
from app.launch.logs import scrub_secrets

log = logging.getLogger(__name__)

TITLE = "FieldDesk hit an unexpected problem"
# An exception raised on every repaint would otherwise queue dialogs forever.
MAX_DIALOGS = 3

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def format_details(exc_info: ExcInfo, *, thread_name: str | None = None) -> str:
    """The text behind "Copy details": versions, where it happened, the traceback."""
    from PySide6 import __version__ as pyside_version

    lines = [
        f"FieldDesk {__version__}",
        f"Python {platform.python_version()}, PySide6 {pyside_version}, "
        f"{platform.system()} {platform.release()} ({platform.machine()})",
        f"Frozen build: {'yes' if getattr(sys, 'frozen', False) else 'no'}",
    ]
    if thread_name:
        lines.append(f"Thread: {thread_name}")
    lines.append("")
    lines.extend(line.rstrip("\n") for line in traceback.format_exception(*exc_info))
    return scrub_secrets("\n".join(lines))


class CrashDialog(QDialog):
    """The one dialog for bugs. `result()` is QUIT or CONTINUE once it closes."""

    QUIT = 2
    CONTINUE = 3

    def __init__(
        self, summary: str, details: str, log_file: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("crash-dialog")
        self.setWindowTitle(TITLE)
        self.details_text = details
        layout = QVBoxLayout(self)

        headline = QLabel(f"<b>{TITLE}</b>", self)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        self.setWindowIcon(icon)
        layout.addWidget(headline)
        body = QLabel(
            f"{summary}\n\nEverything already synced is safe in the local database. You can "
            "keep working, but if FieldDesk misbehaves, quit and start it again.",
            self,
        )
        body.setTextFormat(Qt.TextFormat.PlainText)  # the error's own words
        body.setWordWrap(True)
        layout.addWidget(body)
        where = str(log_file) if log_file is not None else "not available (logging is off)"
        self.log_label = QLabel(f"Log file: {where}", self)
        self.log_label.setTextFormat(Qt.TextFormat.PlainText)  # a path, shown as it is
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setWordWrap(True)
        layout.addWidget(self.log_label)

        self.details = QPlainTextEdit(details, self)
        self.details.setReadOnly(True)
        self.details.setVisible(False)
        self.details.setMinimumHeight(220)
        layout.addWidget(self.details)

        buttons = QDialogButtonBox(self)
        self.toggle_button = QPushButton("Show details", self)
        self.copy_button = QPushButton("Copy details", self)
        self.quit_button = QPushButton("Quit FieldDesk", self)
        self.continue_button = QPushButton("Continue", self)
        buttons.addButton(self.toggle_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.continue_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout.addWidget(buttons)
        self.continue_button.setDefault(True)

        self.toggle_button.clicked.connect(self._toggle_details)
        self.copy_button.clicked.connect(self.copy_details)
        self.quit_button.clicked.connect(lambda: self.done(self.QUIT))
        self.continue_button.clicked.connect(lambda: self.done(self.CONTINUE))

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text)
        self.copy_button.setText("Copied")

    @Slot()
    def _toggle_details(self) -> None:
        shown = not self.details.isVisible()
        self.details.setVisible(shown)
        self.toggle_button.setText("Hide details" if shown else "Show details")
        self.adjustSize()


def _default_quit() -> None:
    """Close the windows the ordinary way (so a running sync is finished), then quit."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.closeAllWindows()
        app.quit()


class CrashHandler(QObject):
    """Installs the two hooks; shows `CrashDialog` on the GUI thread."""

    dialog_requested = Signal(str, str)  # summary, details
    dialog_shown = Signal(object)  # the CrashDialog, for tests and the log

    def __init__(
        self,
        *,
        log_file: Path | None = None,
        on_quit: Callable[[], None] = _default_quit,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self._on_quit = on_quit
        self._previous_hook: Callable[..., Any] | None = None
        self._previous_thread_hook: Callable[..., Any] | None = None
        self._open: CrashDialog | None = None
        self.shown = 0
        # Queued: the hooks may run on any thread; widgets live on the GUI thread only.
        self.dialog_requested.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashHandler:
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook
        self._previous_hook = self._previous_thread_hook = None

    # -- hooks ------------------------------------------------------------------------
    def excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):  # Ctrl+C in a terminal: not a crash
            (self._previous_hook or sys.__excepthook__)(kind, value, tb)
            return
        self.report((kind, value, tb), thread_name=None)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else None
        self.report((args.exc_type, args.exc_value, args.exc_traceback), thread_name=name)

    def report(self, exc_info: ExcInfo, *, thread_name: str | None) -> None:
        details = format_details(exc_info, thread_name=thread_name)
        # The scrubbed text, not exc_info: whatever handler prints it (even logging's
        # last resort, before the log file is set up) never sees a raw token.
        log.critical("Unexpected error\n%s", details)
        summary = scrub_secrets(f"{exc_info[0].__name__}: {exc_info[1]}")
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            # No GUI (yet, or any more): say it the way early start-up failures are said.
            where = f"\n\nDetails are in {self.log_file}" if self.log_file else ""
            early.report_failure(TITLE, f"{summary}{where}")
            return
        if threading.current_thread() is threading.main_thread():
            self._show(summary, details)
        else:
            self.dialog_requested.emit(summary, details)

    # -- the dialog -------------------------------------------------------------------
    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self._open is not None or self.shown >= MAX_DIALOGS:
            log.info("not showing another crash dialog; see the log")
            return
        self.shown += 1
        dialog = CrashDialog(summary, details, self.log_file, QApplication.activeWindow())
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.finished.connect(self._on_dialog_finished)
        self._open = dialog
        self.dialog_shown.emit(dialog)
        if QThread.currentThread().loopLevel() == 0:
            # Outside any event loop (the exception escaped main()): nothing would keep
            # a non-blocking dialog on screen, so run its own loop before the process ends.
            dialog.exec()
        else:
            dialog.show()

    @Slot(int)
    def _on_dialog_finished(self, choice: int) -> None:
        dialog, self._open = self._open, None
        if dialog is not None:
            dialog.deleteLater()
        quitting = choice == CrashDialog.QUIT
        log.info("crash dialog closed: %s", "quit" if quitting else "continue")
        if quitting:
            self._on_quit()
