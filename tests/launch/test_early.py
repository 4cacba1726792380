"""Checks that run before Qt, and the message a user gets when FieldDesk cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.launch import early
from tests.launch.conftest import child_env, run_python


def test_python_version_check() -> None:
    assert early.check_python((3, 11, 0)) is None
    assert early.check_python((3, 13, 1)) is None
    message = early.check_python((3, 9, 18))
    assert message is not None and "3.11" in message and "3.9.18" in message


@pytest.mark.parametrize(
    ("env", "platform", "ok"),
    [
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", True),
        ({"QT_QPA_PLATFORM": "minimal:enable_fonts"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb;wayland"}, "linux", False),
        ({}, "win32", True),
        ({}, "darwin", True),
    ],
)
def test_display_check(env: dict[str, str], platform: str, ok: bool) -> None:
    assert (early.check_display(env, platform) is None) is ok


def test_qt_failure_message_names_the_missing_library() -> None:
    message = early.qt_failure_message(
        "This application failed to start because no Qt platform plugin could be initialized.",
        ["From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin."],
    )
    assert "libxcb-cursor0" in message
    assert "sudo apt install" in message


def test_core_start_up_modules_import_no_qt() -> None:
    code = (
        "import sys; import app.launch.early, app.launch.logs, app.launch.desktop_entry; "
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=child_env()
    ).stdout.strip()
    assert out == "[]"


def test_missing_pyside6_is_reported_with_a_non_zero_exit(
    tmp_path: Path, write_script: Callable[[str], Path]
) -> None:
    script = write_script(
        """
        import sys
        from pathlib import Path
        sys.modules["PySide6"] = None  # as if Qt for Python were not installed
        from app.launch import early
        sys.exit(early.run_preflight(log_file=Path(sys.argv[1])) or 0)
        """
    )
    log_file = tmp_path / "early.log"
    done = run_python(script, str(log_file))
    assert done.returncode == early.EXIT_CANNOT_START
    assert "FieldDesk cannot start" in done.stderr
    assert "PySide6" in done.stderr
    assert "PySide6" in log_file.read_text()


def test_no_display_is_reported_before_qt_can_abort(write_script: Callable[[str], Path]) -> None:
    script = write_script(
        """
        import sys
        from app.launch import early
        sys.exit(early.run_preflight() or 0)
        """
    )
    env = child_env()
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    done = run_python(script, env=env)
    assert done.returncode == early.EXIT_CANNOT_START
    assert "no graphical display" in done.stderr


def test_the_desktop_alert_is_raised_with_the_tools_at_hand(
    tmp_path: Path, write_script: Callable[[str], Path]
) -> None:
    """A stand-in `zenity` on PATH records how it was called (the real one would open a
    dialog nobody can close in a test run)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "zenity-args"
    fake = bin_dir / "zenity"
    fake.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}.tmp"\nmv "{record}.tmp" "{record}"\n'
    )
    fake.chmod(0o755)
    script = write_script(
        """
        from app.launch import early
        early.report_failure("FieldDesk cannot start", "Qt is broken <b>here</b> & there")
        """
    )
    env = child_env(DISPLAY=":99", PATH=f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    env.pop("FIELDDESK_NO_ALERT")
    done = run_python(script, env=env)
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 30
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    args = record.read_text().splitlines()
    assert "--error" in args and "--no-markup" in args
    assert "--title=FieldDesk cannot start" in args
    assert "--text=Qt is broken <b>here</b> & there" in args
