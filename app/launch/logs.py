"""Where a double-click user's diagnostics go: a private folder, a rotating log, a fault log.

    <data dir>/            0o700, created on first run
        logs/              0o700
            fielddesk.log        0o600, rotated at 1 MB, five files kept
            faulthandler.log     0o600, what faulthandler writes when the interpreter dies

The data directory holds the user's catalogue, so nobody else on the machine may list or
read it. Every formatted log line passes through `scrub_secrets`, so a token that slips
into a message or a traceback never reaches the disk. Qt's own messages are routed into
logging; a fatal one (no platform plugin) is reported through the handler the caller
passes (the app's is `early.report_qt_failure`) instead of Qt's bare abort. No Qt
import at module level: this runs before Qt is known to work.
"""

from __future__ import annotations

import collections
import faulthandler
import io
import logging
import logging.handlers
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from app.terminal import terminal_safe

log = logging.getLogger(__name__)

LOG_DIRNAME = "logs"
LOG_FILENAME = "fielddesk.log"
FAULT_FILENAME = "faulthandler.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 4  # fielddesk.log + .1 … .4: five files
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# Per-request chatter that would drown the log (and could echo headers) outside --debug.
QUIET_LOGGERS = ("httpx", "httpcore", "uvicorn", "uvicorn.access", "uvicorn.error")
LINE_FORMAT = "%(asctime)s %(levelname)-8s [%(threadName)s] %(name)s: %(message)s"

_REDACTED = "[redacted]"
_SECRET_PATTERNS = (
    # "Authorization: Bearer abc", "'authorization': 'Basic abc'", "authorization=abc"
    re.compile(
        r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:(?:bearer|basic|token)\s+)?[^'\"\s,;}&]+"
    ),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+"),
    # token=..., "access_token": "...", password='...', OAUTH_CLIENT_SECRET=... (an
    # underscore before the name still starts it: environment variables are logged too)
    re.compile(
        r"(?i)((?<![a-z0-9])(?:access_token|refresh_token|id_token|token|password|client_secret|secret)"
        r"['\"]?\s*[:=]\s*['\"]?)[^'\"\s,;}&)]+"
    ),
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")


def scrub_secrets(text: str) -> str:
    """Replace anything that looks like a credential value with "[redacted]"."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + _REDACTED, text)
    return _JWT.sub(_REDACTED, text)


class ScrubbingFormatter(logging.Formatter):
    """Scrubs the whole formatted record, traceback included, and escapes its controls.

    Log lines quote server text (a failed scope's message, a name), and both handlers end
    on something a terminal interprets: stderr directly, the file when a user `tail`s or
    `cat`s it. So every control and bidi-override character is shown as an escape; line
    feeds stay, a traceback keeps its shape.
    """

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(scrub_secrets(super().format(record)), keep_newlines=True)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file whose every generation is created readable by the user alone."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
        os.chmod(self.baseFilename, PRIVATE_FILE_MODE)  # an older file may predate us
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


@dataclass(frozen=True, slots=True)
class LogSetup:
    data_dir: Path
    log_dir: Path
    log_file: Path
    fault_file: Path


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it user-only; returns it."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if os.name == "posix":
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


_installed: list[logging.Handler] = []
_fault_stream: IO[str] | None = None
_current: LogSetup | None = None


def current_setup() -> LogSetup | None:
    """Where this process logs, once `configure_logging` ran (for dialogs and messages)."""
    return _current


def configure_logging(
    data_dir: Path,
    *,
    debug: bool = False,
    console: bool = True,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> LogSetup:
    """Log to `<data_dir>/logs/fielddesk.log` (and warnings to stderr when there is one).

    Safe to call again (tests, a changed data directory): our previous handlers and the
    previous fault file are replaced, not stacked.
    """
    global _current
    log_dir = ensure_private_dir(ensure_private_dir(data_dir) / LOG_DIRNAME)
    setup = LogSetup(data_dir, log_dir, log_dir / LOG_FILENAME, log_dir / FAULT_FILENAME)
    formatter = ScrubbingFormatter(LINE_FORMAT)

    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()

    file_handler = PrivateRotatingFileHandler(
        setup.log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    _installed.append(file_handler)
    # A windowed build on Windows has no stderr at all (sys.stderr is None).
    if console and sys.stderr is not None:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(ScrubbingFormatter("%(levelname)s %(name)s: %(message)s"))
        stream.setLevel(logging.DEBUG if debug else logging.WARNING)
        _installed.append(stream)
    for handler in _installed:
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.WARNING)

    enable_faulthandler(setup.fault_file)
    _current = setup
    log.info(
        "FieldDesk starting (pid %d, Python %s, %s)",
        os.getpid(),
        sys.version.split()[0],
        "frozen" if getattr(sys, "frozen", False) else "source",
    )
    return setup


def enable_faulthandler(path: Path) -> None:
    """Point faulthandler at `path`: a hard crash leaves the Python stacks behind there."""
    global _fault_stream
    if path.exists() and path.stat().st_size > MAX_BYTES:
        os.replace(path, path.with_suffix(".log.1"))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
    if os.name == "posix":
        os.chmod(path, PRIVATE_FILE_MODE)
    stream = open(fd, "a", encoding="utf-8")  # noqa: SIM115 - must outlive this call
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    stream.write(f"--- FieldDesk pid {os.getpid()} started {stamp}\n")
    stream.flush()
    faulthandler.enable(stream, all_threads=True)
    if _fault_stream is not None:
        _fault_stream.close()
    _fault_stream = stream  # faulthandler keeps only the descriptor; keep the file open


def shutdown_logging() -> None:
    """Detach our handlers and faulthandler (tests, and a clean exit)."""
    global _fault_stream, _current
    _current = None
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    if _fault_stream is not None:
        faulthandler.disable()
        _fault_stream.close()
        _fault_stream = None


# -- Qt messages ----------------------------------------------------------------------

# The offscreen platform (tests, the smoke test) says these for every top-level window;
# they are limits of that platform, not problems worth a warning.
BENIGN_QT_MESSAGES = (
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise()",
)
FatalHandler = Callable[[str, list[str]], None]


def route_qt_messages(on_fatal: FatalHandler) -> Callable[..., Any] | None:
    """Send Qt's messages to the "qt" logger; install before creating the QApplication.

    On a fatal message Qt would abort the process with nothing but a line on a stderr
    the user cannot see. `on_fatal(message, recent_messages)` runs instead (the app
    passes `early.report_qt_failure`, which tells the user and exits; `early` imports
    this module, so it is handed in rather than imported). Returns the handler it
    replaced (None: Qt's default), for whoever wants to put it back.
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    recent: collections.deque[str] = collections.deque(maxlen=12)
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, context: Any, message: str) -> None:
        category = getattr(context, "category", None) or "default"
        level = levels.get(kind, logging.WARNING)
        if level >= logging.WARNING and message.startswith(BENIGN_QT_MESSAGES):
            level = logging.DEBUG
        logger = logging.getLogger("qt" if category == "default" else f"qt.{category}")
        logger.log(level, "%s", message)
        if kind == QtMsgType.QtFatalMsg:
            on_fatal(message, list(recent))
        else:
            recent.append(message)

    previous: Callable[..., Any] | None = qInstallMessageHandler(handler)
    return previous
