"""The token store: one keyring entry per server, the real Secret Service, no-keyring fallback.

Tests marked `keyring` talk to a real Secret Service (gnome-keyring on a private D-Bus):
run them with `.ci/with-keyring python -m pytest tests/account -m keyring`.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked

from app.account.session import AccountManager
from app.account.token_store import (
    NO_KEYRING_NOTICE,
    SERVICE_NAME,
    RunOnlyKeyring,
    SignInMethod,
    StoredSignIn,
    TokenStore,
    keyring_is_usable,
)
from app.api.auth import OAuthTokens
from app.simulator.server import Simulator

from .helpers import oauth_for, play_browser

SIGNIN = StoredSignIn(
    OAuthTokens("access-AAA", "refresh-RRR", 1_900_000_000.5, "agronomist@example.com"),
    SignInMethod.BROWSER,
    redirect_uri="http://127.0.0.1:5555/callback",
)


def test_a_sign_in_survives_the_round_trip_through_one_secret() -> None:
    backend = RunOnlyKeyring()
    store = TokenStore("https://api.example.com/", backend=backend)
    assert store.load() is None
    store.save(SIGNIN)
    assert store.load() == SIGNIN
    # One entry, keyed by the server URL without its trailing slash.
    assert backend.get_password(SERVICE_NAME, "https://api.example.com") is not None
    assert TokenStore("https://api.example.com", backend=backend).load() == SIGNIN
    assert TokenStore("https://other.example.com", backend=backend).load() is None
    store.delete()
    store.delete()  # deleting what is gone is fine
    assert store.load() is None


def test_the_repr_of_a_stored_sign_in_hides_the_tokens() -> None:
    text = repr(SIGNIN)
    assert "access-AAA" not in text and "refresh-RRR" not in text


@pytest.mark.parametrize(
    "secret",
    [
        "not json",
        "[]",
        '{"format": 99}',
        '{"format": 1, "method": "browser"}',
        '{"format": 1, "method": "carrier-pigeon", "access_token": "a"}',
        '{"format": 1, "method": "token", "access_token": "a", "expires_at": "soon"}',
    ],
)
def test_an_unreadable_entry_counts_as_signed_out(secret: str) -> None:
    backend = RunOnlyKeyring()
    backend.set_password(SERVICE_NAME, "https://api.example.com", secret)
    assert TokenStore("https://api.example.com", backend=backend).load() is None


def test_which_backends_count_as_a_keyring() -> None:
    assert not keyring_is_usable(fail.Keyring())
    assert not keyring_is_usable(RunOnlyKeyring())


@pytest.fixture
def no_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """keyring's own "no backend" keyring, and a private home to prove nothing is written."""
    home = tmp_path / "home"
    home.mkdir()
    for name, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        monkeypatch.setenv(name, str(home / sub))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield home
    keyring.set_keyring(previous)


def test_without_a_keyring_the_sign_in_lasts_this_run_only(
    no_keyring: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Logged at INFO: the notice is what the user sees, once, where it matters.
    caplog.set_level(logging.INFO, logger="app.account.token_store")
    store = TokenStore("https://api.example.com")
    assert not store.persistent
    assert store.notice == NO_KEYRING_NOTICE
    assert "no usable system keyring" in caplog.text.lower()
    store.save(SIGNIN)
    # Another store of this run (the dialog's, the manager's) sees the same sign-in...
    assert TokenStore("https://api.example.com").load() == SIGNIN
    # ...and nothing of it reached the disk.
    for path in no_keyring.rglob("*"):
        if path.is_file():
            assert b"access-AAA" not in path.read_bytes()
    store.delete()
    assert TokenStore("https://api.example.com").load() is None


def test_the_manager_reports_the_no_keyring_notice(no_keyring: Path, sim: Simulator) -> None:
    manager = AccountManager(sim.base_url, TokenStore(sim.base_url), oauth_for(sim), environ={})
    manager.sign_in_with_token(sim.demo_token)
    assert manager.storage_notice == NO_KEYRING_NOTICE
    assert AccountManager(
        sim.base_url, TokenStore(sim.base_url), oauth_for(sim), environ={}
    ).signed_in


class _LockedKeyring:
    """Stands in for a keyring that stays locked: making a real one refuse needs a user
    to dismiss its unlock prompt, which cannot happen in a test."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("locked")


def test_a_keyring_that_refuses_falls_back_to_memory_and_says_so() -> None:
    store = TokenStore("https://api.example.com", backend=_LockedKeyring())  # type: ignore[arg-type]
    assert store.persistent
    assert store.load() is None
    store.save(SIGNIN)
    assert not store.persistent
    assert store.notice is not None and "refused" in store.notice
    assert store.load() == SIGNIN


# -- the real Secret Service ---------------------------------------------------------------


@pytest.fixture
def secret_service() -> KeyringBackend:
    """The Secret Service backend, or a skip (a failure under .ci/with-keyring)."""
    from keyring.backends import SecretService

    try:
        backend = SecretService.Keyring()
        backend.get_password(SERVICE_NAME, f"probe-{uuid.uuid4()}")
        usable = keyring_is_usable(backend)
    except Exception as exc:
        reason = f"no Secret Service is reachable ({type(exc).__name__}: {exc})"
        if os.environ.get("FIELDDESK_REQUIRE_KEYRING"):
            pytest.fail(reason)
        pytest.skip(f"{reason}; run under .ci/with-keyring")
    assert usable
    return backend


def secret_tool_lookup(server_url: str) -> str | None:
    """What libsecret itself finds for the entry (None: no such entry)."""
    tool = shutil.which("secret-tool")
    if tool is None:
        return keyring.get_keyring().get_password(SERVICE_NAME, server_url)
    found = subprocess.run(
        [tool, "lookup", "service", SERVICE_NAME, "username", server_url],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout if found.returncode == 0 else None


@pytest.mark.keyring
def test_the_secret_service_keeps_one_entry_per_server(secret_service: KeyringBackend) -> None:
    url = f"https://api-{uuid.uuid4().hex[:8]}.example.com"
    store = TokenStore(url, backend=secret_service)
    assert store.persistent
    try:
        store.save(SIGNIN)
        assert TokenStore(url, backend=secret_service).load() == SIGNIN
        stored = secret_tool_lookup(url)
        assert stored is not None and "refresh-RRR" in stored
    finally:
        store.delete()
    assert secret_tool_lookup(url) is None
    assert store.load() is None


@pytest.mark.keyring
def test_sign_in_refresh_and_sign_out_with_the_system_keyring(
    secret_service: KeyringBackend, sim: Simulator
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(secret_service)
    try:
        store = TokenStore(sim.base_url)  # the default backend, as the app uses it
    finally:
        keyring.set_keyring(previous)
    assert store.persistent and store.notice is None
    now = [time.time()]
    manager = AccountManager(sim.base_url, store, oauth_for(sim), environ={}, clock=lambda: now[0])
    try:
        manager.sign_in_with_browser(open_browser=play_browser, timeout=10)
        first = StoredSignIn.from_secret(secret_tool_lookup(sim.base_url) or "")
        assert first.tokens.refresh_token

        assert first.tokens.expires_at is not None
        now[0] = first.tokens.expires_at  # expiring: the provider refreshes first
        manager.token_provider().access_token()
        rotated = StoredSignIn.from_secret(secret_tool_lookup(sim.base_url) or "")
        assert rotated.tokens.refresh_token != first.tokens.refresh_token

        assert manager.sign_out().revoked
        assert secret_tool_lookup(sim.base_url) is None
    finally:
        store.delete()
