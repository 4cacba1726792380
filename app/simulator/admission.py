"""Server-side load: a cap on GraphQL requests in flight, and latency that grows with load.

A client that adapts its concurrency must be tested against a server that pushes back,
and a server on loopback never does by itself. Two models, each off by default:

    SimulatorConfig(max_in_flight=6)          # the 7th concurrent request: 429 + Retry-After
    SimulatorConfig(latency_per_request=0.01) # +10 ms per other request in flight
    fielddesk-sim --max-in-flight 6 --overload-retry-after 1 --latency-per-request 0.01

A refused request costs the server nothing but the refusal (it is answered at once,
before the body is parsed or the token checked, as a gateway in front of the API would)
and is logged with status 429 and the fault name "admission". Latency under load is
`latency + latency_per_request * others`, where `others` is the number of requests
already in flight when this one arrived: an idle server answers at the base latency.

The file host has a cap of its own, off by default and set at run time
(`sim.admission.limit_files(3, retry_after=0, status=503)`): a download beyond it is
answered at once with that status and a Retry-After, as a busy object store answers
"SlowDown". A download is in flight from its request to the last byte of its body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from app.simulator import delivery
from app.simulator.requestlog import RequestLog, RequestRecord

Handler = Callable[[Request], Awaitable[Response]]

REJECTION = b'{"errors":[{"message":"Too many requests in flight, slow down."}]}'
FILE_REJECTION = (
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
)


@dataclass(frozen=True, slots=True)
class AdmissionStats:
    admitted: int
    rejected: int
    in_flight: int
    peak_in_flight: int  # among admitted requests
    added_seconds: float  # load latency added so far, summed over requests


class Admission:
    """Counts the GraphQL requests in flight; refuses or slows them as configured."""

    def __init__(
        self,
        *,
        max_in_flight: int | None = None,
        retry_after: int = 1,
        latency_per_request: float = 0.0,
    ) -> None:
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if retry_after < 0 or latency_per_request < 0:
            raise ValueError("retry_after and latency_per_request cannot be negative")
        self.max_in_flight = max_in_flight
        self.retry_after = retry_after
        self.latency_per_request = latency_per_request
        self._lock = threading.Lock()  # the server is one event loop; tests read from others
        self._in_flight = self._peak = self._admitted = self._rejected = 0
        self._added = 0.0
        self._files = _FileGate()

    def limit_files(
        self, max_in_flight: int | None, *, retry_after: int = 1, status: int = 503
    ) -> None:
        """Cap the downloads in flight (None: no cap); refusals get `status`."""
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if retry_after < 0 or status not in (429, 503):
            raise ValueError("retry_after cannot be negative; status is 429 or 503")
        self._files.configure(max_in_flight, retry_after, status)

    def file_stats(self) -> AdmissionStats:
        return self._files.stats()

    def enter_file(self) -> Response | None:
        """Admit one download (None), or the refusal to send at once."""
        if self._files.enter():
            return None
        gate = self._files
        headers = {"Retry-After": str(gate.retry_after)}
        return Response(FILE_REJECTION, gate.status, headers, "application/xml")

    def leave_file(self) -> None:
        self._files.leave()

    def stats(self) -> AdmissionStats:
        with self._lock:
            return AdmissionStats(
                self._admitted, self._rejected, self._in_flight, self._peak, self._added
            )

    def _enter(self) -> int | None:
        """Admit one request: the number of others in flight, or None to refuse it."""
        with self._lock:
            if self.max_in_flight is not None and self._in_flight >= self.max_in_flight:
                self._rejected += 1
                return None
            others = self._in_flight
            self._in_flight += 1
            self._admitted += 1
            self._peak = max(self._peak, self._in_flight)
            self._added += self.latency_per_request * others
            return others

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    async def serve(self, request: Request, handler: Handler, log: RequestLog) -> Response:
        """Run `handler` for an admitted request, or answer 429 at once."""
        others = self._enter()
        if others is None:
            return self._refuse(request, log)
        try:
            response = await handler(request)
            # The handler has read the body, so waiting on `receive` sees only a hang-up.
            extra = self.latency_per_request * others
            await delivery.wait_or_disconnect(extra, request.receive)
            return response
        finally:
            self._leave()

    def _refuse(self, request: Request, log: RequestLog) -> Response:
        log.append(
            RequestRecord(
                query_name="graphql",
                scope_id=None,
                hashes_sent=0,
                bytes_in=int(request.headers.get("content-length") or 0),
                bytes_out=len(REJECTION),
                status=429,
                faults=("admission",),
                path=request.url.path,
                at=time.time(),
            )
        )
        return Response(REJECTION, 429, {"Retry-After": str(self.retry_after)}, "application/json")


class _FileGate:
    """The file host's count of downloads in flight, and its cap."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.max_in_flight: int | None = None
        self.retry_after = 1
        self.status = 503
        self._in_flight = self._peak = self._admitted = self._rejected = 0

    def configure(self, max_in_flight: int | None, retry_after: int, status: int) -> None:
        with self._lock:
            self.max_in_flight, self.retry_after, self.status = max_in_flight, retry_after, status

    def enter(self) -> bool:
        with self._lock:
            if self.max_in_flight is not None and self._in_flight >= self.max_in_flight:
                self._rejected += 1
                return False
            self._in_flight += 1
            self._admitted += 1
            self._peak = max(self._peak, self._in_flight)
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def stats(self) -> AdmissionStats:
        with self._lock:
            return AdmissionStats(self._admitted, self._rejected, self._in_flight, self._peak, 0.0)
