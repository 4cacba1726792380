"""One file's whole journey on a download worker: link, fetch, retries, verify, rename.

Runs on the manager's pool and never writes the store (the manager records the result
on its own thread). Network trouble is retried with jittered exponential backoff and
resumes from the `.part`; an expired link is replaced through `sync_files`; a file that
fails verification is fetched once more from zero; a cancel is raised as `Cancelled`.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass

import httpx

from app.api.client import FieldAgentClient
from app.api.errors import ApiError
from app.domain import CancelToken
from app.domain_files import RemoteFile
from app.files.catalogue_sync import fresh_links
from app.files.errors import DownloadError, FileChangedOnServer, LinkExpired, VerificationFailed
from app.files.fetch import Cancelled, Limits, fetch
from app.files.library import Library, local_name_for
from app.files.progress import ProgressBoard
from app.files.verify import verify_geotiff
from app.store.files import FileRow

log = logging.getLogger(__name__)

_jitter = random.Random()
Link = tuple[RemoteFile, float]  # the File with its signed URL, and when it was fetched


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
    ) -> None:
        self.library = library
        self.client = client
        self.http = http
        self.policy = policy
        self.cancel = cancel
        self.board = board

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
        )

    def _back_off(self, row: FileRow, error: Exception, attempts: int) -> None:
        ceiling = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempts - 1))
        delay = _jitter.uniform(0, ceiling)  # "full jitter": workers retry apart
        log.info("%s: %s; retrying in %.1f s", row.mosaic_id, error, delay)
        if self.cancel.wait(delay):
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
