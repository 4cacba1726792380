"""The user's settings, each declared once: section, key, type, default and bounds.

The window stores them through QSettings (INI format) and the headless command reads
the same file without Qt; both turn what they find into a value with `Option.parse`,
so a hand-edited or out-of-range value means the same thing to both (concurrency
"100" is 64 in the window and in `fielddesk sync`). No Qt here: the CLI imports it.
View state (geometry, column widths, the last selection) is not a setting and stays
with the window (`app.ui.common.settings`).
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T", str, int, float, bool)

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True, slots=True)
class Option(Generic[T]):
    """One setting. `env` names an environment variable that overrides the file."""

    section: str
    key: str
    type: type[T]
    default: T
    low: float | None = None
    high: float | None = None
    env: str | None = None

    @property
    def path(self) -> str:
        """The QSettings key, "section/key"."""
        return f"{self.section}/{self.key}"

    def parse(self, raw: object) -> T:
        """`raw` (text from the file, or what QSettings returns) as this option's value:
        the default when missing or unreadable, clamped to the bounds when out of them."""
        if raw is None or raw == "":
            return self.default
        try:
            value = self._convert(raw)
        except (TypeError, ValueError):
            return self.default
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.low is not None and value < self.low:
                value = self.type(self.low)
            if self.high is not None and value > self.high:
                value = self.type(self.high)
        return value

    def _convert(self, raw: object) -> T:
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE or text in _FALSE:
                return text in _TRUE
            raise ValueError(text)
        if self.type is int:
            return int(float(str(raw)))  # type: ignore[return-value]
        if self.type is float:
            return float(str(raw))  # type: ignore[return-value]
        return str(raw)  # type: ignore[return-value]


SERVER_URL = Option("server", "url", str, "https://api.sentera.com/graphql", env="FIELDDESK_SERVER")
# The most requests a sync keeps in flight; the adaptive limiter finds how many the
# server answers without slowing, up to this.
CONCURRENCY = Option("sync", "concurrency", int, 32, low=1, high=64)
# The most seconds one exchange with FieldAgent may take in all, however the bytes
# trickle in: a server that answers too slowly fails that request, naming this.
REQUEST_DEADLINE = Option(
    "network", "request_deadline", float, 120.0, low=1, high=3600, env="FIELDDESK_REQUEST_DEADLINE"
)
SYNC_ON_RECONNECT = Option("sync", "on_reconnect", bool, True)
SYNC_PERIODIC_MINUTES = Option("sync", "periodic_minutes", float, 30.0, low=0, high=24 * 60)
SYNC_ON_START = Option("sync", "on_start", bool, False)
OAUTH_CLIENT_ID = Option("oauth", "client_id", str, "", env="FIELDDESK_OAUTH_CLIENT_ID")
OAUTH_CLIENT_SECRET = Option("oauth", "client_secret", str, "", env="FIELDDESK_OAUTH_CLIENT_SECRET")
# "auto" (the locale's measurement system), "metric" or "us": see app.units.
UNIT_SYSTEM = Option("display", "unit_system", str, "auto")
# FieldAgent's web app, for "Open FieldAgent on the web".
WEB_URL = Option("web", "url", str, "https://fieldagent.sentera.com/")

# Imagery offline. An empty folder means `imagery/` in the data folder; a budget that is
# not a positive number means the default, min(20 GB, 25 % of the free space).
LIBRARY_DIR = Option("files", "library_dir", str, "", env="FIELDDESK_LIBRARY_DIR")
IMAGERY_BUDGET_GB = Option(
    "files", "budget_gb", float, 0.0, low=0, env="FIELDDESK_IMAGERY_BUDGET_GB"
)

OPTIONS: tuple[Option[str] | Option[int] | Option[float] | Option[bool], ...] = (
    SERVER_URL,
    CONCURRENCY,
    REQUEST_DEADLINE,
    SYNC_ON_RECONNECT,
    SYNC_PERIODIC_MINUTES,
    SYNC_ON_START,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    LIBRARY_DIR,
    IMAGERY_BUDGET_GB,
    UNIT_SYSTEM,
    WEB_URL,
)


def _ini_text(value: str) -> str:
    """A value as QSettings writes it to an INI file: quoted when it has to be, with
    backslash escapes inside the quotes."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner, out, i = value[1:-1], [], 0
        while i < len(inner):
            if inner[i] == "\\" and i + 1 < len(inner):
                i += 1
            out.append(inner[i])
            i += 1
        return "".join(out)
    return value


def read_ini(path: Path) -> Mapping[str, str]:
    """The "section/key" → text of a QSettings INI file; empty if it cannot be read."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return {}
    found: dict[str, str] = {}
    for section in parser.sections():
        for key, value in parser.items(section, raw=True):
            prefix = "" if section == "General" else f"{section}/"
            found[f"{prefix}{key}"] = _ini_text(value)
    return found


def value_of(option: Option[T], stored: Mapping[str, str], *, override: object = None) -> T:
    """The effective value: an explicit `override` (a command-line option), then the
    option's environment variable, then the file, then the default."""
    if override is not None and override != "":
        return option.parse(override)
    if option.env and os.environ.get(option.env):
        return option.parse(os.environ[option.env])
    return option.parse(stored.get(option.path))
