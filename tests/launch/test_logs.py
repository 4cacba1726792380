"""The private data directory, the rotating log, faulthandler, and Qt messages in the log."""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import qInstallMessageHandler, qWarning

from app.launch import early, logs
from tests.launch.conftest import child_env, run_python

pytestmark = pytest.mark.usefixtures("clean_logging")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_dir_and_logs_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "FieldDesk"
    setup = logs.configure_logging(data_dir, console=False)
    logging.getLogger("app.test").info("hello")
    assert setup.log_file == data_dir / "logs" / "fielddesk.log"
    assert mode(data_dir) == 0o700
    assert mode(setup.log_dir) == 0o700
    assert mode(setup.log_file) == 0o600
    assert mode(setup.fault_file) == 0o600
    assert "app.test: hello" in setup.log_file.read_text()
    assert logs.current_setup() == setup


def test_an_existing_world_readable_data_dir_is_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "FieldDesk"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    logs.configure_logging(data_dir, console=False)
    assert mode(data_dir) == 0o700


def test_the_log_rotates_and_every_generation_stays_private(tmp_path: Path) -> None:
    setup = logs.configure_logging(tmp_path, console=False, max_bytes=2_000, backup_count=4)
    logger = logging.getLogger("app.rotation")
    for number in range(400):
        logger.info("line %03d %s", number, "x" * 40)
    generations = sorted(setup.log_dir.glob("fielddesk.log*"))
    assert [p.name for p in generations] == [
        "fielddesk.log",
        "fielddesk.log.1",
        "fielddesk.log.2",
        "fielddesk.log.3",
        "fielddesk.log.4",
    ]
    assert all(mode(p) == 0o600 for p in generations)
    assert all(p.stat().st_size <= 2_000 for p in generations)
    assert "line 399" in setup.log_file.read_text()


def test_configuring_twice_does_not_duplicate_lines(tmp_path: Path) -> None:
    logs.configure_logging(tmp_path, console=False)
    setup = logs.configure_logging(tmp_path, console=False)
    logging.getLogger("app.twice").warning("only once")
    assert setup.log_file.read_text().count("only once") == 1


def test_secrets_never_reach_the_log_file(tmp_path: Path) -> None:
    setup = logs.configure_logging(tmp_path, console=False)
    logger = logging.getLogger("app.secrets")
    logger.info("headers: {'Authorization': 'Bearer abc123SECRET'}")
    try:
        raise RuntimeError("refresh failed for refresh_token=def456SECRET")
    except RuntimeError:
        logger.exception("boom")
    text = setup.log_file.read_text()
    assert "SECRET" not in text
    assert "[redacted]" in text
    assert "RuntimeError" in text  # the traceback itself is kept


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl", "eyJ"),
        ('{"authorization": "Basic dXNlcjpwYXNz"}', "dXNlcjpwYXNz"),
        ("POST /token access_token=tok_123&expires=1", "tok_123"),
        ("StaticTokenProvider(token='abcdef0123')", "abcdef0123"),
        ("password: hunter2", "hunter2"),
        ("a bare jwt eyJhbGciOiJI.eyJzdWIiOiIx.sig_nature here", "eyJhbGciOiJI"),
        ("grant_type=authorization_code&client_secret=cs_4f9a2b&code=x", "cs_4f9a2b"),
        ('{"client_id": "fielddesk", "secret": "s3cr3t-value"}', "s3cr3t-value"),
        ("FIELDDESK_OAUTH_CLIENT_SECRET=env-s3cr3t", "env-s3cr3t"),
    ],
)
def test_scrub_secrets(text: str, secret: str) -> None:
    scrubbed = logs.scrub_secrets(text)
    assert secret not in scrubbed
    assert "[redacted]" in scrubbed


def test_secrets_never_reach_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The console handler scrubs like the file (a terminal is scrolled back and pasted)."""
    logs.configure_logging(tmp_path, console=True)
    logger = logging.getLogger("app.secrets")
    logger.warning("refresh failed: {'Authorization': 'Bearer abc123SECRET'}")
    try:
        raise RuntimeError("token exchange failed: client_secret=def456SECRET")
    except RuntimeError:
        logger.exception("boom")
    err = capsys.readouterr().err
    assert "refresh failed" in err and "RuntimeError" in err, "the lines did reach stderr"
    assert "SECRET" not in err
    assert "[redacted]" in err


def test_server_text_in_a_log_line_cannot_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed scope's message is server text: ESC, BEL, CR and RTL overrides are escaped
    on stderr and in the file, while the line feeds of a traceback stay."""
    setup = logs.configure_logging(tmp_path, console=True)
    logger = logging.getLogger("app.hostile")
    hostile = "survey failed: \x1b]0;owned\x07\x1b[31mred\rover \u202eevil"
    try:
        raise RuntimeError(hostile)
    except RuntimeError:
        logger.exception("scope failed: %s", hostile)
    for text in (capsys.readouterr().err, setup.log_file.read_text()):
        assert "scope failed" in text
        for char in ("\x1b", "\x07", "\r", "\u202e"):
            assert char not in text
        assert "\\x1b]0;owned\\x07" in text and "\\u202eevil" in text
        assert "Traceback (most recent call last):\n" in text


def test_scrub_keeps_ordinary_text() -> None:
    text = "token_provider=<StaticTokenProvider>; synced 40 fields; page token budget"
    assert logs.scrub_secrets(text) == text


def test_http_loggers_stay_quiet_unless_debugging(tmp_path: Path) -> None:
    logs.configure_logging(tmp_path, console=False)
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger().level == logging.INFO
    logs.configure_logging(tmp_path, console=False, debug=True)
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.DEBUG


def test_faulthandler_writes_a_hard_crash_to_its_file(
    tmp_path: Path, write_script: Callable[[str], Path]
) -> None:
    script = write_script(
        """
        import faulthandler, sys
        from pathlib import Path
        from app.launch import logs
        logs.configure_logging(Path(sys.argv[1]), console=False)
        def crash_here():
            faulthandler._sigsegv()
        crash_here()
        """
    )
    done = run_python(script, str(tmp_path))
    assert done.returncode != 0
    text = (tmp_path / "logs" / "faulthandler.log").read_text()
    assert "Fatal Python error: Segmentation fault" in text
    assert "crash_here" in text


def test_qt_messages_go_to_the_log(tmp_path: Path) -> None:
    setup = logs.configure_logging(tmp_path, console=False)
    previous = logs.route_qt_messages(early.report_qt_failure)
    try:
        qWarning("a warning from Qt")
        qWarning("This plugin does not support propagateSizeHints()")
    finally:
        qInstallMessageHandler(previous)
    text = setup.log_file.read_text()
    assert "WARNING  [MainThread] qt: a warning from Qt" in text
    # Known offscreen noise is demoted below the file's INFO level.
    assert "propagateSizeHints" not in text


def test_a_fatal_qt_start_explains_itself_instead_of_aborting(
    tmp_path: Path, write_script: Callable[[str], Path]
) -> None:
    script = write_script(
        """
        import sys
        from pathlib import Path
        from app.launch import early, logs
        logs.configure_logging(Path(sys.argv[1]), console=False)
        logs.route_qt_messages(early.report_qt_failure)
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        print("should not get here")
        """
    )
    done = run_python(script, str(tmp_path), env=child_env(QT_QPA_PLATFORM="no-such-platform"))
    assert done.returncode == 69, done.stderr  # not SIGABRT
    assert "FieldDesk cannot start" in done.stderr
    assert "platform plugin failed to load" in done.stderr
    assert 'Could not find the Qt platform plugin "no-such-platform"' in done.stderr
    assert "should not get here" not in done.stdout
    log_text = (tmp_path / "logs" / "fielddesk.log").read_text()
    assert "CRITICAL" in log_text and "FieldDesk cannot start" in log_text
