"""Sign-in and refresh calls have the same total deadline as GraphQL requests.

The simulator's trickle fault makes its token and session endpoints drip their answer:
every piece arrives well within the read timeout, so only the total deadline can end
the call. Real HTTP on loopback; the deadline is shortened through the calls' own
`deadline` setting.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.api import oauth
from app.api.auth import OAuthTokens, RefreshingTokenProvider
from app.api.errors import DeadlineExceeded
from app.simulator import Simulator
from tests.api.conftest import CALLBACK, Factory, oauth_settings, sign_in

DEADLINE = 0.5
# 40 pieces 0.1 s apart: four seconds for the whole answer, far past the deadline.
DRIP = {"chunks": 40, "interval": 0.1, "times": None}


def test_a_dripping_token_endpoint_ends_the_refresh_at_the_deadline(
    simulator: Simulator,
) -> None:
    tokens = sign_in(simulator)
    simulator.faults.add("trickle", query="oauth_token", **DRIP)

    with pytest.raises(DeadlineExceeded, match=r"0\.5 s deadline") as caught:
        oauth.refresh_tokens(
            simulator.base_url, tokens, deadline=DEADLINE, **oauth_settings(simulator)
        )

    assert caught.value.deadline == DEADLINE
    assert "token request (refresh_token)" in str(caught.value)
    assert simulator.request_log[-1].faults == ("trickle",)


def test_a_dripping_token_endpoint_ends_the_code_exchange_at_the_deadline(
    simulator: Simulator,
) -> None:
    simulator.faults.add("trickle", query="oauth_token", **DRIP)

    with pytest.raises(DeadlineExceeded, match="deadline"):
        sign_in_with_deadline(simulator)


def sign_in_with_deadline(simulator: Simulator) -> OAuthTokens:
    """`sign_in`, with the short deadline on the exchange."""

    state = oauth.new_state()
    url = oauth.authorization_url(
        simulator.base_url, simulator.oauth_client_id, CALLBACK, state, "read_fields"
    )
    redirect = httpx.get(url)
    query = {k: v[0] for k, v in parse_qs(urlsplit(redirect.headers["location"]).query).items()}
    return oauth.exchange_code(
        simulator.base_url, code=query["code"], deadline=DEADLINE, **oauth_settings(simulator)
    )


def test_a_dripping_session_endpoint_ends_the_password_sign_in_at_the_deadline(
    simulator: Simulator,
) -> None:
    simulator.faults.add("trickle", query="v1_sessions", **DRIP)

    with pytest.raises(DeadlineExceeded, match="legacy session"):
        oauth.legacy_session(
            simulator.base_url,
            simulator.demo_user_email,
            simulator.demo_user_password,
            deadline=DEADLINE,
        )


def test_a_provider_whose_token_expired_fails_its_refresh_at_the_deadline(
    simulator_factory: Factory,
) -> None:
    sim = simulator_factory(access_token_lifetime=1)
    tokens = sign_in(sim)
    refresh = oauth.oauth_refresher(sim.base_url, deadline=DEADLINE, **oauth_settings(sim))
    # The clock says the token has expired: nothing to fall back on, the refresh must end.
    provider = RefreshingTokenProvider(tokens, refresh, clock=lambda: tokens.expires_at + 10)
    sim.faults.add("trickle", query="oauth_token", **DRIP)

    with pytest.raises(DeadlineExceeded):
        provider.access_token()

    # Too slow is not a refusal: the provider is not marked signed out by it.
    assert not provider.signed_out


def test_a_token_answer_within_the_deadline_arrives(simulator: Simulator) -> None:
    tokens = sign_in(simulator)
    simulator.faults.add("trickle", query="oauth_token", chunks=3, interval=0.01)

    fresh = oauth.refresh_tokens(
        simulator.base_url, tokens, deadline=30, **oauth_settings(simulator)
    )

    assert fresh.access_token and fresh.access_token != tokens.access_token
