"""Each option is declared once and read the same way by the window and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app import config, settings
from app.store.paths import default_data_dir
from app.ui.common.preferences import load_preferences


@pytest.fixture
def ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> QSettings:
    monkeypatch.setenv("FIELDDESK_CONFIG_DIR", str(tmp_path))
    for option in settings.OPTIONS:
        if option.env:
            monkeypatch.delenv(option.env, raising=False)
    return QSettings(str(config.settings_path()), QSettings.Format.IniFormat)


@pytest.mark.parametrize(("written", "expected"), [(100, 64), (0, 1), (-3, 1), ("7", 7), ("x", 32)])
def test_concurrency_is_bounded_the_same_for_window_and_cli(
    ini: QSettings, written: object, expected: int
) -> None:
    ini.setValue(settings.CONCURRENCY.path, written)
    ini.sync()
    assert load_preferences(ini).concurrency == expected
    assert config.resolve_concurrency(None) == expected


def test_text_qsettings_had_to_quote_reads_back_the_same(ini: QSettings) -> None:
    url = 'https://fa.example.org/graphql?x="1",y=2;z'
    ini.setValue(settings.SERVER_URL.path, url)
    ini.sync()
    assert load_preferences(ini).server_url == url
    assert config.resolve_server_url(None) == url
    assert config.resolve_server_url("https://other/graphql") == "https://other/graphql"


def test_booleans_and_bounds_of_the_auto_sync_options(ini: QSettings) -> None:
    ini.setValue(settings.SYNC_ON_RECONNECT.path, False)
    ini.setValue(settings.SYNC_PERIODIC_MINUTES.path, 10_000)
    ini.sync()
    auto = load_preferences(ini).auto
    assert auto.on_reconnect is False
    assert auto.periodic_minutes == 24 * 60
    stored = config.stored_settings()
    assert settings.value_of(settings.SYNC_ON_RECONNECT, stored) is False


def test_the_cli_and_the_store_agree_on_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIELDDESK_DATA_DIR", raising=False)
    assert config.default_data_dir() == config.resolve_data_dir(None) == default_data_dir()
    assert config.default_data_dir(demo=True) != default_data_dir()


@pytest.mark.parametrize(
    ("written", "expected"), [(30, 30.0), (0.2, 1.0), (99_999, 3600.0), ("x", 120.0)]
)
def test_the_request_deadline_is_bounded_and_read_by_the_cli(
    ini: QSettings, monkeypatch: pytest.MonkeyPatch, written: object, expected: float
) -> None:
    ini.setValue(settings.REQUEST_DEADLINE.path, written)
    ini.sync()
    assert config.resolve_request_deadline(None) == expected
    assert config.resolve_request_deadline(7) == 7.0  # the command line wins
    monkeypatch.setenv("FIELDDESK_REQUEST_DEADLINE", "45")
    assert config.resolve_request_deadline(None) == 45.0
