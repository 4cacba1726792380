"""Put FieldDesk in the Linux application menu for the current user (no root needed).

    fielddesk --install-desktop-entry      writes, under $XDG_DATA_HOME (~/.local/share):
        applications/fielddesk.desktop                      Exec= this FieldDesk
        icons/hicolor/<N>x<N>/apps/fielddesk.png            N = 16 … 256
        icons/hicolor/scalable/apps/fielddesk.svg

The entry points at the FieldDesk that installed it: the bundle's own executable when
frozen, else this Python with `-m app`. The template in resources/desktop/ says just
`fielddesk` (for distribution packages that put it on PATH); only Exec and TryExec are
rewritten. No Qt here: the command runs headless.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from app.resources import resource_path

log = logging.getLogger(__name__)

DESKTOP_FILE = "fielddesk.desktop"
ICON_NAME = "fielddesk"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
# Characters that force quoting of an Exec argument (Desktop Entry spec, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


@dataclass(frozen=True, slots=True)
class InstalledEntry:
    desktop_file: Path
    icons: tuple[Path, ...]
    exec_line: str

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.desktop_file, *self.icons)


def data_home(home: Path | None = None) -> Path:
    """`<home>/.local/share` when `home` is given, else $XDG_DATA_HOME or ~/.local/share."""
    if home is not None:
        return home / ".local" / "share"
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg)
    return Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """How to start this very FieldDesk again."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    return [str(Path(sys.executable).absolute()), "-m", "app"]


def quote_exec_argument(argument: str) -> str:
    """Quote one argument for an Exec= value.

    Inside double quotes, `"`, backquote, `$` and backslash take a backslash; then the
    general string escaping doubles every backslash again; a literal `%` is written `%%`.
    """
    argument = argument.replace("%", "%%")
    if argument and not (_RESERVED & set(argument)):
        return argument
    inner = re.sub(r'(["`$\\])', r"\\\1", argument)
    return '"' + inner.replace("\\", "\\\\") + '"'


def exec_line(command: list[str]) -> str:
    return " ".join(quote_exec_argument(part) for part in command)


def render_entry(template: str, command: list[str]) -> str:
    """The template with Exec/TryExec pointing at `command`."""
    line = exec_line(command)
    try_exec = quote_exec_argument(command[0])
    out: list[str] = []
    for raw in template.splitlines():
        if raw.startswith("Exec="):
            raw = f"Exec={line}"
        elif raw.startswith("TryExec="):
            raw = f"TryExec={try_exec}"
        out.append(raw)
    return "\n".join(out) + "\n"


def _targets(share: Path) -> tuple[Path, dict[Path, Path]]:
    """The .desktop path, and icon destination -> source."""
    icons = share / "icons" / "hicolor"
    sources = {
        icons / f"{n}x{n}" / "apps" / f"{ICON_NAME}.png": resource_path(
            "desktop", "icons", f"{ICON_NAME}-{n}.png"
        )
        for n in ICON_SIZES
    }
    sources[icons / "scalable" / "apps" / f"{ICON_NAME}.svg"] = resource_path(
        "desktop", f"{ICON_NAME}.svg"
    )
    return share / "applications" / DESKTOP_FILE, sources


def install_desktop_entry(
    home: Path | None = None, *, command: list[str] | None = None
) -> InstalledEntry:
    """Write the menu entry and icons; returns what was written. Idempotent."""
    share = data_home(home)
    desktop_path, icons = _targets(share)
    template = resource_path("desktop", DESKTOP_FILE).read_text(encoding="utf-8")
    launch = command or launch_command()
    for destination, source in icons.items():
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    desktop_path.parent.mkdir(parents=True, exist_ok=True)
    content = render_entry(template, launch)
    temporary = desktop_path.with_suffix(".desktop.tmp")
    temporary.write_text(content, encoding="utf-8")
    temporary.chmod(0o755)  # some desktops only trust executable launchers
    os.replace(temporary, desktop_path)
    _refresh_caches(share)
    log.info("installed the desktop entry %s", desktop_path)
    return InstalledEntry(desktop_path, tuple(icons), exec_line(launch))


def uninstall_desktop_entry(home: Path | None = None) -> list[Path]:
    """Remove what `install_desktop_entry` wrote; returns the files removed."""
    share = data_home(home)
    desktop_path, icons = _targets(share)
    removed = []
    for path in (desktop_path, *icons):
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh_caches(share)
    return removed


def _refresh_caches(share: Path) -> None:
    """Menus pick up new entries by themselves; a newer mtime on the icon theme folder
    tells GTK and Qt to rescan it instead of trusting what they cached."""
    theme = share / "icons" / "hicolor"
    if theme.is_dir():
        os.utime(theme)
