"""Helpers for the API tests: signing in against the simulator, seeing what it received."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.api import oauth
from app.api.auth import OAuthTokens
from app.simulator import Simulator, SimulatorConfig

CALLBACK = "http://127.0.0.1:53682/callback"


def oauth_settings(sim: Simulator) -> dict[str, Any]:
    return {
        "client_id": sim.oauth_client_id,
        "client_secret": sim.oauth_client_secret,
        "redirect_uri": CALLBACK,
    }


def sign_in(sim: Simulator) -> OAuthTokens:
    """The authorization-code flow, with this test playing the browser."""
    state = oauth.new_state()
    url = oauth.authorization_url(sim.base_url, sim.oauth_client_id, CALLBACK, state, "read_fields")
    redirect = httpx.get(url)
    assert redirect.status_code == 302, redirect.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(redirect.headers["location"]).query).items()}
    assert query["state"] == state
    return oauth.exchange_code(
        sim.base_url, code=query["code"], account=sim.demo_user_email, **oauth_settings(sim)
    )


@dataclass
class Received:
    """One HTTP request as the server's ASGI app received it."""

    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


class _Capture:
    """Pure ASGI middleware recording every request before the simulator handles it."""

    def __init__(self, app: Any, seen: list[Received]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.seen.append(Received(scope["path"], headers, b"".join(chunks), scope["client"][1]))
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@pytest.fixture
def recording_simulator() -> Iterator[tuple[Simulator, list[Received]]]:
    """A tiny simulator whose incoming requests are recorded as received."""
    seen: list[Received] = []
    sim = Simulator(SimulatorConfig(size="tiny", seed=1))
    sim.app.add_middleware(_Capture, seen=seen)
    with sim:
        yield sim, seen


Factory = Callable[..., Simulator]
