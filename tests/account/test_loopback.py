"""The one-shot loopback listener and the browser sign-in against the simulator."""

from __future__ import annotations

import threading

import httpx
import pytest

from app.account.errors import SignInCancelled, SignInRefused, SignInTimedOut
from app.account.loopback import BrowserSignIn, LoopbackReceiver, run_browser_sign_in
from app.simulator.server import Simulator

from .helpers import play_browser


def test_callback_with_the_right_state_delivers_the_code() -> None:
    with LoopbackReceiver("expected-state") as receiver:
        assert receiver.redirect_uri.startswith("http://127.0.0.1:")
        reply = httpx.get(receiver.redirect_uri, params={"code": "c0de", "state": "expected-state"})
        assert reply.status_code == 200
        assert "close this tab" in reply.text
        assert reply.headers["cache-control"] == "no-store"
        assert receiver.wait(timeout=5).code == "c0de"


def test_wrong_or_missing_state_is_refused_and_the_wait_goes_on() -> None:
    with LoopbackReceiver("expected-state") as receiver:
        forged = httpx.get(receiver.redirect_uri, params={"code": "evil", "state": "other"})
        missing = httpx.get(receiver.redirect_uri, params={"code": "evil"})
        elsewhere = httpx.get(receiver.redirect_uri.replace("/callback", "/favicon.ico"))
        assert (forged.status_code, missing.status_code, elsewhere.status_code) == (400, 400, 404)
        httpx.get(receiver.redirect_uri, params={"code": "good", "state": "expected-state"})
        assert receiver.wait(timeout=5).code == "good"


def test_an_error_redirect_becomes_sign_in_refused() -> None:
    flow_state = "s"
    with LoopbackReceiver(flow_state) as receiver:
        params = {"error": "access_denied", "error_description": "The user denied access."}
        httpx.get(receiver.redirect_uri, params={**params, "state": flow_state})
        result = receiver.wait(timeout=5)
    assert result.code is None
    assert result.error == "access_denied"


def test_no_callback_times_out_cleanly_and_frees_the_port() -> None:
    receiver = LoopbackReceiver("s")
    uri = receiver.redirect_uri
    with pytest.raises(SignInTimedOut, match="did not come back"):
        receiver.wait(timeout=0.2)
    receiver.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(uri, params={"state": "s", "code": "late"})


def test_cancel_ends_a_wait_from_another_thread() -> None:
    with LoopbackReceiver("s") as receiver:
        threading.Timer(0.05, receiver.cancel).start()
        with pytest.raises(SignInCancelled):
            receiver.wait(timeout=60)


def test_browser_sign_in_end_to_end(sim: Simulator) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        page = play_browser(url)
        assert page.status_code == 200
        return True

    tokens = run_browser_sign_in(
        sim.base_url, sim.oauth_client_id, sim.oauth_client_secret, open_browser=browser
    )
    assert tokens.refresh_token and tokens.expires_at
    assert sim.auth.user_for(tokens.access_token) is not None
    assert httpx.URL(opened[0]).params["redirect_uri"].endswith("/callback")


def test_each_attempt_uses_a_fresh_random_state(sim: Simulator) -> None:
    first = BrowserSignIn(sim.base_url, sim.oauth_client_id, sim.oauth_client_secret)
    second = BrowserSignIn(sim.base_url, sim.oauth_client_id, sim.oauth_client_secret)
    try:
        states = {httpx.URL(f.authorize_url).params["state"] for f in (first, second)}
        assert len(states) == 2
        assert all(len(state) >= 32 for state in states)
    finally:
        first.close()
        second.close()


def test_denied_in_the_browser_is_reported(sim: Simulator) -> None:
    flow = BrowserSignIn(sim.base_url, sim.oauth_client_id, sim.oauth_client_secret)
    url = httpx.URL(flow.authorize_url)
    httpx.get(
        flow.redirect_uri,
        params={"error": "access_denied", "state": url.params["state"]},
    )
    with pytest.raises(SignInRefused, match="did not allow"):
        flow.finish(timeout=5)
