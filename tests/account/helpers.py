"""Helpers shared by the sign-in tests here and the sign-in dialog tests."""

from __future__ import annotations

import httpx

from app.account.session import OAuthSettings
from app.simulator import Simulator


def oauth_for(simulator: Simulator) -> OAuthSettings:
    """The simulator's registered client, as settings would hold it."""
    return OAuthSettings(simulator.oauth_client_id, simulator.oauth_client_secret)


def play_browser(authorize_url: str) -> httpx.Response:
    """Do what the user's browser does: open the authorize page, follow the redirect.

    Returns the loopback listener's answer (the "you can close this tab" page).
    """
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        approval = browser.get(authorize_url)
        assert approval.status_code == 302, approval.text
        return browser.get(approval.headers["location"])
