"""One resumable download of one file into its `.part`, a chunk at a time.

Resuming sends `Range: bytes=<have>-` with `If-Range: "<content hash>"`: a 206 that
starts where the part ends is appended; a 200 means the server has another version (or
ignores ranges) and the part restarts from zero; the ETag must name the version the
catalogue lists, so two versions are never spliced. Every request has a total deadline
(scaled to the bytes it still has to bring, never less than a floor) and a stall limit
(the read timeout: no byte for that long ends it). The body goes to disk chunk by chunk
and is fsynced before the caller verifies and renames it.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.domain import CancelToken
from app.files.errors import (
    DiskFull,
    DownloadError,
    DownloadTimedOut,
    FileChangedOnServer,
    FileGone,
    LinkExpired,
    RetryableDownloadError,
    ServerBusy,
)

log = logging.getLogger(__name__)

# One network read: httpcore hands over at most this much at a time. A kill loses at
# most what was read but not yet written, so it is the unit the benchmark counts in.
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    stall_seconds: float = 30.0
    # The total deadline of one request: this floor, plus the bytes it must bring at
    # the slowest rate still worth waiting for.
    deadline_floor: float = 120.0
    slowest_rate: float = 16 * 1024


class Cancelled(Exception):
    """The user cancelled; the part stays for the next pass."""


def part_size(part: Path) -> int:
    try:
        return part.stat().st_size
    except FileNotFoundError:
        return 0


def fetch(
    http: httpx.Client,
    url: str,
    part: Path,
    *,
    size: int,
    content_hash: str,
    limits: Limits,
    cancel: CancelToken,
    on_bytes: Callable[[int], None],
    on_answer: Callable[[], None] | None = None,
) -> None:
    """Bring `part` up to `size` bytes of the version `content_hash` (see the docstring).

    `on_answer` is called when the response's headers arrive: the time to the first
    answer is the latency the download limiter learns from (the whole transfer's time
    says more about the file's size than about the server's load)."""
    have = part_size(part)
    if have > size:
        _truncate(part)
        have = 0
    if have == size:
        return
    etag = f'"{content_hash}"'
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers |= {"Range": f"bytes={have}-", "If-Range": etag}
    deadline = time.monotonic() + limits.deadline_floor + (size - have) / limits.slowest_rate
    timeout = httpx.Timeout(connect=15.0, read=limits.stall_seconds, write=15.0, pool=15.0)
    try:
        with http.stream("GET", url, headers=headers, timeout=timeout) as response:
            if on_answer is not None:
                on_answer()
            offset = _check(response, have, size, etag)
            _write_body(response, part, offset, size, deadline, limits, cancel, on_bytes)
    except httpx.TimeoutException as error:
        raise DownloadTimedOut(f"The download stalled ({type(error).__name__}).") from error
    except httpx.TransportError as error:
        raise RetryableDownloadError(f"The connection was lost ({error}).") from error
    got = part_size(part)
    if got != size:
        raise RetryableDownloadError(f"The server sent {got} of {size} bytes.")


def _check(response: httpx.Response, have: int, size: int, etag: str) -> int:
    """Where to write the body; raises for what the status says."""
    status = response.status_code
    if status in (401, 403):
        raise LinkExpired("The download link has expired.")
    if status in (404, 410):
        raise FileGone("The server no longer has this file.")
    if status == 416:
        raise FileChangedOnServer("The file on the server is not the size FieldDesk expected.")
    if status in (429, 503):
        raise ServerBusy(
            f"The file server answered HTTP {status}.",
            status=status,
            retry_after=retry_after(response.headers.get("retry-after")),
        )
    if status >= 500:
        raise RetryableDownloadError(f"The file server answered HTTP {status}.")
    if status not in (200, 206):
        raise DownloadError(f"The file server answered HTTP {status}.")
    served = response.headers.get("etag")
    if served is not None and served != etag:
        raise FileChangedOnServer("The server now has another version of this file.")
    if status == 200:
        return 0
    first = _content_range_start(response.headers.get("content-range"))
    if first != have:
        raise RetryableDownloadError("The server resumed at another byte; starting over.")
    return have


def retry_after(header: str | None) -> float | None:
    """Seconds from a Retry-After header; None when absent or not a plain number
    (an HTTP date from a file host is rare enough to fall back to our own backoff)."""
    if header is None:
        return None
    try:
        seconds = float(header.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds else None


def _content_range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes "):
        return None
    start = header[len("bytes ") :].partition("-")[0]
    return int(start) if start.isdigit() else None


def _write_body(
    response: httpx.Response,
    part: Path,
    offset: int,
    size: int,
    deadline: float,
    limits: Limits,
    cancel: CancelToken,
    on_bytes: Callable[[int], None],
) -> None:
    mode = "r+b" if offset and part.exists() else "wb"
    try:
        # Unbuffered: each piece reaches the file as it arrives, so a kill loses nothing
        # that was received, and a full disk is noticed at the piece that did not fit.
        with part.open(mode, buffering=0) as out:
            out.seek(offset)
            out.truncate()
            written = offset
            # Unsized: a sized iterator holds bytes back until it has a full chunk, and a
            # cut connection would lose them instead of leaving them in the part.
            for chunk in response.iter_raw():
                if cancel.cancelled:
                    raise Cancelled
                if written + len(chunk) > size:
                    raise FileChangedOnServer("The server sent more bytes than the file has.")
                view = memoryview(chunk)
                while view:
                    view = view[out.write(view) or 0 :]
                written += len(chunk)
                on_bytes(len(chunk))
                if time.monotonic() > deadline:
                    raise RetryableDownloadError("The download took too long; resuming.")
            os.fsync(out.fileno())
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            log.info("No space left for %s", part, exc_info=True)
            raise DiskFull(
                f"The disk holding {part.parent} is full; the files already kept offline "
                "are safe. Free some space, then download again."
            ) from error
        raise


def _truncate(part: Path) -> None:
    with part.open("wb"):
        pass
