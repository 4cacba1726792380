"""Sign-in and token renewal against the simulator's real OAuth and legacy endpoints."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.api import (
    AuthError,
    FieldAgentClient,
    InvalidServerUrl,
    ServerError,
    StaticTokenProvider,
    oauth,
)
from app.api.auth import OAuthTokens, RefreshingTokenProvider
from app.api.errors import SignedOut
from app.simulator import Simulator
from tests.api.conftest import CALLBACK, Factory, oauth_settings, sign_in


def provider_for(
    sim: Simulator, tokens: OAuthTokens, rotated: list[OAuthTokens], leeway: float = 300.0
) -> RefreshingTokenProvider:
    refresh = oauth.oauth_refresher(sim.base_url, **oauth_settings(sim))
    return RefreshingTokenProvider(tokens, refresh, on_rotated=rotated.append, leeway=leeway)


def names(sim: Simulator) -> list[tuple[str, int]]:
    return [(r.query_name, r.status) for r in sim.request_log]


def test_authorization_url_carries_what_the_server_needs() -> None:
    url = oauth.authorization_url(
        "https://api.sentera.com/", "cid", CALLBACK, "st/+", "read_fields"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "api.sentera.com",
        "/oauth/authorize",
    )
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "client_id": "cid",
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": "read_fields",
        "state": "st/+",
    }
    with pytest.raises(InvalidServerUrl):
        oauth.authorization_url("http://api.sentera.com", "cid", CALLBACK, "s", "read_fields")
    assert oauth.new_state() != oauth.new_state()


def test_code_flow_yields_tokens_that_work(simulator: Simulator) -> None:
    tokens = sign_in(simulator)
    assert tokens.refresh_token and tokens.account == simulator.demo_user_email
    assert tokens.expires_at is not None
    provider = provider_for(simulator, tokens, [])
    with FieldAgentClient(simulator.graphql_url, provider) as client:
        assert client.current_user()["email"] == simulator.demo_user_email


def test_401_refreshes_once_and_the_request_succeeds(simulator: Simulator) -> None:
    tokens = sign_in(simulator)
    rotated: list[OAuthTokens] = []
    provider = provider_for(simulator, tokens, rotated)
    simulator.request_log.clear()
    simulator.faults.add("expire_token", invalidate=True, query="sync_fields")
    org = simulator.dataset.organizations()[0]["sentera_id"]
    with FieldAgentClient(simulator.graphql_url, provider) as client:
        page = client.sync_fields(org, [])
    assert page.upserted
    assert names(simulator) == [("sync_fields", 401), ("oauth_token", 200), ("sync_fields", 200)]
    assert len(rotated) == 1 and rotated[0].refresh_token != tokens.refresh_token
    assert provider.tokens == rotated[0]
    # The spent refresh token is dead: rotation really happened on the server.
    with pytest.raises(AuthError):
        oauth.refresh_tokens(simulator.base_url, tokens, **oauth_settings(simulator))


def test_second_401_after_refresh_is_an_auth_error(simulator: Simulator) -> None:
    provider = provider_for(simulator, sign_in(simulator), [])
    simulator.request_log.clear()
    simulator.faults.add("expire_token", times=2)
    with (
        FieldAgentClient(simulator.graphql_url, provider) as client,
        pytest.raises(AuthError) as err,
    ):
        client.organizations()
    assert isinstance(err.value, SignedOut)
    assert names(simulator) == [
        ("organizations", 401),
        ("oauth_token", 200),
        ("organizations", 401),
    ]


def test_refused_refresh_signs_out_and_stops_asking(simulator: Simulator) -> None:
    tokens = sign_in(simulator)
    assert tokens.refresh_token is not None
    oauth.revoke(simulator.base_url, token=tokens.refresh_token, **_client(simulator))
    provider = provider_for(simulator, tokens, [])
    simulator.faults.add("expire_token", times=None)
    with FieldAgentClient(simulator.graphql_url, provider) as client:
        with pytest.raises(AuthError) as err:
            client.current_user()
        assert err.value.user_message == "Signed out — sign in to continue"
        assert provider.signed_out
        before = len(simulator.request_log)
        with pytest.raises(AuthError):
            client.current_user()
    assert len(simulator.request_log) == before  # nothing sent once signed out


def test_refreshes_shortly_before_expiry(simulator_factory: Factory) -> None:
    sim = simulator_factory(access_token_lifetime=120)
    tokens = sign_in(sim)
    rotated: list[OAuthTokens] = []
    provider = provider_for(sim, tokens, rotated, leeway=300)
    sim.request_log.clear()
    with FieldAgentClient(sim.graphql_url, provider) as client:
        client.current_user()
    assert names(sim) == [("oauth_token", 200), ("user", 200)]
    assert len(rotated) == 1


def test_token_endpoint_down_keeps_a_valid_token(simulator_factory: Factory) -> None:
    sim = simulator_factory(access_token_lifetime=120)
    provider = provider_for(sim, sign_in(sim), [], leeway=300)
    sim.faults.add("http_status", status=503, query="oauth_token")
    with FieldAgentClient(sim.graphql_url, provider) as client:
        assert client.current_user()["email"] == sim.demo_user_email
    assert not provider.signed_out
    sim.faults.add("http_status", status=503, query="oauth_token")
    with pytest.raises(ServerError):
        oauth.refresh_tokens(sim.base_url, provider.tokens, **oauth_settings(sim))


def _client(sim: Simulator) -> dict[str, Any]:
    return {"client_id": sim.oauth_client_id, "client_secret": sim.oauth_client_secret}


def test_revoking_the_access_token_ends_its_use(simulator: Simulator) -> None:
    tokens = sign_in(simulator)
    oauth.revoke(
        simulator.base_url,
        token=tokens.access_token,
        token_type_hint="access_token",
        **_client(simulator),
    )
    provider = StaticTokenProvider(tokens.access_token)
    with FieldAgentClient(simulator.graphql_url, provider) as c, pytest.raises(AuthError):
        c.current_user()


def test_wrong_client_secret_points_at_the_settings(simulator: Simulator) -> None:
    settings = oauth_settings(simulator) | {"client_secret": "nope"}
    with pytest.raises(AuthError) as err:
        oauth.exchange_code(simulator.base_url, code="whatever", **settings)
    assert "settings" in err.value.user_message


def test_bad_code_is_refused(simulator: Simulator) -> None:
    with pytest.raises(AuthError) as err:
        oauth.exchange_code(simulator.base_url, code="made-up", **oauth_settings(simulator))
    assert isinstance(err.value, SignedOut)


def test_legacy_session(simulator: Simulator) -> None:
    tokens = oauth.legacy_session(
        simulator.base_url, simulator.demo_user_email, simulator.demo_user_password
    )
    assert tokens.refresh_token is None and tokens.account == simulator.demo_user_email
    with FieldAgentClient(simulator.graphql_url, StaticTokenProvider(tokens.access_token)) as c:
        assert c.current_user()["email"] == simulator.demo_user_email
    with pytest.raises(AuthError) as err:
        oauth.legacy_session(simulator.base_url, simulator.demo_user_email, "wrong")
    assert err.value.user_message == "The email or password is not correct."


def test_no_token_secret_or_password_reaches_the_log(
    simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("", "httpx", "httpcore", "app"):
        caplog.set_level(logging.DEBUG, logger=name)
    tokens = sign_in(simulator)
    legacy = oauth.legacy_session(
        simulator.base_url, simulator.demo_user_email, simulator.demo_user_password
    )
    rotated: list[OAuthTokens] = []
    provider = provider_for(simulator, tokens, rotated)
    simulator.faults.add("expire_token", invalidate=True)
    with FieldAgentClient(simulator.graphql_url, provider) as client:
        survey = simulator.dataset.survey_ids()[0]
        client.sync_mosaics(survey, ["h1", "h2"])
        simulator.faults.add("http_status", status=503)
        with pytest.raises(ServerError):
            client.sync_mosaics(survey, ["h1", "h2"])
    with FieldAgentClient(simulator.graphql_url, StaticTokenProvider(legacy.access_token)) as c:
        simulator.faults.add("expire_token")
        with pytest.raises(AuthError):
            c.current_user()
    secrets = [
        tokens.access_token,
        tokens.refresh_token,
        rotated[0].access_token,
        rotated[0].refresh_token,
        legacy.access_token,
        simulator.demo_token,
        simulator.oauth_client_secret,
        simulator.demo_user_password,
    ]
    assert any(r.name.startswith("app.api") for r in caplog.records)
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    text = "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''} {r.__dict__!r}" for r in caplog.records
    )
    for secret in secrets:
        assert secret and secret not in text
