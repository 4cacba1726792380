"""Sign-in as Sentera does it: OAuth2 code, refresh, revoke; legacy sessions; 401s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.simulator import Simulator

Factory = Callable[..., Simulator]
CALLBACK = "http://127.0.0.1:53682/callback"
USER_QUERY = {"query": "{ user { sentera_id email } }"}


def _status_with(sim: Simulator, header: str | None) -> int:
    headers = {"Authorization": header} if header is not None else {}
    return httpx.post(sim.graphql_url, json=USER_QUERY, headers=headers).status_code


def _authorize(sim: Simulator, **overrides: str) -> httpx.Response:
    params = {
        "client_id": sim.oauth_client_id,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": "read_fields",
        "state": "st4te/+x",
    }
    params.update(overrides)
    return httpx.get(f"{sim.base_url}/oauth/authorize", params=params)


def _query_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _token(sim: Simulator, **body: Any) -> httpx.Response:
    payload = {
        "client_id": sim.oauth_client_id,
        "client_secret": sim.oauth_client_secret,
        "redirect_uri": CALLBACK,
        **body,
    }
    return httpx.post(f"{sim.base_url}/oauth/token", json=payload)


def _sign_in(sim: Simulator) -> dict[str, Any]:
    code = _query_of(_authorize(sim))["code"]
    response = _token(sim, grant_type="authorization_code", code=code)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc:def"])
def test_graphql_needs_a_valid_token(simulator: Simulator, header: str | None) -> None:
    response = httpx.post(
        simulator.graphql_url, json=USER_QUERY, headers={"Authorization": header} if header else {}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert simulator.request_log[-1].status == 401


def test_demo_token_works(simulator: Simulator) -> None:
    assert _status_with(simulator, f"Bearer {simulator.demo_token}") == 200


def test_authorization_code_flow_echoes_state_and_mints_tokens(simulator: Simulator) -> None:
    redirect = _query_of(_authorize(simulator))
    assert redirect["state"] == "st4te/+x"

    response = _token(simulator, grant_type="authorization_code", code=redirect["code"])

    tokens = response.json()
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert set(tokens) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "created_at",
    }
    assert (tokens["token_type"], tokens["expires_in"], tokens["scope"]) == (
        "Bearer",
        28_800,
        "read_fields",
    )
    assert _status_with(simulator, f"Bearer {tokens['access_token']}") == 200


def test_a_code_is_single_use_and_bound_to_its_redirect_uri(simulator: Simulator) -> None:
    code = _query_of(_authorize(simulator))["code"]
    elsewhere = _token(
        simulator,
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://127.0.0.1:9/callback",
    )
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (400, "invalid_grant")

    code = _query_of(_authorize(simulator))["code"]
    assert _token(simulator, grant_type="authorization_code", code=code).status_code == 200
    again = _token(simulator, grant_type="authorization_code", code=code)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_bad_client_and_grant_type(simulator: Simulator) -> None:
    wrong = _token(simulator, grant_type="authorization_code", code="x", client_secret="nope")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    odd = _token(simulator, grant_type="password")
    assert (odd.status_code, odd.json()["error"]) == (400, "unsupported_grant_type")


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(simulator: Simulator) -> None:
    for overrides in (
        {"redirect_uri": "https://evil.example/callback"},
        {"client_id": "someone-else"},
    ):
        response = _authorize(simulator, **overrides)
        assert response.status_code == 400
        assert "location" not in response.headers


def test_unsupported_response_type_is_redirected_as_an_error(simulator: Simulator) -> None:
    redirect = _query_of(_authorize(simulator, response_type="token"))
    assert redirect == {"error": "unsupported_response_type", "state": "st4te/+x"}


def test_refresh_rotates_the_refresh_token(simulator: Simulator) -> None:
    first = _sign_in(simulator)

    second = _token(simulator, grant_type="refresh_token", refresh_token=first["refresh_token"])
    reused = _token(simulator, grant_type="refresh_token", refresh_token=first["refresh_token"])

    assert second.status_code == 200
    fresh = second.json()
    assert fresh["refresh_token"] != first["refresh_token"]
    assert fresh["access_token"] != first["access_token"]
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert _status_with(simulator, f"Bearer {fresh['access_token']}") == 200
    again = _token(simulator, grant_type="refresh_token", refresh_token=fresh["refresh_token"])
    assert again.status_code == 200


def test_access_tokens_expire_and_refresh_tokens_can_too(simulator_factory: Factory) -> None:
    sim = simulator_factory(access_token_lifetime=60, refresh_token_lifetime=600)
    tokens = _sign_in(sim)
    assert tokens["expires_in"] == 60

    sim.auth.advance_clock(61)
    assert _status_with(sim, f"Bearer {tokens['access_token']}") == 401
    assert _status_with(sim, f"Bearer {sim.demo_token}") == 200  # never expires
    renewed = _token(sim, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert _status_with(sim, f"Bearer {renewed.json()['access_token']}") == 200

    sim.auth.advance_clock(601)
    late = _token(sim, grant_type="refresh_token", refresh_token=renewed.json()["refresh_token"])
    assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")


def test_revoke_access_then_refresh(simulator: Simulator) -> None:
    tokens = _sign_in(simulator)
    creds = {"client_id": simulator.oauth_client_id, "client_secret": simulator.oauth_client_secret}
    revoke = f"{simulator.base_url}/oauth/revoke"

    reply = httpx.post(
        revoke, json={**creds, "token": tokens["access_token"], "token_type_hint": "access_token"}
    )
    assert (reply.status_code, reply.json()) == (200, {})
    assert _status_with(simulator, f"Bearer {tokens['access_token']}") == 401
    renewed = _token(simulator, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert renewed.status_code == 200  # revoking the access token leaves the refresh token

    refresh = renewed.json()["refresh_token"]
    httpx.post(revoke, json={**creds, "token": refresh, "token_type_hint": "refresh_token"})
    dead = _token(simulator, grant_type="refresh_token", refresh_token=refresh)
    assert (dead.status_code, dead.json()["error"]) == (400, "invalid_grant")
    bad_client = httpx.post(revoke, json={"client_id": "x", "client_secret": "y", "token": "z"})
    assert bad_client.status_code == 401


def test_legacy_session_token(simulator: Simulator) -> None:
    url = f"{simulator.base_url}/v1/sessions"
    session = {
        "email": simulator.demo_user_email,
        "password": simulator.demo_user_password,
        "platform_id": "API",
        "version_id": "1.0.0",
    }

    reply = httpx.post(url, json={"session": session})
    wrong = httpx.post(url, json={"session": dict(session, password="guess")})

    body = reply.json()
    assert reply.status_code == 200
    assert set(body) == {"auth_token", "user_sentera_id", "user_email", "status", "device_id"}
    assert body["user_email"] == simulator.demo_user_email
    assert _status_with(simulator, f"Bearer {body['auth_token']}") == 200
    assert _status_with(simulator, body["auth_token"]) == 200  # the raw form legacy clients send
    assert wrong.status_code == 401 and wrong.json()["status"] == "failure"
    assert httpx.post(url, json={"email": "x"}).status_code == 400


def test_sign_in_page_when_not_auto_approving(simulator_factory: Factory) -> None:
    sim = simulator_factory(oauth_auto_approve=False)
    page = _authorize(sim)
    assert page.status_code == 200 and "<form" in page.text and "st4te/+x" in page.text
    form = {
        "client_id": sim.oauth_client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "read_fields",
        "state": "s1",
        "email": sim.demo_user_email,
    }
    url = f"{sim.base_url}/oauth/authorize"

    wrong = httpx.post(url, data=dict(form, password="guess", decision="approve"))
    denied = _query_of(httpx.post(url, data=dict(form, decision="deny")))
    approved = _query_of(
        httpx.post(url, data=dict(form, password=sim.demo_user_password, decision="approve"))
    )

    assert wrong.status_code == 401
    assert (denied["error"], denied["state"]) == ("access_denied", "s1")
    assert approved["state"] == "s1"
    assert _token(sim, grant_type="authorization_code", code=approved["code"]).status_code == 200
