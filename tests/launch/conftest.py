"""Fixtures for the start-up glue: isolated logging, and a runner for helper processes.

Several tests start real FieldDesk processes (single instance, fatal Qt start-up,
faulthandler): `run_script` writes a small script and runs it with this interpreter,
the offscreen platform and no desktop alerts.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.launch import logs

ROOT = Path(__file__).resolve().parents[2]
# The offscreen platform cannot forward size hints and says so for every top-level
# window (dialogs included); a limit of the test platform, not a problem of the app.
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/launch/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Whatever `configure_logging` does to the root logger is undone afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET_LOGGERS}
    yield
    logs.shutdown_logging()
    root.setLevel(level)
    root.handlers[:] = handlers
    for name, value in quiet.items():
        logging.getLogger(name).setLevel(value)


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "FIELDDESK_NO_ALERT": "1",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@pytest.fixture
def write_script(tmp_path: Path) -> Callable[[str], Path]:
    def write(source: str) -> Path:
        path = tmp_path / f"script_{len(list(tmp_path.glob('script_*.py')))}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return write


def run_python(
    script: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args],
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
