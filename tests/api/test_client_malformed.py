"""Client behaviour on answers the simulator cannot be made to give.

These use `httpx.MockTransport` on purpose and only for cases a real FieldAgent (or
a proxy in between) might produce but the simulator has no fault for: a damaged gzip
stream, auth failures signalled inside a GraphQL body, a 400 carrying GraphQL errors,
redirects, Retry-After as an HTTP date, server text echoing the token, gzip. Everything
the simulator can do is tested over real HTTP in test_client.py.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from app.api import (
    FieldAgentClient,
    GraphQLError,
    ProtocolError,
    RequestRejected,
    StaticTokenProvider,
)
from app.api.auth import OAuthTokens, RefreshingTokenProvider
from app.api.errors import ServerUnavailable
from tests.api import payloads

URL = "https://fieldagent.test/graphql"
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, token: str = "tok-1") -> FieldAgentClient:
    return FieldAgentClient(URL, StaticTokenProvider(token), transport=httpx.MockTransport(handler))


def test_damaged_gzip_is_a_retryable_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"}
        )

    with client_for(handler) as client, pytest.raises(ProtocolError) as err:
        client.current_user()
    assert err.value.retryable


def test_unauthenticated_graphql_error_refreshes_once_then_retries() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer old":
            body = {"errors": [{"message": "expired", "extensions": {"code": "UNAUTHENTICATED"}}]}
            return httpx.Response(200, json=body)
        return httpx.Response(200, json={"data": {"user": {"sentera_id": "u", "email": None}}})

    def refresh(tokens: OAuthTokens) -> OAuthTokens:
        return OAuthTokens("new", "r2", None)

    provider = RefreshingTokenProvider(OAuthTokens("old", "r1", None), refresh)
    transport = httpx.MockTransport(handler)
    with FieldAgentClient(URL, provider, transport=transport) as client:
        assert client.current_user()["sentera_id"] == "u"
    assert seen == ["Bearer old", "Bearer new"]


def test_bad_request_with_graphql_errors_is_a_graphql_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"errors": [{"message": "Cannot query field 'x'"}]})

    with client_for(handler) as client, pytest.raises(GraphQLError) as err:
        client.organizations()
    assert err.value.message == "Cannot query field 'x'"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_not_followed(status: int) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        return httpx.Response(status, headers={"Location": "http://elsewhere.test/graphql"})

    with client_for(handler) as client, pytest.raises(RequestRejected) as err:
        client.organizations()
    assert err.value.status == status and not err.value.retryable
    assert len(calls) == 1


def test_retry_after_as_http_date_on_503() -> None:
    later = email.utils.formatdate(time.time() + 90, usegmt=True)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": later}, text="maintenance")

    with client_for(handler) as client, pytest.raises(ServerUnavailable) as err:
        client.sync_surveys("f", [])
    assert err.value.retryable and err.value.status == 503
    assert err.value.retry_after is not None and err.value.retry_after > 30


def test_token_echoed_by_the_server_is_scrubbed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(200, json={"errors": [{"message": f"token {token} is odd"}]})

    with client_for(handler, token="s3cr3t-token") as client, pytest.raises(GraphQLError) as err:
        client.sync_mosaics("s", ["h"])
    text = f"{err.value} {err.value.user_message} {err.value.message} {err.value.errors[0]}"
    assert "s3cr3t-token" not in text
    assert "[redacted]" in err.value.message


def test_response_that_is_json_but_not_an_object() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps([payloads.organizations()]).encode())

    with client_for(handler) as client, pytest.raises(ProtocolError) as err:
        client.organizations()
    assert not err.value.retryable


class _Stream(httpx.SyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data[:100]
        yield self.data[100:]


def test_gzip_pages_are_decoded_and_counted_as_sent() -> None:
    raw = json.dumps({"data": payloads.sync_page("sync_mosaics", [payloads.mosaic()])}).encode()
    packed = gzip.compress(raw)

    def handler(request: httpx.Request) -> httpx.Response:
        assert "gzip" in request.headers["Accept-Encoding"]
        # A streamed body, so httpx counts the bytes as it reads them off the "wire".
        return httpx.Response(200, stream=_Stream(packed), headers={"Content-Encoding": "gzip"})

    with client_for(handler) as client:
        page = client.sync_mosaics("svy_CO_1", [])
    assert len(page.upserted) == 1
    assert page.response_bytes == len(packed) < len(raw)
