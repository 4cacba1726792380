"""Sign-in secrets never reach a log record, a URL or a command line.

Every flow runs with DEBUG logging on; afterwards no record may contain any access
token, refresh token, authorization code, password or client secret that was in play.
"""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from app.account.session import AccountManager
from app.account.token_store import TokenStore
from app.api.client import FieldAgentClient
from app.api.transport import quiet_http_loggers
from app.simulator.server import Simulator

from .helpers import oauth_for


def test_no_secret_in_any_log_record_or_url(
    sim: Simulator, memory_store: TokenStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # As the app does before its first request; the test's own "browser" below is an
    # httpx client too, and a real browser's traffic would never reach our log.
    quiet_http_loggers()
    secrets: set[str] = {sim.oauth_client_secret, sim.demo_user_password, sim.demo_token}
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        with httpx.Client(follow_redirects=False) as http:
            location = http.get(url).headers["location"]
            secrets.add(httpx.URL(location).params["code"])
            http.get(location)
        return True

    now = [time.time()]
    manager = AccountManager(
        sim.base_url, memory_store, oauth_for(sim), environ={}, clock=lambda: now[0]
    )
    manager.sign_in_with_browser(open_browser=browser, timeout=10)
    provider = manager.token_provider()
    first = memory_store.load()
    assert first is not None and first.tokens.expires_at is not None
    secrets |= {first.tokens.access_token, str(first.tokens.refresh_token)}

    now[0] = first.tokens.expires_at  # refresh before expiry
    provider.access_token()
    sim.auth.advance_clock(9 * 3600)  # and once more after a 401
    with FieldAgentClient(sim.graphql_url, provider) as client:
        client.organizations()
    last = memory_store.load()
    assert last is not None and last.tokens.access_token not in secrets
    secrets |= {last.tokens.access_token, str(last.tokens.refresh_token)}
    manager.sign_out()

    manager.sign_in_with_password(sim.demo_user_email, sim.demo_user_password)
    legacy = memory_store.load()
    assert legacy is not None
    secrets.add(legacy.tokens.access_token)
    manager.sign_in_with_token(sim.demo_token)
    manager.sign_out()

    assert len(caplog.records) > 5  # the flows did log at their boundaries
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        for secret in secrets:
            assert secret not in text, f"{record.name} logged a secret: {record.msg!r}"
    # The browser's command line carries the authorize URL: ids and state, no secret.
    assert len(opened) == 1
    assert not any(secret in opened[0] for secret in secrets)
