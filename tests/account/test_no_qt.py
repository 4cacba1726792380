"""The account package is core code: the headless command uses it without Qt."""

import subprocess
import sys


def test_account_package_does_not_import_qt() -> None:
    code = (
        "import sys, app.account.session, app.account.cli_flows; "
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
