"""The download manager: brings every pinned mosaic's current GeoTIFF into the library.

One pass (`run`): sync the file catalogue of the pinned mosaics, sweep unclaimed bytes,
plan against the disk budget (evicting unpinned files, least recently viewed first),
then download on a bounded pool. Workers only move bytes (fetch, verify, rename); every
store write happens on the calling thread, which collects their results in order of
completion. A pass is `complete` only when every pinned file is present and verified.

Failure handling lives in `app.files.errors`: network trouble is retried with jittered
backoff and resumes from the `.part`; an expired link is refreshed through
`sync_files`; a full disk stops the pass at once, keeping everything already stored.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from app.api.errors import ApiError, NetworkError
from app.api.transport import make_http_client
from app.domain import CancelToken
from app.files import budget
from app.files.catalogue_sync import fresh_links, sync_catalogue
from app.files.errors import (
    BudgetExceeded,
    DiskFull,
    DownloadError,
    VerificationFailed,
)
from app.files.events import (
    CatalogueUpdated,
    DownloadEvent,
    DownloadSummary,
    FileFinished,
)
from app.files.fetch import Cancelled, Limits, part_size
from app.files.library import ForeignFolder, Library, local_name_for
from app.files.progress import ProgressBoard
from app.files.transfer import Sleep, Transfer, TransferPolicy
from app.files.verify import verify_geotiff

if TYPE_CHECKING:
    from app.api.client import FieldAgentClient
    from app.domain_files import RemoteFile
    from app.files.pacing import RequestLimiter
    from app.store.files import FileRow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DownloadOptions:
    quota: int
    concurrency: int = 4  # downloads at once; with a limiter, the most it may allow
    limits: Limits = field(default_factory=Limits)
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    link_lifetime: float = 50 * 60  # refresh links older than this (they last 60 minutes)
    free_space_reserve: int = 0  # bytes to leave free on the disk besides the quota


def _fmt(size: int) -> str:
    return f"{size / 1e9:.2f} GB" if size >= 1e8 else f"{size / 1e6:.1f} MB"


class DownloadManager:
    def __init__(
        self,
        *,
        library: Library,
        client: FieldAgentClient,
        options: DownloadOptions,
        http: httpx.Client | None = None,
        limiter: RequestLimiter | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        """`limiter` decides how many downloads are in flight (None: `concurrency`,
        fixed); `sleep` waits between retries (tests record it instead of waiting)."""
        self.library = library
        self.client = client
        self.options = options
        self.limiter = limiter
        self._sleep = sleep
        self._http = http or make_http_client()
        self._owns_http = http is None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # -- one pass -----------------------------------------------------------------------

    def run(
        self,
        *,
        survey_id: str | None = None,
        cancel: CancelToken | None = None,
        on_event: Callable[[DownloadEvent], None] | None = None,
    ) -> DownloadSummary:
        cancel = cancel or CancelToken()
        # GDAL takes a moment to load; let it load while the catalogue syncs.
        threading.Thread(target=_load_rasterio, name="load-rasterio", daemon=True).start()
        emit = on_event or (lambda event: None)
        store = self.library.store
        wanted = store.pinned_mosaic_ids(survey_id=survey_id)
        try:
            self.library.ensure_root()
        except (ForeignFolder, OSError) as error:
            message = (
                error.message
                if isinstance(error, ForeignFolder)
                else (f"The imagery folder {self.library.root} cannot be used: {error.strerror}.")
            )
            return DownloadSummary(False, False, len(wanted), 0, 0, 0, (), message)
        problem: str | None = None
        unreachable = False
        links: dict[str, tuple[RemoteFile, float]] = {}
        try:
            result = sync_catalogue(self.client, self.library, wanted, cancel=cancel)
            links = result.links
            if result.changed:
                emit(CatalogueUpdated(frozenset(result.changed)))
            if not result.complete and not cancel.cancelled:
                problem = "The list of files could not be brought up to date."
        except ApiError as error:
            unreachable = isinstance(error, NetworkError)
            problem = f"The list of files could not be updated: {error}"
            log.info("File catalogue sync failed: %s", error)
        self.library.sweep()
        rows = {row.mosaic_id: row for row in store.file_rows(wanted)}
        targets = [rows[m] for m in wanted if m in rows and rows[m].size is not None]
        targets = [row for row in targets if row.current]
        missing = [row for row in targets if not self._adopt(row)]
        fetch_rows, budget_problem = self._plan(missing)
        problem = budget_problem or problem
        outcome = self._download(fetch_rows, links, targets, cancel, emit)
        problem = outcome.problem or problem
        present = sum(1 for row in store.file_rows(wanted) if row.present)
        without_row = [m for m in wanted if m not in rows]
        complete = (
            not cancel.cancelled
            and problem is None
            and not outcome.failures
            and not without_row
            and present == len(targets)
        )
        if not complete and problem is None and not cancel.cancelled:
            problem = f"{len(targets) - present} file(s) kept offline are not on this computer."
        return DownloadSummary(
            complete=complete,
            cancelled=cancel.cancelled and not outcome.disk_full,
            wanted=len(targets),
            present=present,
            downloaded=outcome.downloaded,
            bytes_downloaded=outcome.bytes,
            failures=tuple(outcome.failures),
            message=None if complete else problem,
            unreachable=unreachable,
        )

    def _adopt(self, row: FileRow) -> bool:
        """Present already, or a verified file a crash left unrecorded: nothing to fetch."""
        if row.present and self.library.path_of(row.local_name or "").is_file():
            return True
        final = self.library.path_of(local_name_for(row.mosaic_id))
        if row.part_hash == row.content_hash and row.size is not None and final.is_file():
            try:
                verify_geotiff(final, size=row.size)
            except VerificationFailed:
                final.unlink(missing_ok=True)
                return False
            self.library.record_present(row)
            return True
        return False

    def _plan(self, missing: list[FileRow]) -> tuple[list[FileRow], str | None]:
        store = self.library.store
        pinned = set(store.pinned_mosaic_ids())
        held: list[budget.Held] = []
        for row in store.file_rows():
            size = part_size(self.library.part_path(row.mosaic_id))
            if row.local_name:
                size += part_size(self.library.path_of(row.local_name))
            if size:
                used = row.last_viewed_at or ""
                held.append(budget.Held(row.mosaic_id, size, row.mosaic_id in pinned, used))
        wants = []
        for row in missing:
            part = self.library.part_path(row.mosaic_id)
            if row.part_hash != row.content_hash:
                part.unlink(missing_ok=True)  # a part of another version is useless
            wants.append(budget.Want(row.mosaic_id, (row.size or 0) - part_size(part)))
        plan = budget.plan(held, wants, self.options.quota)
        by_id = {row.mosaic_id: row for row in store.file_rows()}
        for mosaic_id in plan.evict:
            self.library.evict(by_id[mosaic_id])
        chosen = [row for row in missing if row.mosaic_id in set(plan.fetch)]
        problem = None
        if plan.short_by:
            problem = BudgetExceeded(
                f"The imagery kept offline does not fit the disk budget of "
                f"{_fmt(self.options.quota)}: {_fmt(plan.short_by)} more would be needed. "
                "Raise the budget in Settings, Storage, or keep less imagery offline."
            ).message
        free = shutil.disk_usage(self.library.root).free - self.options.free_space_reserve
        need = sum(w.missing_bytes for w in wants if w.mosaic_id in set(plan.fetch))
        if need > free:
            problem = DiskFull(
                f"The disk holding {self.library.root} has {_fmt(max(free, 0))} free, "
                f"not the {_fmt(need)} the imagery kept offline needs. Nothing was removed."
            ).message
            chosen = []
        for row in chosen:
            if row.part_hash != row.content_hash:
                store.record_local(row.file_id, part_hash=row.content_hash)
        return chosen, problem

    # -- the pool -----------------------------------------------------------------------

    def _download(
        self,
        rows: list[FileRow],
        links: dict[str, tuple[RemoteFile, float]],
        targets: list[FileRow],
        cancel: CancelToken,
        emit: Callable[[DownloadEvent], None],
    ) -> _Outcome:
        outcome = _Outcome()
        if not rows:
            return outcome
        # One call for every link still missing, rather than one per worker.
        need_links = [row.mosaic_id for row in rows if row.mosaic_id not in links]
        if need_links:
            try:
                links = {**links, **fresh_links(self.client, need_links)}
            except ApiError as error:
                log.info("Could not fetch download links up front: %s", error)
        fetching = {row.mosaic_id for row in rows}
        board = ProgressBoard(
            emit,
            sizes={row.mosaic_id: row.size or 0 for row in rows},
            already={
                row.mosaic_id: part_size(self.library.part_path(row.mosaic_id)) for row in rows
            },
            done_bytes=sum(row.size or 0 for row in targets if row.mosaic_id not in fetching),
            files_total=len(targets),
        )
        options = self.options
        policy = TransferPolicy(
            options.limits,
            options.max_attempts,
            options.base_delay,
            options.max_delay,
            options.link_lifetime,
        )
        transfer = Transfer(
            library=self.library,
            client=self.client,
            http=self._http,
            policy=policy,
            cancel=cancel,
            board=board,
            limiter=self.limiter,
            sleep=self._sleep,
        )
        # With a limiter, a worker per download it may allow; it decides how many run.
        most = self.limiter.maximum if self.limiter is not None else options.concurrency
        workers = max(1, min(most, len(rows)))
        with ThreadPoolExecutor(workers, thread_name_prefix="download") as pool:
            futures: dict[Future[None], FileRow] = {
                pool.submit(transfer.run, row, links.get(row.mosaic_id)): row for row in rows
            }
            for future in as_completed(futures):
                row = futures[future]
                event = self._collect(future, row, cancel, outcome)
                board.finished(row.mosaic_id, event is not None and event.ok)
                if event is not None:
                    emit(event)
        outcome.bytes = board.bytes_fetched
        return outcome

    def _collect(
        self, future: Future[None], row: FileRow, cancel: CancelToken, outcome: _Outcome
    ) -> FileFinished | None:
        """Record one worker's result; the event to emit (None: cancelled, said nothing)."""
        try:
            future.result()
        except Cancelled:
            return None
        except DiskFull as error:
            outcome.disk_full = True
            outcome.problem = error.message
            cancel.cancel()  # stop the other workers; what is stored stays
            if self.limiter is not None:
                self.limiter.wake_all()  # those waiting for a turn see the cancel now
            return FileFinished(row.mosaic_id, False, error.message)
        except DownloadError as error:
            outcome.failures.append((row.mosaic_id, error.message))
            return FileFinished(row.mosaic_id, False, error.message)
        self.library.record_present(row)
        outcome.downloaded += 1
        return FileFinished(row.mosaic_id, True)


def _load_rasterio() -> None:
    import rasterio  # noqa: F401  (imported for its side effect: GDAL loaded)


@dataclass(slots=True)
class _Outcome:
    downloaded: int = 0
    bytes: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    problem: str | None = None
    disk_full: bool = False


def library_bytes(root: Path) -> int:
    """Bytes of every file in the library folder (tests and the Storage page)."""
    if not root.is_dir():
        return 0
    return sum(
        entry.stat().st_size
        for entry in os.scandir(root)
        if entry.is_file() and not entry.name.startswith(".")  # not the folder's marker
    )
