"""The application-menu entry: written under a temporary HOME, valid, and removable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.launch import desktop_entry
from app.launch.desktop_entry import (
    ICON_SIZES,
    exec_line,
    install_desktop_entry,
    quote_exec_argument,
    uninstall_desktop_entry,
)

VALIDATOR = shutil.which("desktop-file-validate")
needs_validator = pytest.mark.skipif(
    VALIDATOR is None, reason="desktop-file-validate not installed (Debian: desktop-file-utils)"
)


def validate(path: Path) -> None:
    assert VALIDATOR is not None
    done = subprocess.run([VALIDATOR, str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def read_entry(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


@needs_validator
def test_the_template_is_valid() -> None:
    validate(Path(__file__).resolve().parents[2] / "resources" / "desktop" / "fielddesk.desktop")


@needs_validator
def test_install_into_a_temporary_home(tmp_path: Path) -> None:
    entry = install_desktop_entry(tmp_path)
    share = tmp_path / ".local" / "share"
    assert entry.desktop_file == share / "applications" / "fielddesk.desktop"
    validate(entry.desktop_file)
    values = read_entry(entry.desktop_file)
    # From a checkout, the entry starts this interpreter on the app package.
    assert values["Exec"] == exec_line([str(Path(sys.executable).absolute()), "-m", "app"])
    assert values["Icon"] == "fielddesk"
    assert values["Name"] == "FieldDesk"
    for size in ICON_SIZES:
        icon = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "fielddesk.png"
        assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = share / "icons" / "hicolor" / "scalable" / "apps" / "fielddesk.svg"
    assert "<svg" in svg.read_text()
    assert set(entry.files) == {entry.desktop_file, *entry.icons}

    removed = uninstall_desktop_entry(tmp_path)
    assert set(removed) == set(entry.files)
    assert not any(path.exists() for path in entry.files)


@needs_validator
def test_a_frozen_bundle_in_an_awkward_folder_still_gives_a_valid_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A frozen build cannot run here; `sys.frozen` is what tells the code it is one.
    bundle = tmp_path / "Apps & Tools" / "Field$Desk 100%" / "FieldDesk"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle))
    entry = install_desktop_entry(tmp_path / "home")
    validate(entry.desktop_file)
    assert read_entry(entry.desktop_file)["Exec"] == (
        '"' + str(bundle).replace("$", "\\\\$").replace("%", "%%") + '"'
    )


def test_install_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    entry = install_desktop_entry(command=["/opt/FieldDesk/FieldDesk"])
    assert entry.desktop_file == tmp_path / "xdg" / "applications" / "fielddesk.desktop"
    assert read_entry(entry.desktop_file)["TryExec"] == "/opt/FieldDesk/FieldDesk"
    assert desktop_entry.uninstall_desktop_entry() == list(entry.files)


@pytest.mark.parametrize(
    ("argument", "quoted"),
    [
        ("/usr/bin/fielddesk", "/usr/bin/fielddesk"),
        ("/home/a b/FieldDesk", '"/home/a b/FieldDesk"'),
        ('say "hi"', '"say \\\\"hi\\\\""'),
        ("cost$HOME", '"cost\\\\$HOME"'),
        ("back\\slash", '"back\\\\\\\\slash"'),
        ("50%", "50%%"),
        ("", '""'),
    ],
)
def test_exec_quoting_follows_the_desktop_entry_spec(argument: str, quoted: str) -> None:
    assert quote_exec_argument(argument) == quoted
