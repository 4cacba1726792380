"""The smoke test itself: passes on a healthy build, fails loudly otherwise."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from app.launch.first_window import watch_first_window
from app.smoke import captured_stderr, unexpected_lines
from tests.launch.conftest import run_python

SMOKE = """
import sys
from app.smoke import run_smoke_test
sys.exit(run_smoke_test(size="tiny", timeout_s=float(sys.argv[1])))
"""


def test_the_smoke_test_passes_with_a_clean_stderr(
    write_script: Callable[[str], Path], tmp_path: Path
) -> None:
    done = run_python(write_script(SMOKE), "120", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke test: 60 mosaics synced" in done.stdout
    assert "smoke test: the map painted" in done.stdout
    assert done.stdout.strip().endswith("smoke test: passed")
    assert done.stderr == ""


def test_the_smoke_test_fails_when_the_sync_does_not_finish(
    write_script: Callable[[str], Path],
) -> None:
    done = run_python(write_script(SMOKE), "0.001", timeout=180)
    assert done.returncode == 1
    assert "smoke test: FAILED" in done.stdout
    assert "no sync result within" in done.stdout


def test_stderr_is_captured_at_the_descriptor_level(capfd: pytest.CaptureFixture[str]) -> None:
    with captured_stderr() as lines:
        os.write(2, b"written by C code\n")
        logging.getLogger("app.smoke-test").error("via logging")  # pytest's handler: no stderr
        print("via print", file=__import__("sys").stderr)
    assert lines == ["written by C code", "via print"]
    assert unexpected_lines(lines) == lines
    assert "written by C code" in capfd.readouterr().err  # replayed afterwards


def test_first_window_probe_logs_once(qtbot: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="app.launch.first_window")
    window = QWidget()
    qtbot.addWidget(window)
    watch_first_window(window)
    paints = PaintCounter(window)
    window.show()
    qtbot.waitUntil(lambda: "first window shown" in caplog.text, timeout=10_000)
    seen = paints.count
    window.update()
    # A later paint has been delivered (to every filter, the probe's included, if it
    # were still installed): only then is "logged once" proven.
    qtbot.waitUntil(lambda: paints.count > seen, timeout=10_000)
    assert caplog.text.count("first window shown") == 1


class PaintCounter(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False
