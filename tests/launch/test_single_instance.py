"""One FieldDesk per data directory, with real processes talking over a real local socket."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.launch.single_instance import SingleInstance, bring_to_front, server_name
from tests.launch.conftest import child_env, run_python

# A stand-in for FieldDesk's start-up: claim the directory, then either report the
# hand-over and exit 0, or wait for one activation request and print it.
INSTANCE_SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.launch.single_instance import SingleInstance

app = QApplication(sys.argv[:1])
user_only = sys.argv[2] == "user-only"
instance = SingleInstance(Path(sys.argv[1]), user_only=user_only)
if not instance.claim(sys.argv[3:]):
    print("handed over", flush=True)
    sys.exit(0)
print("primary", flush=True)
def activated(args):
    print("activated", " ".join(args), flush=True)
    app.quit()
instance.activation_requested.connect(activated)
QTimer.singleShot(60_000, app.quit)
app.exec()
instance.close()
"""


@pytest.fixture
def tmpdir_env(tmp_path: Path) -> dict[str, str]:
    # Qt puts Unix sockets in the temporary directory: keep this test's to itself.
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    return child_env(TMPDIR=str(sockets))


@pytest.fixture
def start_primary(
    write_script: Callable[[str], Path], tmpdir_env: dict[str, str]
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(data_dir: Path, options: str = "user-only") -> subprocess.Popen[str]:
        script = write_script(INSTANCE_SCRIPT)
        process = subprocess.Popen(
            [sys.executable, str(script), str(data_dir), options],
            env=tmpdir_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "primary"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def test_a_second_launch_hands_over_and_exits(
    tmp_path: Path,
    start_primary: Callable[[Path], subprocess.Popen[str]],
    write_script: Callable[[str], Path],
    tmpdir_env: dict[str, str],
) -> None:
    data_dir = tmp_path / "data"
    primary = start_primary(data_dir)
    second = run_python(
        write_script(INSTANCE_SCRIPT), str(data_dir), "user-only", "--demo", "x y", env=tmpdir_env
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "handed over"
    out, _ = primary.communicate(timeout=30)
    assert out.strip() == "activated --demo x y"
    assert primary.returncode == 0


def test_another_data_directory_is_another_instance(
    tmp_path: Path,
    start_primary: Callable[[Path], subprocess.Popen[str]],
) -> None:
    start_primary(tmp_path / "real")
    start_primary(tmp_path / "demo")  # asserts it became a primary too


@pytest.mark.parametrize("options", ["user-only", "default"])
def test_a_stale_socket_left_by_a_crash_is_taken_over(
    tmp_path: Path,
    start_primary: Callable[..., subprocess.Popen[str]],
    write_script: Callable[[str], Path],
    tmpdir_env: dict[str, str],
    options: str,
) -> None:
    """Qt replaces a stale socket itself with the user-only option; without it listening
    fails with "address in use" and FieldDesk must remove the stale name itself."""
    data_dir = tmp_path / "data"
    crashed = start_primary(data_dir, options)
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(timeout=30)
    sockets = Path(tmpdir_env["TMPDIR"])
    assert any(sockets.iterdir()), "the killed instance should have left its socket behind"
    primary = start_primary(data_dir, options)
    # The new primary really listens: the next launch hands over to it.
    second = run_python(write_script(INSTANCE_SCRIPT), str(data_dir), options, env=tmpdir_env)
    assert second.stdout.strip() == "handed over", second.stderr
    assert primary.communicate(timeout=30)[0].strip() == "activated"


def test_server_name_depends_on_the_directory(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") == server_name(tmp_path / "a" / ".." / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert server_name(tmp_path / "a").startswith("fielddesk-")


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_in_process_activation_and_bring_to_front(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    first = SingleInstance(tmp_path / "data")
    assert first.claim([])
    assert first.listening
    window = QWidget()
    qtbot.addWidget(window)
    window.showMinimized()
    first.activation_requested.connect(lambda _args: bring_to_front(window))
    with qtbot.waitSignal(first.activation_requested, timeout=10_000) as request:
        # The second launch blocks while it waits for "ok"; the first answers from its
        # event loop, so run the hand-over from a helper process, as in real life.
        env = child_env(TMPDIR=str(tmp_path))
        code = (
            "import sys; from pathlib import Path; from PySide6.QtCore import QCoreApplication; "
            "from app.launch.single_instance import SingleInstance; app = QCoreApplication([]); "
            f"sys.exit(0 if not SingleInstance(Path({str(tmp_path / 'data')!r})).claim(['--x']) "
            "else 3)"
        )
        helper = subprocess.Popen([sys.executable, "-c", code], env=env)
    assert request.args == [["--x"]]
    assert helper.wait(timeout=30) == 0
    assert window.isVisible()
    assert not window.windowState() & Qt.WindowState.WindowMinimized
    first.close()
    assert not first.listening
