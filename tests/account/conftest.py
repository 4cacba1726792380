"""Fixtures for the sign-in tests: the shared simulator, private token stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.account.session import AccountManager
from app.account.token_store import RunOnlyKeyring, TokenStore
from app.simulator import Simulator

from .helpers import oauth_for


@pytest.fixture
def sim(simulator: Simulator) -> Simulator:
    return simulator


@pytest.fixture
def memory_store(sim: Simulator) -> TokenStore:
    """A store on a private in-memory backend, so tests never share secrets."""
    return TokenStore(sim.base_url, backend=RunOnlyKeyring())


@pytest.fixture
def manager(sim: Simulator, memory_store: TokenStore) -> AccountManager:
    return AccountManager(sim.base_url, memory_store, oauth_for(sim), environ={})


@pytest.fixture(autouse=True)
def _no_shared_memory_secrets() -> Iterator[None]:
    """The run-only fallback is process-wide; start and end every test without it."""
    RunOnlyKeyring.shared().clear()
    yield
    RunOnlyKeyring.shared().clear()
