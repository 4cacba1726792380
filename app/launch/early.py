"""What must be checked before Qt, and how to tell a user who has no terminal that it failed.

A double-click launch that dies before the window exists would otherwise vanish without a
word. The usual causes are environmental, not bugs: a Python too old (source installs),
Qt for Python missing or broken, no display, or a Qt platform plugin that cannot load
(on Linux, typically a missing `libxcb-cursor0`). Each gets a plain message on stderr, in
the log file, and in a desktop alert when one can be raised without Qt or Tk:

    Linux    zenity (an error dialog), else notify-send (a notification)
    Windows  MessageBoxW through ctypes
    macOS    osascript "display alert"

Then FieldDesk exits with `EXIT_CANNOT_START`. This module imports only the standard
library and keeps to syntax older Pythons can parse, so the version check can speak.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NoReturn

log = logging.getLogger(__name__)

MIN_PYTHON = (3, 11)
EXIT_CANNOT_START = 69  # sysexits EX_UNAVAILABLE
TITLE = "FieldDesk cannot start"
# Qt platforms that need no display server.
HEADLESS_PLATFORMS = frozenset(
    {"offscreen", "minimal", "minimalegl", "linuxfb", "eglfs", "vnc", "vkkhrdisplay"}
)
NO_ALERT_ENV = "FIELDDESK_NO_ALERT"  # set by CI and tests: stderr and log only


def check_python(version: tuple[int, ...] = sys.version_info[:3]) -> str | None:
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    have = ".".join(str(part) for part in version[:3])
    need = ".".join(str(part) for part in MIN_PYTHON)
    return f"FieldDesk needs Python {need} or newer; this is Python {have}."


def check_qt_bindings() -> str | None:
    """Import the Qt modules the window needs; None when they load."""
    try:
        import PySide6.QtCore
        import PySide6.QtGui
        import PySide6.QtWidgets  # noqa: F401
    except ImportError as error:
        return (
            "FieldDesk could not load Qt for Python (PySide6): "
            f"{error}. Reinstall FieldDesk; from source, run `pip install PySide6-Essentials`."
        )
    return None


def requested_platform(env: Mapping[str, str] = os.environ) -> str:
    """The first Qt platform asked for in QT_QPA_PLATFORM ("xcb;wayland", "offscreen:…")."""
    value = env.get("QT_QPA_PLATFORM", "").strip()
    return value.split(";")[0].split(":")[0].strip().lower()


def check_display(env: Mapping[str, str] = os.environ, platform: str = sys.platform) -> str | None:
    """On Linux a window needs an X11 or Wayland display unless a headless Qt platform
    was asked for; without one Qt would abort with a message the user never sees."""
    if not platform.startswith("linux") or requested_platform(env) in HEADLESS_PLATFORMS:
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "FieldDesk found no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set). "
        "Start it from your desktop session; for the headless commands see `fielddesk --help`."
    )


def preflight(env: Mapping[str, str] = os.environ) -> str | None:
    """The first reason FieldDesk's window cannot open, or None."""
    return check_python() or check_qt_bindings() or check_display(env)


def run_preflight(*, log_file: Path | None = None) -> int | None:
    """Run the checks; on failure tell the user and return the exit code to use."""
    problem = preflight()
    if problem is None:
        return None
    report_failure(TITLE, problem, log_file=log_file)
    return EXIT_CANNOT_START


def qt_failure_message(message: str, recent: Iterable[str] = ()) -> str:
    """Turn Qt's fatal platform-plugin message (and the warnings before it) into advice."""
    context = " ".join([*recent, message]).lower()
    lines = ["FieldDesk could not open its window: Qt's platform plugin failed to load."]
    if "xcb-cursor" in context:
        lines.append(
            "The library libxcb-cursor is missing. Install it (Debian/Ubuntu: "
            "`sudo apt install libxcb-cursor0`; Fedora: `sudo dnf install xcb-util-cursor`)."
        )
    if "could not connect to display" in context:
        lines.append("No graphical display could be reached. Start FieldDesk from your desktop.")
    if len(lines) == 1:
        lines.append("Reinstalling FieldDesk may fix this. Details from Qt:")
        lines.extend(f"  {line.strip()}" for line in [*recent, message] if line.strip())
    return "\n".join(lines)


def report_qt_failure(message: str, recent: Iterable[str] = ()) -> NoReturn:
    """Called from the Qt message handler on a fatal message: explain, then exit.

    Exiting here (instead of returning) keeps Qt from calling abort(), which would leave
    a core dump and a crash report instead of an explanation.
    """
    report_failure(TITLE, qt_failure_message(message, list(recent)))
    logging.shutdown()
    os._exit(EXIT_CANNOT_START)


def report_failure(
    title: str, message: str, *, log_file: Path | None = None, alert: bool = True
) -> None:
    """Say why FieldDesk cannot go on: stderr, the log file, and a desktop alert."""
    if sys.stderr is not None:
        try:
            sys.stderr.write(f"{title}: {message}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
    _write_log(title, message, log_file)
    if alert and not os.environ.get(NO_ALERT_ENV):
        try:
            show_alert(title, message)
        except Exception:  # the alert is a courtesy; never fail while reporting a failure
            log.debug("desktop alert failed", exc_info=True)


def _write_log(title: str, message: str, log_file: Path | None) -> None:
    from app.launch import logs

    if logs.current_setup() is not None:
        log.critical("%s: %s", title, message)
        return
    if log_file is None:
        return
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "a", encoding="utf-8") as stream:
            stream.write(f"CRITICAL {title}: {logs.scrub_secrets(message)}\n")
    except OSError:
        pass


def show_alert(title: str, message: str, platform: str = sys.platform) -> bool:
    """Raise a desktop alert without Qt or Tk; True if one was shown."""
    if platform.startswith("win"):
        import ctypes

        windll = getattr(ctypes, "windll", None)
        if windll is None:
            return False
        windll.user32.MessageBoxW(None, message, title, 0x10)  # MB_ICONERROR
        return True
    if platform == "darwin":
        script = (
            "on run argv\n"
            "display alert (item 1 of argv) message (item 2 of argv) as critical\n"
            "end run"
        )
        return _spawn(["osascript", "-e", script, title, message], wait=False)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    # zenity stays up after FieldDesk has exited, until the user dismisses it.
    zenity = ["zenity", "--error", "--no-markup", f"--title={title}", f"--text={message}"]
    if _spawn(zenity, wait=False):
        return True
    notify = ["notify-send", "--app-name=FieldDesk", "--urgency=critical", title, message]
    return _spawn(notify, wait=True)


def _spawn(command: list[str], *, wait: bool) -> bool:
    if shutil.which(command[0]) is None:
        return False
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if wait:
        try:
            return process.wait(timeout=5) == 0
        except subprocess.TimeoutExpired:
            return True
    return True
