"""Find FieldDesk's `resources/` folder, from a source checkout or a frozen build.

The one locator for data files (query documents, the schema, icons, the desktop entry):
the client, the window, the launcher and the simulator all ask here. `resources/` sits
beside the `app` package rather than inside it, because PyInstaller's spec copies it
into the bundle as it is (`packaging/fielddesk.spec`); in a checkout it is found next to
`app`, in a bundle in the directory PyInstaller unpacks to (`sys._MEIPASS`). It imports
nothing of ours, so any layer, the simulator included, may use it.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "resources_root"]


def resources_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file under `resources/`, e.g. `resource_path("queries", "user.graphql")`."""
    return resources_root().joinpath(*parts)
