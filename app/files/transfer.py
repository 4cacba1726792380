"""One file's whole journey on a download worker: link, fetch, retries, verify, rename.

Runs on the manager's pool and never writes the store (the manager records the result
on its own thread). Network trouble is retried with jittered exponential backoff and
resumes from the `.part`; an expired link is replaced through `sync_files`; a file that
fails verification is fetched once more from zero; a cancel is raised as `Cancelled`.
A 429 or 503 with a Retry-After is retried after exactly that pause (capped), not our
own guess. With a limiter (`pacing.py`) each request to the file host holds a slot
from its first byte sent to its last byte received, and tells the limiter how it went.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from app.api.errors import ApiError
from app.domain_files import RemoteFile
from app.files.catalogue_sync import fresh_links
from app.files.errors import (
    DownloadError,
    DownloadTimedOut,
    FileChangedOnServer,
    LinkExpired,
    ServerBusy,
    VerificationFailed,
)
from app.files.fetch import Cancelled, Limits, fetch
from app.files.library import Library, local_name_for
from app.files.verify import verify_geotiff

if TYPE_CHECKING:
    from app.api.client import FieldAgentClient
    from app.domain import CancelToken
    from app.files.pacing import RequestLimiter
    from app.files.progress import ProgressBoard
    from app.store.files import FileRow

log = logging.getLogger(__name__)

_jitter = random.Random()
Link = tuple[RemoteFile, float]  # the File with its signed URL, and when it was fetched
# Sleeps up to the given seconds; True if the pass was cancelled meanwhile.
Sleep = Callable[[float], bool]
# The longest a host's Retry-After may hold one download back (as the sync's backoff).
MAX_RETRY_AFTER = 120.0


@dataclass(frozen=True, slots=True)
class TransferPolicy:
    limits: Limits
    max_attempts: int
    base_delay: float
    max_delay: float
    link_lifetime: float


class Transfer:
    def __init__(
        self,
        *,
        library: Library,
        client: FieldAgentClient,
        http: httpx.Client,
        policy: TransferPolicy,
        cancel: CancelToken,
        board: ProgressBoard,
        limiter: RequestLimiter | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.library = library
        self.client = client
        self.http = http
        self.policy = policy
        self.cancel = cancel
        self.board = board
        self.limiter = limiter
        self.sleep: Sleep = sleep or cancel.wait

    def run(self, row: FileRow, link: Link | None) -> None:
        assert row.size is not None
        part = self.library.part_path(row.mosaic_id)
        final = self.library.path_of(local_name_for(row.mosaic_id))
        attempts = refreshes = 0
        while True:
            if self.cancel.cancelled:
                raise Cancelled
            try:
                if link is None or time.monotonic() - link[1] > self.policy.link_lifetime:
                    link = self._fresh_link(row)
                self._fetch(row, link[0].url)
                verify_geotiff(part, size=row.size)
                os.replace(part, final)
                return
            except LinkExpired:
                refreshes += 1
                if refreshes > 3:
                    raise
                log.info("Link of %s expired; asking sync_files for a new one", row.mosaic_id)
                link = None
            except VerificationFailed:
                part.unlink(missing_ok=True)
                self.board.restart(row.mosaic_id)
                attempts += 1
                if attempts >= 2:
                    raise
            except (DownloadError, ApiError) as error:
                attempts += 1
                if not error.retryable or attempts >= self.policy.max_attempts:
                    if isinstance(error, ApiError):
                        raise DownloadError(f"Could not get a download link: {error}") from error
                    raise
                self._back_off(row, error, attempts)

    def _fetch(self, row: FileRow, url: str | None) -> None:
        if url is None:
            raise DownloadError("The server has no stored file for this mosaic yet.")
        if self.limiter is None:
            self._fetch_now(row, url, None)
            return
        try:
            slot = self.limiter.acquire(self.cancel)
        except Exception:
            if self.cancel.cancelled:  # the limiter's own "cancelled while waiting"
                raise Cancelled from None
            raise
        started = time.monotonic()
        answered: list[float] = []
        try:
            self._fetch_now(row, url, lambda: answered.append(time.monotonic() - started))
        except ServerBusy as error:
            slot.refused(error.status, retry_after=error.retry_after)
            raise
        except DownloadTimedOut:
            slot.timed_out()
            raise
        except BaseException:
            slot.ignore()  # cancelled, cut, expired link...: says nothing about load
            raise
        slot.success(answered[0] if answered else None)

    def _fetch_now(self, row: FileRow, url: str, on_answer: Callable[[], None] | None) -> None:
        assert row.size is not None
        fetch(
            self.http,
            url,
            self.library.part_path(row.mosaic_id),
            size=row.size,
            content_hash=row.content_hash,
            limits=self.policy.limits,
            cancel=self.cancel,
            on_bytes=lambda count: self.board.add(row.mosaic_id, count),
            on_answer=on_answer,
        )

    def _back_off(self, row: FileRow, error: Exception, attempts: int) -> None:
        if isinstance(error, ServerBusy) and error.retry_after is not None:
            # The host said when: earlier would be refused again, later wastes time.
            delay = min(error.retry_after, MAX_RETRY_AFTER)
        else:
            ceiling = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempts - 1))
            delay = _jitter.uniform(0, ceiling)  # "full jitter": workers retry apart
        log.info("%s: %s; retrying in %.1f s", row.mosaic_id, error, delay)
        if self.sleep(delay):
            raise Cancelled

    def _fresh_link(self, row: FileRow) -> Link:
        found = fresh_links(self.client, [row.mosaic_id]).get(row.mosaic_id)
        if found is None:
            raise DownloadError("The server no longer lists a file for this mosaic.")
        if found[0].content_hash != row.content_hash:
            raise FileChangedOnServer(
                "The mosaic was re-processed meanwhile; its new file comes with the next pass."
            )
        return found
