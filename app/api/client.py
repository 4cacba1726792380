"""The FieldAgent GraphQL client: one call per method, one long-lived connection pool.

A client is created once per sync worker and shared by the scopes it runs
concurrently (httpx's pool is thread-safe; the client keeps no per-request state).
It sends each request once: transient failures surface as retryable `ApiError`s and
the sync engine decides whether and when to ask again. The one exception is a
rejected token, which is refreshed through the token provider and retried once.

Query documents come from `resources/queries`; ids and hashes travel only as
GraphQL variables, and the token only in the `Authorization` header. Pages carry
`response_bytes`: what came over the wire (compressed, when the server gzips).
Every exchange has a total deadline and a cap on the decompressed body, both set
per client (`deadline`, `max_response_bytes`).

Stopping: `abort()` (any thread) breaks the requests on the wire and refuses new ones
with `ClientAborted`; `close()` is for the owner, once no thread uses the client any
more. A request overlapping an abort closes its own connection when it ends, so a
socket opened under a closing pool is never left for the garbage collector.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx

from app.api.auth import TokenProvider
from app.api.errors import ApiError, SignedOut, TokenRejected
from app.api.parse import (
    parse_organizations,
    parse_sync_fields,
    parse_sync_mosaics,
    parse_sync_surveys,
    parse_user,
)
from app.api.resources import load_query
from app.api.transport import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES,
    check_server_url,
    error_for_status,
    make_http_client,
    read_response,
)
from app.domain import Field, Mosaic, OrganizationPage, Survey, SyncPage

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Parser(Protocol[T_co]):
    """Reads a response body (its size on the wire, the token to scrub) into a result."""

    def __call__(self, content: bytes, response_bytes: int, *, scrub: str | None) -> T_co: ...


__all__ = ["ClientAborted", "FieldAgentClient"]

log = logging.getLogger(__name__)

_OPERATION = re.compile(r"^\s*query\s+(\w+)", re.MULTILINE)


class ClientAborted(RuntimeError):
    """The client was aborted (a sync stopping): it sends nothing any more.

    Not an `ApiError`: it says nothing about the server, and must never be retried.
    """


class FieldAgentClient:
    """Typed access to the queries FieldDesk uses; see `app.api.errors` for failures."""

    def __init__(
        self,
        graphql_url: str,
        token_provider: TokenProvider,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        user_agent: str | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """`deadline`: seconds one exchange may take in all; `max_response_bytes`: the
        cap on a decompressed response body (see `app.api.transport.read_response`)."""
        self._url = check_server_url(graphql_url)
        self._deadline = deadline
        self._max_response_bytes = max_response_bytes
        self._tokens = token_provider
        self._http = make_http_client(transport=transport, timeout=timeout, agent=user_agent)
        self._aborted = threading.Event()

    @property
    def graphql_url(self) -> str:
        return str(self._url)

    # -- queries ------------------------------------------------------------------------

    def organizations(self, page: int = 1, page_size: int = 100) -> OrganizationPage:
        variables = {"page": page, "page_size": page_size}
        return self._query("organizations", variables, parse_organizations, scope=None, hashes=0)

    def sync_fields(
        self, organization_sentera_id: str, content_hashes: Iterable[str]
    ) -> SyncPage[Field]:
        return self._sync(
            "sync_fields", "organization_sentera_id", organization_sentera_id, content_hashes,
            parse_sync_fields,
        )  # fmt: skip

    def sync_surveys(
        self, field_sentera_id: str, content_hashes: Iterable[str]
    ) -> SyncPage[Survey]:
        return self._sync(
            "sync_surveys", "field_sentera_id", field_sentera_id, content_hashes,
            parse_sync_surveys,
        )  # fmt: skip

    def sync_mosaics(
        self, survey_sentera_id: str, content_hashes: Iterable[str]
    ) -> SyncPage[Mosaic]:
        return self._sync(
            "sync_mosaics", "survey_sentera_id", survey_sentera_id, content_hashes,
            parse_sync_mosaics,
        )  # fmt: skip

    def _sync(
        self,
        query: str,
        scope_variable: str,
        scope_id: str,
        content_hashes: Iterable[str],
        parse: Parser[SyncPage[T]],
    ) -> SyncPage[T]:
        """One page of a `sync_*` query: the scope id and the full hash list as variables."""
        hashes = list(content_hashes)
        variables = {scope_variable: scope_id, "content_hashes": hashes}
        return self._query(query, variables, parse, scope=scope_id, hashes=len(hashes))

    def current_user(self) -> dict[str, str | None]:
        """`{"sentera_id", "email"}` of the signed-in user: a cheap authenticated probe."""
        return self._query("user", {}, parse_user, scope=None, hashes=0)

    # -- lifetime -----------------------------------------------------------------------

    def abort(self) -> None:
        """Any thread: make requests in flight fail now and refuse new ones.

        The pool's connections are closed under the requests using them; each such
        request then closes, on its own thread, any connection it still holds (see
        `read_response`'s `drop_connection`). The owner still calls `close()`.
        """
        self._aborted.set()
        _interrupt_sockets(self._http)
        self._http.close()

    @property
    def aborted(self) -> bool:
        return self._aborted.is_set()

    def close(self) -> None:
        """The owner, once no other thread uses the client: release every connection."""
        self._http.close()

    def __enter__(self) -> FieldAgentClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- one request, plus one retry after a token refresh ------------------------------

    def _query(
        self,
        name: str,
        variables: dict[str, Any],
        parse: Parser[T],
        *,
        scope: str | None,
        hashes: int,
    ) -> T:
        document = load_query(name)
        match = _OPERATION.search(document)
        payload: dict[str, Any] = {"query": document, "variables": variables}
        if match:
            payload["operationName"] = match.group(1)
        body = json.dumps(payload, separators=(",", ":")).encode()
        token = self._tokens.access_token()
        try:
            return self._exchange(name, body, token, parse, scope=scope, hashes=hashes)
        except TokenRejected:
            log.info("%s: the server rejected the access token; refreshing it once", name)
        token = self._tokens.refresh_after_unauthorized(token)
        try:
            return self._exchange(name, body, token, parse, scope=scope, hashes=hashes)
        except TokenRejected as exc:
            raise SignedOut(
                f"{name}: token rejected again after a refresh", status=exc.status
            ) from None

    def _exchange(
        self,
        name: str,
        body: bytes,
        token: str,
        parse: Parser[T],
        *,
        scope: str | None,
        hashes: int,
    ) -> T:
        what = f"{name} at {self._url.host}"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        if self._aborted.is_set():
            raise ClientAborted(f"{name}: not sent, the client was aborted")
        try:
            response, content = read_response(
                self._http,
                self._url,
                content=body,
                headers=headers,
                what=what,
                deadline=self._deadline,
                max_bytes=self._max_response_bytes,
                drop_connection=self._aborted.is_set,
            )
        except RuntimeError as error:
            # httpx refuses to send on a client `abort` closed after the check above.
            if self._aborted.is_set():
                raise ClientAborted(f"{name}: not sent, the client was aborted") from error
            raise
        except ApiError as error:
            log.debug(
                "%s scope=%s hashes=%d failed after %.0f ms: %s",
                name,
                scope,
                hashes,
                (time.perf_counter() - started) * 1000,
                error,
            )
            raise
        size = response.num_bytes_downloaded
        log.debug(
            "%s scope=%s hashes=%d -> HTTP %d, %d bytes in %.0f ms",
            name,
            scope,
            hashes,
            response.status_code,
            size,
            (time.perf_counter() - started) * 1000,
        )
        if response.status_code != 200:
            raise error_for_status(response, what, scrub=token, body=content)
        return parse(content, size, scrub=token)


def _interrupt_sockets(http: httpx.Client) -> None:
    """Shut down (not just close) the sockets of the client's connections.

    Closing a socket does not wake a thread blocked in recv() on it; a request whose
    bytes were cut short by the close would then wait for an answer that never comes,
    until its read timeout (a minute). `shutdown()` wakes it at once. This reaches into
    httpx's transport and httpcore's pool, so anything unexpected there is skipped: the
    close that follows still happens.
    """
    pool = getattr(getattr(http, "_transport", None), "_pool", None)
    for connection in list(getattr(pool, "connections", ()) or ()):
        stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
        sock = getattr(stream, "_sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
