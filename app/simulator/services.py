"""What the routes share: the simulator's parts, and the plain (non-GraphQL) request path.

`serve_plain` gives the OAuth, session and download endpoints the same fault handling
and request log as `/graphql`, keyed by an endpoint name ("oauth_token", "files", ...).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive

from app.simulator import delivery
from app.simulator.admission import Admission
from app.simulator.auth import AuthService
from app.simulator.config import SimulatorConfig
from app.simulator.dataset import Dataset
from app.simulator.faults import FaultInjector
from app.simulator.files import UrlSigner
from app.simulator.imagery import ImageryCache
from app.simulator.requestlog import RequestLog, RequestRecord

Builder = Callable[[Request, bytes], Awaitable[delivery.Reply]]


@dataclass(slots=True)
class Services:
    """The simulator's parts, as the routes see them."""

    config: SimulatorConfig
    dataset: Dataset
    faults: FaultInjector
    request_log: RequestLog
    auth: AuthService
    signer: UrlSigner
    imagery: ImageryCache
    admission: Admission = field(default_factory=Admission)


async def pause(seconds: float, receive: Receive) -> None:
    """Injected latency; cut short when the client hangs up (nobody left to wait)."""
    await delivery.wait_or_disconnect(seconds, receive)


async def serve_plain(
    services: Services,
    request: Request,
    name: str,
    build: Builder,
    scope_id: str | None = None,
) -> Response:
    """Answer a non-GraphQL request through the fault machinery and log it."""
    started = time.perf_counter()
    raw = await request.body()
    fired = services.faults.take((name,), scope_id, graphql=False)
    reply = delivery.replacement(fired) or await build(request, raw)
    server_seconds = time.perf_counter() - started
    await pause(delivery.latency(fired), request.receive)
    response, sent = delivery.respond(reply, fired)
    services.request_log.append(
        RequestRecord(
            query_name=name,
            scope_id=scope_id,
            hashes_sent=0,
            bytes_in=len(raw),
            bytes_out=sent,
            status=reply.status,
            faults=tuple(f.kind.value for f in fired),
            server_seconds=server_seconds,
            path=request.url.path,
        )
    )
    return response
