"""The pieces `AppSession` is built from that need no session: the demo's keyring,
the timings tests shrink, the sign-out question and its answer, and removing
the local database once it is closed."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QMessageBox, QWidget

from app.account.loopback import DEFAULT_TIMEOUT
from app.api.auth import OAuthTokens
from app.store import DB_FILENAME
from app.store.migrate import BACKUP_DIRNAME
from app.sync.retry import RetryPolicy
from app.ui.common.browser import open_url_without_secrets
from app.ui.common.plain import make_plain
from app.ui.common.preferences import AutoSyncSettings
from app.ui.session.connectivity import ProbeTimings

log = logging.getLogger(__name__)

__all__ = [
    "MemoryKeyring",
    "SessionTuning",
    "remove_local_database",
    "sign_out_message",
    "sign_out_question",
]


class MemoryKeyring(KeyringBackend):
    """Secrets kept in this object only: for the demo, whose throwaway sign-in must
    never reach the user's real keyring. keyring itself never selects it (not viable)."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("only used when FieldDesk asks for it")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._secrets.pop((service, username), None)


@dataclass(frozen=True, slots=True)
class SessionTuning:
    """Timings and hooks tests change; the defaults are the app's."""

    probe: ProbeTimings = field(default_factory=ProbeTimings)
    settle_ms: int = AutoSyncSettings().settle_ms
    first_sync: bool = True  # fetch a never-synced catalogue as soon as FieldAgent answers
    retry: RetryPolicy | None = None  # None: the engine's default policy
    use_network_information: bool = True
    browser_timeout: float = DEFAULT_TIMEOUT
    open_url: Callable[[QUrl], bool] = open_url_without_secrets


def sign_out_question(parent: QWidget | None, server: str) -> tuple[QMessageBox, QAbstractButton]:
    """The confirmation (window-modal, call `open()`): the box and its "Sign out" button.

    Local data stays unless the box's check box is ticked.
    """
    box = make_plain(QMessageBox(parent))  # the server's address is the user's text
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Sign out")
    box.setText(f"Sign out of FieldAgent at {server}?")
    box.setInformativeText(
        "The data on this computer stays, so you can keep browsing it offline. "
        "Removing it closes FieldDesk's window and opens it again, empty."
    )
    box.setCheckBox(QCheckBox("Also remove the data on this computer", box))
    sign_out = box.addButton("Sign out", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    return box, sign_out


def sign_out_message(tokens: OAuthTokens | None, revoked: bool) -> str:
    """What the status bar says once the server has (or has not) been told."""
    if tokens is None or revoked:
        return "Signed out."
    return (
        "Signed out of FieldDesk. FieldAgent could not be told right now; "
        "the old sign-in will expire by itself."
    )


def remove_local_database(data_dir: Path) -> None:
    """Delete the catalogue database (with its WAL files and pre-upgrade backups).

    Only call it once the store is closed and no sync runs. Logs and settings stay:
    they hold no catalogue data and no secrets.
    """
    database = data_dir / DB_FILENAME
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            log.error("could not remove %s: %s", path.name, error)
    backups = data_dir / BACKUP_DIRNAME
    if backups.is_dir():
        shutil.rmtree(backups, ignore_errors=True)
    log.info("removed the local data in %s", data_dir)
