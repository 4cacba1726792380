"""Where FieldDesk keeps things, and which server it talks to.

Resolution order is the same for the window and the headless command:
command-line option, then environment variable, then the settings file, then the default.
The settings file is an INI file written by the window through QSettings (IniFormat) and
read here with configparser, so the Qt-free command line sees the same choices.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import platformdirs

from app import APP_NAME

DEFAULT_SERVER_URL = "https://api.sentera.com/graphql"
SERVER_URL_KEY = "server/url"
CONCURRENCY_KEY = "sync/concurrency"
DEFAULT_CONCURRENCY = 4


def config_dir() -> Path:
    return Path(os.environ.get("FIELDDESK_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    """The INI file QSettings writes (the window) and configparser reads (the CLI)."""
    return config_dir() / f"{APP_NAME}.ini"


def default_data_dir(*, demo: bool = False) -> Path:
    """The user data directory; the demo gets its own so demo and real data never mix."""
    if demo:
        return Path(platformdirs.user_data_dir(f"{APP_NAME}-demo"))
    return Path(platformdirs.user_data_dir(APP_NAME))


def resolve_data_dir(option: str | None) -> Path:
    return Path(option or os.environ.get("FIELDDESK_DATA_DIR") or default_data_dir())


def read_setting(key: str) -> str | None:
    """One value from the settings file ("group/name"), or None."""
    path = settings_path()
    if not path.exists():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    group, _, name = key.rpartition("/")
    section = group or "General"
    value = parser.get(section, name, fallback=None)
    return value.strip('"') if value else None


def resolve_server_url(option: str | None) -> str:
    return (
        option
        or os.environ.get("FIELDDESK_SERVER")
        or read_setting(SERVER_URL_KEY)
        or DEFAULT_SERVER_URL
    )


def resolve_concurrency(option: int | None) -> int:
    if option:
        return option
    try:
        return max(1, int(read_setting(CONCURRENCY_KEY) or DEFAULT_CONCURRENCY))
    except ValueError:
        return DEFAULT_CONCURRENCY


def base_url_of(graphql_url: str) -> str:
    """`https://host/graphql` -> `https://host`: where the OAuth endpoints live."""
    trimmed = graphql_url.rstrip("/")
    return trimmed[: -len("/graphql")] if trimmed.endswith("/graphql") else trimmed


OAUTH_CLIENT_ID_KEY = "oauth/client_id"
OAUTH_CLIENT_SECRET_KEY = "oauth/client_secret"


def oauth_client() -> tuple[str, str]:
    """FieldDesk's OAuth registration with the server: (client id, client secret).

    Sentera registers each client application; the values come from the environment
    or the settings file (`--demo` uses the simulator's). Empty when not configured:
    the browser sign-in then explains that, and the other two ways in still work.
    """
    client_id = os.environ.get("FIELDDESK_OAUTH_CLIENT_ID") or read_setting(OAUTH_CLIENT_ID_KEY)
    secret = os.environ.get("FIELDDESK_OAUTH_CLIENT_SECRET") or read_setting(
        OAUTH_CLIENT_SECRET_KEY
    )
    return client_id or "", secret or ""
