"""In CI nothing may skip: a skipped test there is a test that did not run.

Tests skip where something they need is missing on a developer's machine (a Secret
Service, `desktop-file-validate`). CI installs all of it, so a skip there means the setup
broke, and a green run would hide that the keyring or the desktop entry went untested.
With `FIELDDESK_REQUIRE_ALL=1` (set by `.ci/run`; `CI=true` implies it unless
`FIELDDESK_REQUIRE_ALL=0`) every skip is reported as a failure that gives its reason.
Expected failures (xfail) are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

REQUIRE_ALL = "FIELDDESK_REQUIRE_ALL"


def everything_required() -> bool:
    value = os.environ.get(REQUIRE_ALL)
    if value is not None:
        return value.strip() not in ("", "0")
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and everything_required():
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped where everything must run ({REQUIRE_ALL}): {reason}"
    return report
