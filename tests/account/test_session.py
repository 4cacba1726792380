"""AccountManager against the simulator: every way in, refresh, sign-out, FIELDDESK_TOKEN."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from app.account.errors import ServerUnreachable, WrongCredentials
from app.account.session import TOKEN_ENV, AccountManager
from app.account.token_store import RunOnlyKeyring, SignInMethod, TokenStore
from app.api.auth import RefreshingTokenProvider, StaticTokenProvider, refresh_tokens
from app.api.client import FieldAgentClient
from app.api.errors import AuthError, SignedOut
from app.simulator.server import Simulator

from .helpers import oauth_for, play_browser


def browser_sign_in(manager: AccountManager) -> None:
    manager.sign_in_with_browser(open_browser=play_browser, timeout=10)


def unauthorized_count(sim: Simulator) -> int:
    return sum(1 for record in sim.request_log.snapshot() if record.status == 401)


def test_browser_sign_in_stores_refreshable_tokens(
    sim: Simulator, manager: AccountManager, memory_store: TokenStore
) -> None:
    assert not manager.signed_in
    assert manager.account_label == "Not signed in"
    browser_sign_in(manager)
    stored = memory_store.load()
    assert stored is not None
    assert stored.method is SignInMethod.BROWSER
    assert stored.tokens.refresh_token
    assert stored.redirect_uri and stored.redirect_uri.startswith("http://127.0.0.1:")
    assert manager.signed_in
    assert manager.account_label == f"Signed in as {sim.demo_user_email}"
    with FieldAgentClient(sim.graphql_url, manager.token_provider()) as client:
        assert client.current_user()["email"] == sim.demo_user_email


def test_pasted_token(sim: Simulator, manager: AccountManager, memory_store: TokenStore) -> None:
    manager.sign_in_with_token(f"  {sim.demo_token}\n")
    stored = memory_store.load()
    assert stored is not None and stored.method is SignInMethod.TOKEN
    assert stored.tokens.access_token == sim.demo_token
    assert stored.tokens.refresh_token is None
    assert manager.account_label == f"Signed in as {sim.demo_user_email}"


def test_a_pasted_token_the_server_rejects_is_not_kept(
    manager: AccountManager, memory_store: TokenStore
) -> None:
    with pytest.raises(WrongCredentials, match="did not accept this access token"):
        manager.sign_in_with_token("not-a-token")
    with pytest.raises(WrongCredentials, match="Paste an access token"):
        manager.sign_in_with_token("   ")
    assert memory_store.load() is None
    assert not manager.signed_in


def test_legacy_password_session(
    sim: Simulator, manager: AccountManager, memory_store: TokenStore
) -> None:
    manager.sign_in_with_password(sim.demo_user_email, sim.demo_user_password)
    stored = memory_store.load()
    assert stored is not None and stored.method is SignInMethod.PASSWORD
    assert stored.tokens.refresh_token is None
    assert stored.tokens.expires_at is not None and stored.tokens.expires_at > time.time()
    with FieldAgentClient(sim.graphql_url, manager.token_provider()) as client:
        assert client.current_user()["email"] == sim.demo_user_email


def test_wrong_password(sim: Simulator, manager: AccountManager) -> None:
    with pytest.raises(WrongCredentials, match="email or password is not correct"):
        manager.sign_in_with_password(sim.demo_user_email, "wrong")
    assert not manager.signed_in


def test_server_down(sim: Simulator, manager: AccountManager) -> None:
    sim.stop()
    with pytest.raises(ServerUnreachable, match="cannot be reached"):
        manager.sign_in_with_password(sim.demo_user_email, sim.demo_user_password)
    with pytest.raises(ServerUnreachable):
        manager.sign_in_with_token(sim.demo_token)


def test_refresh_before_expiry_rotates_and_persists(
    sim: Simulator, memory_store: TokenStore
) -> None:
    now = [time.time()]
    manager = AccountManager(
        sim.base_url, memory_store, oauth_for(sim), environ={}, leeway=300, clock=lambda: now[0]
    )
    browser_sign_in(manager)
    first = memory_store.load()
    assert first is not None and first.tokens.expires_at is not None
    provider = manager.token_provider()
    assert provider.access_token() == first.tokens.access_token  # hours left: no refresh

    now[0] = first.tokens.expires_at - 60  # within the leeway
    fresh = provider.access_token()
    assert fresh != first.tokens.access_token
    stored = memory_store.load()
    assert stored is not None
    assert stored.tokens.access_token == fresh
    assert stored.tokens.refresh_token not in (None, first.tokens.refresh_token)
    assert stored.method is SignInMethod.BROWSER
    assert stored.redirect_uri == first.redirect_uri
    assert unauthorized_count(sim) == 0  # refreshed before the server had to refuse


def test_refresh_once_on_401_through_the_client(
    simulator_factory: Callable[..., Simulator],
) -> None:
    sim = simulator_factory(access_token_lifetime=3600)
    store = TokenStore(sim.base_url, backend=RunOnlyKeyring())
    manager = AccountManager(sim.base_url, store, oauth_for(sim), environ={})
    browser_sign_in(manager)
    before = store.load()
    assert before is not None
    sim.auth.advance_clock(3601)  # the server now considers the access token expired

    with FieldAgentClient(sim.graphql_url, manager.token_provider()) as client:
        page = client.organizations()
    assert page.results
    assert unauthorized_count(sim) == 1
    after = store.load()
    assert after is not None
    assert after.tokens.access_token != before.tokens.access_token
    assert after.tokens.refresh_token != before.tokens.refresh_token


def test_refresh_failure_signs_out_and_forgets_the_dead_tokens(
    sim: Simulator, manager: AccountManager, memory_store: TokenStore
) -> None:
    browser_sign_in(manager)
    stored = memory_store.load()
    assert stored is not None and stored.tokens.refresh_token
    sim.auth.revoke(
        {
            "client_id": sim.oauth_client_id,
            "client_secret": sim.oauth_client_secret,
            "token": stored.tokens.refresh_token,
        }
    )
    sim.auth.expire(stored.tokens.access_token)

    with (
        FieldAgentClient(sim.graphql_url, manager.token_provider()) as client,
        pytest.raises(SignedOut) as caught,
    ):
        client.organizations()
    assert caught.value.user_message == SignedOut.user_message_text
    assert not manager.signed_in
    manager.persist_worker_state()  # what the GUI does when a run ends signed out
    assert memory_store.load() is None
    assert manager.account_label == "Not signed in"


def test_sign_out_revokes_both_tokens_and_deletes_them(
    sim: Simulator, manager: AccountManager, memory_store: TokenStore
) -> None:
    browser_sign_in(manager)
    provider = manager.token_provider()
    assert isinstance(provider, RefreshingTokenProvider)
    tokens = provider.tokens

    result = manager.sign_out()
    assert result.revoked and result.message == "Signed out."
    assert memory_store.load() is None
    assert not manager.signed_in
    assert sim.auth.user_for(tokens.access_token) is None
    with pytest.raises(AuthError):
        refresh_tokens(
            sim.base_url,
            tokens,
            client_id=sim.oauth_client_id,
            client_secret=sim.oauth_client_secret,
            redirect_uri="http://127.0.0.1/callback",
        )


def test_sign_out_offline_still_forgets_and_can_remove_local_data(
    sim: Simulator, memory_store: TokenStore
) -> None:
    removed: list[bool] = []
    manager = AccountManager(
        sim.base_url,
        memory_store,
        oauth_for(sim),
        environ={},
        remove_local_data=lambda: removed.append(True),
    )
    manager.sign_in_with_password(sim.demo_user_email, sim.demo_user_password)
    sim.stop()
    result = manager.sign_out(also_remove_local_data=True)
    assert not result.revoked
    assert "could not be told" in result.message
    assert memory_store.load() is None
    assert removed == [True]


def test_rotated_tokens_are_stored_on_the_dispatching_thread(
    sim: Simulator, memory_store: TokenStore
) -> None:
    queued: list[Callable[[], None]] = []
    now = [time.time()]
    manager = AccountManager(
        sim.base_url,
        memory_store,
        oauth_for(sim),
        environ={},
        dispatch=queued.append,
        clock=lambda: now[0],
    )
    browser_sign_in(manager)
    before = memory_store.load()
    assert before is not None and before.tokens.expires_at is not None
    now[0] = before.tokens.expires_at
    manager.token_provider().access_token()
    assert len(queued) == 1
    assert memory_store.load() == before  # nothing written from the worker's side
    queued.pop()()  # the main thread runs what was dispatched
    after = memory_store.load()
    assert after is not None and after.tokens.refresh_token != before.tokens.refresh_token


def test_a_rotation_arriving_after_sign_out_is_dropped(
    sim: Simulator, memory_store: TokenStore
) -> None:
    queued: list[Callable[[], None]] = []
    now = [time.time()]
    manager = AccountManager(
        sim.base_url,
        memory_store,
        oauth_for(sim),
        environ={},
        dispatch=queued.append,
        clock=lambda: now[0],
    )
    browser_sign_in(manager)
    provider = manager.token_provider()
    now[0] += 10 * 3600
    provider.access_token()
    manager.sign_out()
    queued.pop()()
    assert memory_store.load() is None


def test_environment_token_wins_and_is_never_stored(
    sim: Simulator, memory_store: TokenStore
) -> None:
    manager = AccountManager(
        sim.base_url, memory_store, oauth_for(sim), environ={TOKEN_ENV: sim.demo_token}
    )
    assert manager.signed_in
    assert TOKEN_ENV in manager.account_label
    provider = manager.token_provider()
    assert isinstance(provider, StaticTokenProvider)
    assert provider.access_token() == sim.demo_token
    assert memory_store.load() is None


def test_not_signed_in_has_no_provider(manager: AccountManager) -> None:
    with pytest.raises(AuthError, match="not signed in"):
        manager.token_provider()


def test_a_stored_sign_in_is_picked_up_by_a_new_manager(
    sim: Simulator, manager: AccountManager, memory_store: TokenStore
) -> None:
    browser_sign_in(manager)
    again = AccountManager(sim.base_url, memory_store, oauth_for(sim), environ={})
    assert again.signed_in and again.method is SignInMethod.BROWSER
    token = again.token_provider().access_token()
    assert sim.auth.user_for(token) is not None
