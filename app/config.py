"""Where FieldDesk keeps things, and which server it talks to.

Resolution order is the same for the window and the headless command:
command-line option, then environment variable, then the settings file, then the default.
The settings file is an INI file written by the window through QSettings (IniFormat) and
read here through `app.settings`, where each option is declared once, so the Qt-free
command line sees the same choices, with the same defaults and bounds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from app import APP_NAME, settings
from app.store.paths import default_data_dir as store_default_data_dir
from app.store.paths import demo_data_dir

DEFAULT_SERVER_URL = settings.SERVER_URL.default


def config_dir() -> Path:
    return Path(os.environ.get("FIELDDESK_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    """The INI file QSettings writes (the window) and `app.settings` reads (the CLI)."""
    return config_dir() / f"{APP_NAME}.ini"


def default_data_dir(*, demo: bool = False) -> Path:
    """The user data directory; the demo gets its own so demo and real data never mix.

    The store's own default (`app.store.paths`) decides where real data lives, so the
    window, the CLI and the store can never disagree about it.
    """
    if demo:
        return demo_data_dir()
    return store_default_data_dir()


def resolve_data_dir(option: str | None) -> Path:
    return Path(option) if option else store_default_data_dir()


def stored_settings() -> Mapping[str, str]:
    return settings.read_ini(settings_path())


def resolve_server_url(option: str | None) -> str:
    return resolve_server(option)[0]


def resolve_server(option: str | None) -> tuple[str, str]:
    """(the GraphQL URL, where it came from) so a message can name the right place to fix."""
    option_spec = settings.SERVER_URL
    if option:
        return graphql_url_of(option), "the --server option"
    if option_spec.env and os.environ.get(option_spec.env):
        return graphql_url_of(os.environ[option_spec.env]), option_spec.env
    stored = stored_settings().get(option_spec.path)
    if stored:
        return graphql_url_of(option_spec.parse(stored)), f"the settings file ({settings_path()})"
    return DEFAULT_SERVER_URL, "the default"


def graphql_url_of(url: str) -> str:
    """Accept the server's base address as well as its GraphQL endpoint.

    `http://127.0.0.1:8765` and `https://api.sentera.com/` mean the `/graphql` below
    them; any other path is taken as given (a proxy may mount the API elsewhere).
    """
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    host, slash, path = rest.partition("/")
    if not slash or not path.strip("/"):
        return f"{scheme}://{host}/graphql"
    return text


def resolve_request_deadline(option: float | None) -> float:
    """Seconds one request may take in all: --deadline, FIELDDESK_REQUEST_DEADLINE, the
    settings file's [network] request_deadline, or 120."""
    return settings.value_of(settings.REQUEST_DEADLINE, stored_settings(), override=option)


def resolve_concurrency(option: int | None) -> int:
    return settings.value_of(settings.CONCURRENCY, stored_settings(), override=option or None)


def base_url_of(graphql_url: str) -> str:
    """`https://host/graphql` -> `https://host`: where the OAuth endpoints live."""
    trimmed = graphql_url.rstrip("/")
    return trimmed[: -len("/graphql")] if trimmed.endswith("/graphql") else trimmed


def oauth_client() -> tuple[str, str]:
    """FieldDesk's OAuth registration with the server: (client id, client secret).

    Sentera registers each client application; the values come from the environment
    or the settings file (`--demo` uses the simulator's). Empty when not configured:
    the browser sign-in then explains that, and the other two ways in still work.
    """
    stored = stored_settings()
    return (
        settings.value_of(settings.OAUTH_CLIENT_ID, stored),
        settings.value_of(settings.OAUTH_CLIENT_SECRET, stored),
    )
