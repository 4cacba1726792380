"""The file host behind `File.url`: signed, expiring, range-capable, streamed from disk.

It behaves like a signed S3 link: no bearer token; 403 `AccessDenied` once the link has
expired or its signature is wrong; `Range` (one range; 206 with `Content-Range`, 416 with
`bytes */size` when it cannot be satisfied); a strong `ETag` (the File's content hash)
and `If-Range`, so resuming against a file that changed since gets the whole new file
(200) rather than a splice of two versions; HEAD. Bodies are read from the cached
GeoTIFF a chunk at a time, never whole, and stop when the client hangs up.

Faults (endpoint name "files", scope id the File's sentera_id, so one file or all):
close_connection (half the body, then the connection drops), trickle (slow pieces),
truncated_body (a complete response shorter than the file), expire_link (403 as if
the link had expired), http_status/rate_limit/non_json (the host fails), latency.
A cap on downloads in flight (`Admission.limit_files`) refuses the one too many with
429/503 and a Retry-After before anything else is looked at.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.simulator import delivery
from app.simulator.faults import Fault, FaultKind
from app.simulator.files import parse_range
from app.simulator.ids import parse_iso
from app.simulator.requestlog import RequestRecord
from app.simulator.services import Services, pause

CHUNK = 256 * 1_024
_DENIED = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
_MISSING = b"<Error><Code>NoSuchKey</Code></Error>"


@dataclass(frozen=True, slots=True)
class _Body:
    """Which bytes of which file to send, and how to misbehave while sending them."""

    path: Path
    first: int
    length: int  # what the response will actually carry
    fault: Fault | None


class _FileStream(Response):
    """Streams `_Body` from disk; a hang-up by the client stops the reading."""

    def __init__(self, status: int, headers: dict[str, str], body: _Body | None) -> None:
        super().__init__(None, status, headers, "image/tiff")
        self._body = body
        self.on_done: Callable[[], None] | None = None  # the download left the host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._send_all(receive, send)
        finally:
            if self.on_done is not None:
                self.on_done()

    async def _send_all(self, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if self._body is None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        async with anyio.create_task_group() as group:

            async def stop_on_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(stop_on_disconnect)
            await self._stream(self._body, receive, send)
            group.cancel_scope.cancel()

    @staticmethod
    async def _stream(body: _Body, receive: Receive, send: Send) -> None:
        fault = body.fault
        kind = fault.kind if fault is not None else None
        stop_at = body.length // 2 if kind is FaultKind.CLOSE_CONNECTION else body.length
        pieces = max(1, fault.chunks) if fault is not None and kind is FaultKind.TRICKLE else 1
        piece = -(-body.length // pieces) if body.length else 1
        sent = 0
        with body.path.open("rb") as handle:
            handle.seek(body.first)
            while sent < stop_at:
                chunk = handle.read(min(CHUNK, stop_at - sent, piece - sent % piece))
                if not chunk:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent += len(chunk)
                if fault is not None and kind is FaultKind.TRICKLE and sent % piece == 0:
                    await anyio.sleep(fault.interval)
        if kind is FaultKind.CLOSE_CONNECTION:
            raise delivery.AbortedByFault("connection dropped on purpose")
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _if_range_allows(header: str | None, etag: str, last_modified: str) -> bool:
    """Whether a Range may be honoured: no If-Range, or one naming this exact version."""
    if header is None:
        return True
    header = header.strip()
    if header.startswith(('"', "W/")):
        return header == etag  # weak tags never match (RFC 9110, 13.1.5)
    return header == last_modified


class FileEndpoint:
    """`GET|HEAD /files/{file_id}/{filename}?expires=&sig=`."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        file_id = request.path_params["file_id"]
        refusal = self.s.admission.enter_file()
        if refusal is not None:
            self._log(request, len(refusal.body), refusal.status_code, ("admission",), started)
            return refusal
        try:
            fired = self.s.faults.take(("files",), file_id, graphql=False)
            response, sent, status = await self._respond(request, file_id, fired)
            await pause(delivery.latency(fired), request.receive)
        except BaseException:
            self.s.admission.leave_file()
            raise
        if isinstance(response, _FileStream):
            response.on_done = self.s.admission.leave_file  # in flight until the last byte
        else:
            self.s.admission.leave_file()
        self._log(request, sent, status, tuple(f.kind.value for f in fired), started)
        return response

    def _log(
        self, request: Request, sent: int, status: int, faults: tuple[str, ...], started: float
    ) -> None:
        self.s.request_log.append(
            RequestRecord(
                query_name="files",
                scope_id=request.path_params["file_id"],
                hashes_sent=0,
                bytes_in=0,
                bytes_out=sent,
                status=status,
                faults=faults,
                server_seconds=time.perf_counter() - started,
                path=request.url.path,
            )
        )

    async def _respond(
        self, request: Request, file_id: str, fired: list[Fault]
    ) -> tuple[Response, int, int]:
        replaced = delivery.replacement(fired)
        if replaced is not None:
            response, sent = delivery.respond(replaced, [])
            return response, sent, replaced.status
        query = request.query_params
        expired = any(f.kind is FaultKind.EXPIRE_LINK for f in fired)
        if expired or not self.s.signer.verify(
            file_id, query.get("expires", ""), query.get("sig", "")
        ):
            return Response(_DENIED, 403, media_type="application/xml"), len(_DENIED), 403
        item = self.s.dataset.file(file_id)
        if item is None or item.get("_plan") is None:
            return Response(_MISSING, 404, media_type="application/xml"), len(_MISSING), 404
        path = await run_in_threadpool(self.s.imagery.ensure, item["_plan"])
        size = path.stat().st_size
        etag = f'"{item["content_hash"]}"'
        last_modified = formatdate(parse_iso(item["updated_at"]).timestamp(), usegmt=True)
        headers = {
            "Accept-Ranges": "bytes",
            "ETag": etag,
            "Last-Modified": last_modified,
            "Content-Disposition": f'attachment; filename="{item["download_filename"]}"',
        }
        wanted = None
        if _if_range_allows(request.headers.get("if-range"), etag, last_modified):
            try:
                wanted = parse_range(request.headers.get("range"), size)
            except ValueError:
                headers["Content-Range"] = f"bytes */{size}"
                return Response(b"", 416, headers), 0, 416
        first, last = wanted if wanted is not None else (0, size - 1)
        status = 200 if wanted is None else 206
        if wanted is not None:
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        length = last - first + 1
        fault = next(
            (f for f in fired if f.kind in (FaultKind.CLOSE_CONNECTION, FaultKind.TRICKLE)), None
        )
        if any(f.kind is FaultKind.TRUNCATED_BODY for f in fired):
            length //= 2  # a complete response that is shorter than the file
        headers["Content-Length"] = str(length)
        if request.method == "HEAD":
            return _FileStream(status, headers, None), 0, status
        sent = (
            length // 2
            if fault is not None and fault.kind is FaultKind.CLOSE_CONNECTION
            else length
        )
        return _FileStream(status, headers, _Body(path, first, length, fault)), sent, status
