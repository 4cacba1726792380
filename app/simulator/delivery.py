"""Sending a reply, honestly or with a transport fault.

Endpoints build a `Reply` (status, headers, bytes); `respond` turns it into an ASGI
response, cutting the JSON in half, dropping the connection mid-body, trickling it out
slowly or sending a gzip bomb in its place when a fault asks for it. Faults that
replace the whole answer (an HTTP error, a 429, an HTML page, JSON nested too deeply)
are built here too, so every endpoint misbehaves the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.simulator import hostile
from app.simulator.faults import Fault, FaultKind

_STATUS_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(payload: Any, status: int = 200, **headers: str) -> Reply:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Reply(status, body, headers=dict(headers))


def unauthorized(token_sent: bool) -> Reply:
    """HTTP 401 with an empty body, as the third-party API catalogue models Sentera's."""
    challenge = 'Bearer realm="FieldAgent"'
    if token_sent:
        challenge += ', error="invalid_token", error_description="The access token expired"'
    return Reply(401, b"", "text/plain", {"WWW-Authenticate": challenge})


def replacement(faults: Sequence[Fault]) -> Reply | None:
    """The reply a response-replacing fault sends instead of the real one, if any."""
    for fault in faults:
        if fault.kind is FaultKind.HTTP_STATUS:
            text = _STATUS_TEXT.get(fault.status, fault.message)
            page = f"<html><body><h1>{fault.status} {text}</h1></body></html>"
            later = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return Reply(fault.status, page.encode(), "text/html", later)
        if fault.kind is FaultKind.RATE_LIMIT:
            return json_reply(
                {"errors": [{"message": "Too many requests, slow down."}]},
                429,
                **{"Retry-After": str(1 if fault.retry_after is None else fault.retry_after)},
            )
        if fault.kind is FaultKind.NON_JSON:
            page = "<html><body><h1>Service temporarily unavailable</h1></body></html>"
            return Reply(200, page.encode(), "text/html")
        if fault.kind is FaultKind.DEEP_JSON:
            return Reply(200, hostile.deep_json(fault.depth))
    return None


def latency(faults: Sequence[Fault]) -> float:
    return sum(f.seconds for f in faults if f.kind is FaultKind.LATENCY)


class AbortedByFault(Exception):
    """Raised mid-response to make the server drop the connection (close_connection)."""


class _QuietAbort(logging.Filter):
    """Keep the deliberate connection drop out of the server's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        return not isinstance(exc, AbortedByFault)


def install_log_filter() -> None:
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietAbort) for f in server_log.filters):
        server_log.addFilter(_QuietAbort())


async def wait_or_disconnect(seconds: float, receive: Receive) -> bool:
    """Wait `seconds`, or less if the client hangs up (then True).

    Once the request body has been read, the only ASGI message left to receive is the
    disconnect, so waiting on it is a sleep that ends early when nobody is listening.
    """
    if seconds <= 0:
        return False
    try:
        message = await asyncio.wait_for(receive(), timeout=seconds)
    except TimeoutError:
        return False
    return bool(message.get("type") == "http.disconnect")


class _FaultyResponse(Response):
    """Sends its body cut short (then drops the connection) or in slow pieces."""

    def __init__(self, reply: Reply, fault: Fault) -> None:
        super().__init__(reply.body, reply.status, reply.headers, reply.media_type)
        self._fault = fault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        body = bytes(self.body)
        if self._fault.kind is FaultKind.CLOSE_CONNECTION:
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise AbortedByFault("connection dropped on purpose")
        pieces = max(1, self._fault.chunks)
        size = -(-len(body) // pieces)
        for start in range(0, len(body), size):
            piece = body[start : start + size]
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            if await wait_or_disconnect(self._fault.interval, receive):
                return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def respond(reply: Reply, faults: Sequence[Fault]) -> tuple[Response, int]:
    """The ASGI response for a reply under the given faults, and the bytes it will send."""
    for fault in faults:
        if fault.kind is FaultKind.GZIP_BOMB:  # whatever the answer was
            return hostile.gzip_bomb(fault.inflated), hostile.bomb_wire_size(fault.inflated)
        if fault.kind is FaultKind.TRUNCATED_BODY:
            reply = Reply(
                reply.status, reply.body[: len(reply.body) // 2], reply.media_type, reply.headers
            )
        elif fault.kind is FaultKind.CLOSE_CONNECTION:
            return _FaultyResponse(reply, fault), len(reply.body) // 2
        elif fault.kind is FaultKind.TRICKLE:
            return _FaultyResponse(reply, fault), len(reply.body)
    return Response(reply.body, reply.status, reply.headers, reply.media_type), len(reply.body)
