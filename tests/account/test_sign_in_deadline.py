"""A sign-in whose server drips its answer ends at the deadline with a clear message.

Real HTTP against the simulator's trickle fault on its token and session endpoints;
the manager's `deadline` is shortened to half a second.
"""

from __future__ import annotations

import pytest

from app.account.errors import ServerUnreachable
from app.account.session import AccountManager
from app.account.token_store import TokenStore
from app.simulator.server import Simulator

from .helpers import oauth_for, play_browser

DRIP = {"chunks": 40, "interval": 0.1, "times": None}  # four seconds for one answer


def _manager(sim: Simulator, store: TokenStore) -> AccountManager:
    return AccountManager(sim.base_url, store, oauth_for(sim), environ={}, deadline=0.5)


def test_a_dripping_token_exchange_ends_the_browser_sign_in_with_a_clear_message(
    sim: Simulator, memory_store: TokenStore
) -> None:
    manager = _manager(sim, memory_store)
    sim.faults.add("trickle", query="oauth_token", **DRIP)

    with pytest.raises(ServerUnreachable, match=r"did not finish answering .* 0\.5 seconds"):
        manager.sign_in_with_browser(open_browser=play_browser, timeout=10)

    assert not manager.signed_in
    assert memory_store.load() is None


def test_a_dripping_session_endpoint_ends_the_password_sign_in_with_a_clear_message(
    sim: Simulator, memory_store: TokenStore
) -> None:
    manager = _manager(sim, memory_store)
    sim.faults.add("trickle", query="v1_sessions", **DRIP)

    with pytest.raises(ServerUnreachable, match="very slow") as caught:
        manager.sign_in_with_password(sim.demo_user_email, sim.demo_user_password)

    assert "cannot be reached" not in str(caught.value)
    assert not manager.signed_in
