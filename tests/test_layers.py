"""The core layers must never import Qt (DESIGN.md: architecture)."""

import subprocess
import sys

import pytest

CORE_MODULES = [
    "app.domain",
    "app.api",
    "app.store",
    "app.sync.engine",
    "app.simulator",
    "app.account",
    "app.cli",
    "app.cli_repair",
    "app.terminal",
    "app.private_files",
    "app.imagery.raster",
    "app.imagery.render",
    "app.imagery.source",
    "app.cli_files",
    "app.domain_files",
    "app.files.manager",
    "app.files.library",
    "app.files.runner",
    "app.files.demo",
    "app.store.files",
    "app.cli_common",
    "app.cli_ls",
    "app.export",
    "app.units",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_qt(module: str) -> None:
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"{module} pulled in {out}"
