"""Find FieldDesk's `resources/` folder, from a source checkout or a frozen build.

The GraphQL documents are data files, not Python, so they are located on disk: next to
the `app` package in a checkout, or in the bundle directory PyInstaller unpacks to
(`sys._MEIPASS`), where the packaging spec must place them under `resources/`.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

__all__ = ["load_query", "resource_path"]


def resources_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file under `resources/`, e.g. `resource_path("queries", "user.graphql")`."""
    return resources_root().joinpath(*parts)


@cache
def load_query(name: str) -> str:
    """The text of `resources/queries/<name>.graphql`, read once per process."""
    return resource_path("queries", f"{name}.graphql").read_text(encoding="utf-8")
