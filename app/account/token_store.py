"""The one place FieldDesk keeps sign-in secrets: the OS keyring, or memory for this run.

Each server URL gets ONE keyring entry (service "FieldDesk", user name = the server
URL) holding a small JSON document: access token, refresh token, expiry, account, how
the user signed in and the redirect URI the refresh grant must repeat. One entry, not
one per field, because a rotated refresh token replaces the old one on the server at
once: writing the pair as a single secret means a crash can never leave a new access
token beside a spent refresh token.

When the machine has no usable keyring (a headless Linux without Secret Service, or a
keyring that refuses to store), the sign-in is kept in memory for this run only and
:attr:`TokenStore.notice` says so plainly. There is no fallback to a file: FieldDesk
never writes a token to disk itself.

Keyring backends may prompt the user (unlock dialogs), so every method is meant for
the main thread; the sync worker gets a token provider, never this store.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from app import APP_NAME
from app.api.auth import OAuthTokens

log = logging.getLogger(__name__)

__all__ = [
    "NO_KEYRING_NOTICE",
    "SERVICE_NAME",
    "RunOnlyKeyring",
    "SignInMethod",
    "StoredSignIn",
    "TokenStore",
    "keyring_is_usable",
]

SERVICE_NAME = APP_NAME
NO_KEYRING_NOTICE = (
    "Your sign-in will be kept only until FieldDesk closes: no system keyring is available"
)
_FORMAT = 1


class SignInMethod(StrEnum):
    BROWSER = "browser"  # OAuth authorization code: refreshable
    TOKEN = "token"  # an access token the user pasted
    PASSWORD = "password"  # the legacy email/password session


@dataclass(frozen=True, slots=True)
class StoredSignIn:
    """One server's sign-in, as kept in the keyring (tokens hidden from repr)."""

    tokens: OAuthTokens
    method: SignInMethod
    redirect_uri: str | None = None  # the refresh grant sends the sign-in's redirect URI

    def to_secret(self) -> str:
        return json.dumps(
            {
                "format": _FORMAT,
                "method": self.method.value,
                "access_token": self.tokens.access_token,
                "refresh_token": self.tokens.refresh_token,
                "expires_at": self.tokens.expires_at,
                "account": self.tokens.account,
                "redirect_uri": self.redirect_uri,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_secret(cls, secret: str) -> StoredSignIn:
        """Parse a stored entry; ValueError (never echoing the secret) if it is not ours."""
        try:
            data: Any = json.loads(secret)
        except ValueError:
            raise ValueError("the stored sign-in is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError("the stored sign-in has an unknown format")
        access, refresh = data.get("access_token"), data.get("refresh_token")
        expires_at, account = data.get("expires_at"), data.get("account")
        redirect_uri = data.get("redirect_uri")
        if not isinstance(access, str) or not access:
            raise ValueError("the stored sign-in has no access token")
        if refresh is not None and not isinstance(refresh, str):
            raise ValueError("the stored refresh token is not text")
        if expires_at is not None and not isinstance(expires_at, int | float):
            raise ValueError("the stored expiry is not a number")
        if account is not None and not isinstance(account, str):
            raise ValueError("the stored account is not text")
        if redirect_uri is not None and not isinstance(redirect_uri, str):
            raise ValueError("the stored redirect URI is not text")
        method = SignInMethod(str(data.get("method")))
        tokens = OAuthTokens(
            access, refresh, None if expires_at is None else float(expires_at), account
        )
        return cls(tokens=tokens, method=method, redirect_uri=redirect_uri)


class RunOnlyKeyring:
    """Secrets in this process's memory, gone when it exits: the no-keyring fallback.

    Shared by every store of the run (see :meth:`shared`), so the dialog and the
    account manager see the same sign-in. It has the keyring backend methods the store
    uses but is deliberately not a keyring backend: keyring must never pick it.
    """

    _shared: RunOnlyKeyring | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._secrets: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> RunOnlyKeyring:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._secrets.pop((service, username), None) is None:
                raise PasswordDeleteError("no such entry")

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()


def keyring_is_usable(backend: KeyringBackend | RunOnlyKeyring) -> bool:
    """Whether `backend` stores secrets somewhere that outlives this run, and not in clear."""
    if isinstance(backend, fail.Keyring | null.Keyring | RunOnlyKeyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(keyring_is_usable(inner) for inner in backend.backends)
    # keyrings.alt's PlaintextKeyring writes the secret to a file as it is.
    return type(backend).__name__ != "PlaintextKeyring"


def _server_key(server_url: str) -> str:
    return server_url.strip().rstrip("/")


class TokenStore:
    """Load, save and delete one server's sign-in (main thread only)."""

    def __init__(
        self, server_url: str, *, backend: KeyringBackend | RunOnlyKeyring | None = None
    ) -> None:
        self._key = _server_key(server_url)
        chosen = backend if backend is not None else keyring.get_keyring()
        self._notice: str | None = None
        if keyring_is_usable(chosen):
            self._backend: KeyringBackend | RunOnlyKeyring = chosen
        elif isinstance(chosen, RunOnlyKeyring):
            self._use_memory(NO_KEYRING_NOTICE, chosen)
        else:
            # Said once, where it matters (signing in, or a command that needs the
            # stored sign-in): `notice` carries it. A log warning here repeated it
            # on every command, even with FIELDDESK_TOKEN set.
            log.info(
                "No usable system keyring (%s.%s); keeping the sign-in in memory",
                type(chosen).__module__,
                type(chosen).__qualname__,
            )
            self._use_memory(NO_KEYRING_NOTICE)
        self._lock = threading.Lock()

    @property
    def server_url(self) -> str:
        return self._key

    @property
    def persistent(self) -> bool:
        """False when the sign-in lasts only until FieldDesk closes."""
        return self._notice is None

    @property
    def notice(self) -> str | None:
        """A sentence for the user when the sign-in is not kept across restarts."""
        return self._notice

    def load(self) -> StoredSignIn | None:
        with self._lock:
            try:
                secret = self._backend.get_password(SERVICE_NAME, self._key)
            except KeyringError as exc:
                log.warning("Could not read the sign-in from the keyring: %s", type(exc).__name__)
                return None
        if secret is None:
            return None
        try:
            return StoredSignIn.from_secret(secret)
        except ValueError as exc:
            log.warning("Ignoring an unreadable stored sign-in: %s", exc)
            return None

    def save(self, signin: StoredSignIn) -> None:
        """Store the whole sign-in as one secret, replacing any earlier one."""
        secret = signin.to_secret()
        with self._lock:
            try:
                self._backend.set_password(SERVICE_NAME, self._key, secret)
            except KeyringError as exc:
                log.warning("The keyring refused the sign-in: %s", type(exc).__name__)
                self._use_memory(
                    "Your sign-in will be kept only until FieldDesk closes: "
                    "the system keyring refused to store it"
                )
                self._backend.set_password(SERVICE_NAME, self._key, secret)
        log.debug("Stored the sign-in for %s (%s)", self._key, signin.method.value)

    def delete(self) -> None:
        """Forget the sign-in; deleting what is not there is not an error.

        Raises KeyringError when the keyring refuses (e.g. stays locked): the caller
        must tell the user the secret is still there rather than claim it is gone.
        """
        with self._lock:
            try:
                self._backend.delete_password(SERVICE_NAME, self._key)
            except PasswordDeleteError:
                pass
            except KeyringError as exc:
                log.warning("Could not delete the sign-in from the keyring: %s", type(exc).__name__)
                raise
        log.debug("Deleted the stored sign-in for %s", self._key)

    def _use_memory(self, notice: str, backend: RunOnlyKeyring | None = None) -> None:
        self._backend = backend or RunOnlyKeyring.shared()
        self._notice = notice
