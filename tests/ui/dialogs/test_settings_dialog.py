"""The settings dialog and where its choices are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from app import config
from app.ui.common.preferences import load_preferences, save_preferences
from app.ui.dialogs.settings import SettingsDialog


def test_defaults_then_a_round_trip_through_the_dialog(qtbot: Any, tmp_path: Path):
    settings = QSettings(str(tmp_path / "FieldDesk.ini"), QSettings.Format.IniFormat)
    prefs = load_preferences(settings)
    assert prefs.auto.on_reconnect and prefs.auto.periodic_minutes == 30
    assert prefs.server_url == config.DEFAULT_SERVER_URL and prefs.concurrency == 32

    dialog = SettingsDialog(prefs)
    qtbot.addWidget(dialog)
    dialog.on_reconnect.setChecked(False)
    dialog.on_start.setChecked(True)
    dialog.periodic.setValue(45)
    dialog.concurrency.setValue(8)
    dialog.server.setText("https://apistaging.example.com/graphql")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    save_preferences(settings, dialog.preferences())

    again = load_preferences(QSettings(str(tmp_path / "FieldDesk.ini"), QSettings.Format.IniFormat))
    assert not again.auto.on_reconnect and again.auto.on_start
    assert again.auto.periodic_minutes == 45 and again.concurrency == 8
    assert again.server_url == "https://apistaging.example.com/graphql"


def test_the_command_line_reads_what_the_dialog_saved(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FIELDDESK_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("FIELDDESK_SERVER", raising=False)
    settings = QSettings(str(config.settings_path()), QSettings.Format.IniFormat)
    prefs = load_preferences(settings)
    save_preferences(settings, type(prefs)("https://fa.example.org/graphql", 6, prefs.auto))
    assert config.resolve_server_url(None) == "https://fa.example.org/graphql"
    assert config.resolve_concurrency(None) == 6
    assert "token" not in config.settings_path().read_text().lower()


def test_plain_http_off_loopback_is_refused_with_a_reason(qtbot: Any, tmp_path: Path):
    settings = QSettings(str(tmp_path / "x.ini"), QSettings.Format.IniFormat)
    dialog = SettingsDialog(load_preferences(settings))
    qtbot.addWidget(dialog)
    dialog.server.setText("http://fieldagent.example.com/graphql")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert "HTTPS" in dialog.problem.text() or "https" in dialog.problem.text()
    dialog.server.setText("http://127.0.0.1:8765/graphql")
    assert ok.isEnabled()
