"""Under FIELDDESK_REQUIRE_ALL (CI) a skip is a failure; elsewhere it stays a skip.

Runs a throw-away test file in a child pytest with only the hook loaded, so what is
checked is the hook itself, not this suite's own state.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = """
import pytest

def test_runs():
    pass

def test_skips_inside():
    pytest.skip("no Secret Service")

@pytest.mark.skipif(True, reason="validator missing")
def test_skipped_by_marker():
    pass

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    raise AssertionError
"""


def _run(tmp_path: Path, **env: str) -> str:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    child_env = {k: v for k, v in os.environ.items() if k not in ("CI", "FIELDDESK_REQUIRE_ALL")}
    # Only the hook under test: no other plugin loads in the child (and it starts fast).
    child_env.update(env, PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    command = [sys.executable, "-m", "pytest", "-p", "tests.require_all", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*command, "-rA", str(tmp_path)],
        cwd=tmp_path,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


@pytest.mark.parametrize("env", [{"FIELDDESK_REQUIRE_ALL": "1"}, {"CI": "true"}])
def test_skips_fail_where_everything_must_run(tmp_path: Path, env: dict[str, str]) -> None:
    out = _run(tmp_path, **env)
    totals = out.strip().splitlines()[-1]
    # A skip in the test body fails it; a skip marker fails its setup (an "error").
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in totals, out
    assert "no Secret Service" in out and "validator missing" in out


@pytest.mark.parametrize("env", [{}, {"CI": "true", "FIELDDESK_REQUIRE_ALL": "0"}])
def test_skips_stay_skips_on_a_developer_machine(tmp_path: Path, env: dict[str, str]) -> None:
    out = _run(tmp_path, **env)
    assert "1 passed, 2 skipped, 1 xfailed" in out, out
