"""An unexpected exception shows the crash dialog: details, Copy details, the log, no token.

pytest-qt's own exception capture is turned off for these tests, so the exceptions reach
FieldDesk's hooks exactly as they would in the application.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from app.launch.crash import TITLE, CrashDialog, CrashHandler
from tests.launch.conftest import run_python

pytestmark = pytest.mark.qt_no_exception_capture

TOKEN = "tok_5ecr3t_value_42"


@pytest.fixture
def quits() -> list[str]:
    return []


@pytest.fixture
def handler(qapp: Any, tmp_path: Path, quits: list[str]) -> Iterator[CrashHandler]:
    installed = CrashHandler(
        log_file=tmp_path / "logs" / "fielddesk.log", on_quit=lambda: quits.append("quit")
    ).install()
    yield installed
    installed.uninstall()


def open_dialog(qtbot: Any, handler: CrashHandler) -> CrashDialog:
    shown: list[CrashDialog] = []
    handler.dialog_shown.connect(shown.append)
    qtbot.waitUntil(lambda: bool(shown) and shown[0].isVisible(), timeout=10_000)
    return shown[0]


def fail_with_a_token() -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    raise ValueError(f"request failed with {headers}")


def test_an_exception_in_a_slot_shows_the_dialog(
    qtbot: Any, handler: CrashHandler, quits: list[str], tmp_path: Path
) -> None:
    QTimer.singleShot(0, fail_with_a_token)  # raised inside the Qt event loop
    dialog = open_dialog(qtbot, handler)

    assert dialog.windowTitle() == TITLE
    assert not dialog.details.isVisible()  # collapsed until asked for
    assert str(tmp_path / "logs" / "fielddesk.log") in dialog.log_label.text()
    assert "ValueError" in dialog.details_text
    assert "fail_with_a_token" in dialog.details_text  # the traceback
    assert TOKEN not in dialog.details_text

    dialog.toggle_button.click()
    assert dialog.details.isVisible()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.details_text
    assert "ValueError" in copied and TOKEN not in copied

    dialog.continue_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert quits == []


def test_quit_in_the_dialog_quits(qtbot: Any, handler: CrashHandler, quits: list[str]) -> None:
    QTimer.singleShot(0, lambda: 1 / 0)
    dialog = open_dialog(qtbot, handler)
    assert "ZeroDivisionError" in dialog.details_text
    dialog.quit_button.click()
    qtbot.waitUntil(lambda: quits == ["quit"])


def test_an_exception_in_a_plain_thread_shows_the_dialog_on_the_gui_thread(
    qtbot: Any, handler: CrashHandler
) -> None:
    worker = threading.Thread(target=fail_with_a_token, name="exporter")
    worker.start()
    worker.join()
    dialog = open_dialog(qtbot, handler)
    assert "Thread: exporter" in dialog.details_text
    assert TOKEN not in dialog.details_text
    assert dialog.thread() is QGuiApplication.instance().thread()
    dialog.continue_button.click()


def test_a_storm_of_exceptions_opens_one_dialog_at_a_time(
    qtbot: Any, handler: CrashHandler, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.launch.crash")
    for _ in range(5):
        QTimer.singleShot(0, lambda: 1 / 0)
    dialog = open_dialog(qtbot, handler)
    # Every exception is logged before its dialog is considered: once all five are in
    # the log, the four late ones have had their chance to open a second dialog.
    qtbot.waitUntil(lambda: caplog.text.count("Unexpected error") == 5, timeout=10_000)
    assert caplog.text.count("not showing another crash dialog") == 4
    assert handler.shown == 1
    dialog.continue_button.click()


def test_the_exception_is_logged_with_its_traceback(
    qtbot: Any, handler: CrashHandler, caplog: pytest.LogCaptureFixture
) -> None:
    QTimer.singleShot(0, fail_with_a_token)
    dialog = open_dialog(qtbot, handler)
    record = next(r for r in caplog.records if r.name == "app.launch.crash")
    assert record.levelname == "CRITICAL"
    assert "fail_with_a_token" in record.getMessage()  # the traceback
    assert TOKEN not in record.getMessage()
    dialog.continue_button.click()


def test_keyboard_interrupt_is_not_a_crash(handler: CrashHandler) -> None:
    seen: list[type[BaseException]] = []
    handler._previous_hook = lambda kind, value, tb: seen.append(kind)
    sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert seen == [KeyboardInterrupt]
    assert handler.shown == 0


def test_uninstall_restores_the_previous_hooks(qapp: Any) -> None:
    before = sys.excepthook, threading.excepthook
    handler = CrashHandler().install()
    assert sys.excepthook == handler.excepthook
    handler.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_without_a_gui_the_problem_is_still_reported(
    tmp_path: Path, write_script: Callable[[str], Path]
) -> None:
    script = write_script(
        f"""
        from pathlib import Path
        from app.launch.crash import CrashHandler
        CrashHandler(log_file=Path("where/the/log/is.log")).install()
        raise RuntimeError("before any window, Bearer {TOKEN}")
        """
    )
    done = run_python(script)
    assert done.returncode == 1
    assert "FieldDesk hit an unexpected problem: RuntimeError: before any window" in done.stderr
    assert "where/the/log/is.log" in done.stderr
    assert "Traceback" in done.stderr
    assert TOKEN not in done.stderr
