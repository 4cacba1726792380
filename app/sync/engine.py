"""The sync engine: FieldAgent's documented `sync_*` loop, level by level, in plain Python.

For each scope (the fields of an organization, the surveys of a field, the mosaics of
a survey) the engine sends every content hash held locally, applies the page, and asks
again with the new hash set until `remaining_count` is 0 or a page comes back empty.
The hash set *is* the checkpoint: each page is committed in its own transaction, so a
run that is cancelled, killed or cut off resumes by itself next time.

Threads: `run()` is called on one thread, which becomes the only writer to the store.
Up to `concurrency` scope loops fetch pages on a small pool over one shared HTTP
client; every store call they need is handed to the writer through a queue and
awaited, so requests overlap while writes stay serial.

Errors end a scope or the whole run, never silently:
- transient API errors are retried (`RetryPolicy`); when retries run out on a network
  error or a connect/read timeout the run stops as INTERRUPTED (the network is gone,
  every scope would fail);
- a 5xx, GraphQL or protocol error fails only its scope: the run ends PARTIAL. So does
  a request that kept outlasting its total deadline (`DeadlineExceeded`): the server
  answers, just too slowly for that scope, and the other scopes may well be fine;
- an auth error stops the run as SIGNED_OUT; a refused TLS certificate or a store
  error stops it as FAILED, with the certificate named rather than "not reached";
- a cancel stops it as CANCELLED; the page in hand is dropped, not committed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from app.api.client import ClientAborted, FieldAgentClient
from app.api.errors import (
    ApiError,
    AuthError,
    DeadlineExceeded,
    NetworkError,
    RequestTimeout,
    TLSError,
)
from app.domain import (
    ChangeSet,
    Level,
    Organization,
    Outcome,
    Scope,
    ScopeKind,
    SyncError,
    SyncPage,
)
from app.store.errors import StoreError, UnknownScopeError
from app.sync.events import CancelToken, Progress, RunSummary, ScopeFailure
from app.sync.limiter import AdaptiveLimiter, LimiterCancelled, report_error
from app.sync.pages import PageGuard, ScopeStalled
from app.sync.retry import RetryPolicy

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
Event = Progress | ChangeSet
EventSink = Callable[[Event], None]

ORGANIZATION_PAGE_SIZE = 100
# Share of the progress bar each level gets; mosaics are most of the work.
LEVEL_WEIGHTS = {
    Level.ORGANIZATIONS: 0.02,
    Level.FIELDS: 0.08,
    Level.SURVEYS: 0.2,
    Level.MOSAICS: 0.7,
}


class Cancelled(Exception):
    """The user cancelled; raised inside scope loops to unwind them."""


class RunStopped(Exception):
    """A failure that ends the whole run (auth, store, network gone)."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


@dataclass(slots=True)
class _Counters:
    upserted: int = 0
    deleted: int = 0
    requests: int = 0
    bytes_received: int = 0


class SyncEngine:
    """Runs sync passes against one store. Create one per run or reuse; not re-entrant."""

    def __init__(
        self,
        *,
        store: Store,
        client_factory: Callable[[], FieldAgentClient],
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
        stall_pages: int = 3,
        limiter: Callable[[], AdaptiveLimiter] | None = None,
    ) -> None:
        """`limiter`, when given, makes a limiter per run: it decides how many requests
        are in flight (up to its maximum) and `concurrency` is ignored."""
        self._store = store
        self._client_factory = client_factory
        self._limiter_factory = limiter
        self._concurrency = max(1, concurrency)
        self._retry = retry or RetryPolicy()
        self._stall_pages = stall_pages

    def run(self, scope: Scope, *, cancel: CancelToken, on_event: EventSink) -> RunSummary:
        """Sync `scope` and everything below it; block until done; never raise for
        expected failures (they are in the summary)."""
        run = _Run(self, scope, cancel, on_event)
        return run.execute()


class _Run:
    """One pass of the engine; holds the state shared by the writer and the fetchers."""

    def __init__(
        self, engine: SyncEngine, scope: Scope, cancel: CancelToken, on_event: EventSink
    ) -> None:
        self.engine = engine
        self.store = engine._store
        self.scope = scope
        self.cancel = cancel
        self.on_event = on_event
        self.counters = _Counters()
        self.lock = threading.Lock()
        self.inbox: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self.failures: list[ScopeFailure] = []
        self.sync_errors: list[SyncError] = []
        self.stop: RunStopped | None = None
        self.client: FieldAgentClient | None = None
        self.run_id: int | None = None
        self.level = Level.ORGANIZATIONS
        self.level_base = 0.0
        self.scopes_done = 0
        self.scopes_total = 0
        self.partial: dict[str, float] = {}  # scope id -> fraction of that scope done
        self.labels: dict[str, str] = {}
        self.limiter = engine._limiter_factory() if engine._limiter_factory else None

    # -- the writer side (the thread that called run) ---------------------------------

    def execute(self) -> RunSummary:
        try:
            self.run_id = self.store.begin_run(self.scope.kind, self.scope.sentera_id)
        except StoreError as error:
            return self._summary(Outcome.FAILED, f"The local database cannot be written: {error}")
        try:
            self.client = self.engine._client_factory()
            for level, scope_ids in self._plan():
                self._sync_level(level, scope_ids())
                if self.stop or self.cancel.cancelled:
                    break
        except RunStopped as stop:
            self.stop = stop
        except Cancelled:
            pass
        except ApiError as error:  # the organizations list itself could not be had
            self.stop = _run_stop_for(error) or RunStopped(Outcome.FAILED, error.user_message)
        except StoreError as error:
            self.stop = RunStopped(Outcome.FAILED, f"The local database cannot be written: {error}")
        finally:
            if self.client is not None:
                self.client.close()
        summary = self._final_summary()
        try:
            self.store.finish_run(
                self.run_id,
                outcome=summary.outcome,
                upserted=summary.upserted,
                deleted=summary.deleted,
                failed=len(summary.sync_errors),
                requests=summary.requests,
                bytes=summary.bytes_received,
                message=summary.message,
            )
        except StoreError:
            log.exception("could not record the end of sync run %s", self.run_id)
        log.info("sync run %s ended: %s (%s)", self.run_id, summary.outcome, summary.message)
        return summary

    def _plan(self) -> list[tuple[Level, Callable[[], list[str]]]]:
        """The levels this run covers, each with a function listing its scopes, called
        only once the level above is done (it reflects what that level changed)."""
        kind, sid = self.scope.kind, self.scope.sentera_id
        store = self.store

        def org_ids() -> list[str]:
            if kind is ScopeKind.ORGANIZATION and sid:
                return [sid]
            orgs = store.organizations()
            self.labels.update({o.sentera_id: o.name for o in orgs})
            return [o.sentera_id for o in orgs]

        def field_ids() -> list[str]:
            if kind is ScopeKind.FIELD and sid:
                return [sid]
            orgs = set(org_ids())
            fields = [f for f in store.fields() if f.organization_sentera_id in orgs]
            self.labels.update({f.sentera_id: f.name for f in fields})
            return [f.sentera_id for f in fields]

        def survey_ids() -> list[str]:
            if kind is ScopeKind.SURVEY and sid:
                return [sid]
            fields = set(field_ids())
            surveys = [s for s in store.surveys() if s.field_sentera_id in fields]
            self.labels.update({s.sentera_id: s.name for s in surveys})
            return [s.sentera_id for s in surveys]

        plan: list[tuple[Level, Callable[[], list[str]]]] = []
        if kind is ScopeKind.ALL:
            plan.append((Level.ORGANIZATIONS, lambda: [""]))
        if kind in (ScopeKind.ALL, ScopeKind.ORGANIZATION):
            plan.append((Level.FIELDS, org_ids))
        if kind in (ScopeKind.ALL, ScopeKind.ORGANIZATION, ScopeKind.FIELD):
            plan.append((Level.SURVEYS, field_ids))
        plan.append((Level.MOSAICS, survey_ids))
        return plan

    def _sync_level(self, level: Level, scope_ids: Sequence[str]) -> None:
        self.level, self.scopes_done, self.scopes_total = level, 0, len(scope_ids)
        self.partial.clear()
        self.level_base = sum(w for lv, w in LEVEL_WEIGHTS.items() if _order(lv) < _order(level))
        self._emit_progress(scope_ids[0] if scope_ids else None, 0)
        if not scope_ids:
            return
        if level is Level.ORGANIZATIONS:
            self._sync_organizations()
            return
        workers = self.limiter.maximum if self.limiter else self.engine._concurrency
        pool = ThreadPoolExecutor(workers, thread_name_prefix=f"sync-{level}")
        # Finished scope loops announce themselves (and wake the writer) rather than
        # being polled: with thousands of scopes, polling every future after every
        # served task cost as much CPU as the sync itself.
        ended: queue.SimpleQueue[Future[None]] = queue.SimpleQueue()

        def announce(loop: Future[None]) -> None:
            ended.put(loop)
            self.inbox.put((_nothing, Future()))

        pending: dict[Future[None], str] = {}
        for sid in scope_ids:
            loop = pool.submit(self._scope_loop, level, sid)
            pending[loop] = sid
            loop.add_done_callback(announce)
        scope_loops = list(pending)
        aborted = False
        try:
            while pending:
                try:
                    task, reply = self.inbox.get(timeout=0.1)
                except queue.Empty:
                    pass
                else:
                    self._serve(task, reply)
                while not ended.empty():
                    done = ended.get()
                    self._scope_finished(level, pending.pop(done), done)
                if self.cancel.cancelled and not aborted:
                    aborted = True
                    self.cancel_in_flight()
        except BaseException:
            # A bug: make the fetchers stop at their next store call, then re-raise.
            self.stop = self.stop or RunStopped(Outcome.FAILED, "FieldDesk hit an internal error.")
            raise
        finally:
            self._drain(pool, scope_loops)

    def _serve(self, task: Callable[[], Any], reply: Future[Any]) -> None:
        """Run one store call on the writer thread for a fetcher."""
        if self.stop is not None:
            reply.set_exception(self.stop)
            return
        try:
            reply.set_result(task())
        except UnknownScopeError as error:  # the parent went away: this scope only
            reply.set_exception(error)
        except StoreError as error:
            self.stop = RunStopped(Outcome.FAILED, f"The local database cannot be written: {error}")
            reply.set_exception(self.stop)
        except BaseException as error:  # a bug: let the fetcher re-raise it
            reply.set_exception(error)

    def _drain(self, pool: ThreadPoolExecutor, scope_loops: list[Future[None]]) -> None:
        """Drop loops not yet started, answer the running ones until they end, join."""
        pool.shutdown(wait=False, cancel_futures=True)
        while not all(loop.done() for loop in scope_loops):
            try:
                task, reply = self.inbox.get(timeout=0.05)
            except queue.Empty:
                continue
            self._serve(task, reply)
        pool.shutdown(wait=True)

    def _scope_finished(self, level: Level, scope_id: str, done: Future[None]) -> None:
        self.scopes_done += 1
        self.partial.pop(scope_id, None)
        error = done.exception()
        if error is None or isinstance(error, Cancelled):
            pass
        elif isinstance(error, RunStopped):
            self.stop = self.stop or error
        elif isinstance(error, ApiError) and (stop := _run_stop_for(error)):
            self.stop = self.stop or stop
        elif isinstance(error, ApiError | ScopeStalled | UnknownScopeError):
            message = (
                error.user_message if isinstance(error, ApiError | ScopeStalled) else str(error)
            )
            log.warning("%s sync of %s failed: %s", level, scope_id, message)
            self.failures.append(ScopeFailure(level, scope_id, message))
            self._record_scope_failure(level, scope_id, message)
        else:
            raise error  # a bug: the crash handler should see it
        if self.stop is not None:
            self.cancel_in_flight()
        self._emit_progress(scope_id, 0)

    def _record_scope_failure(self, level: Level, scope_id: str, message: str) -> None:
        try:
            self.store.mark_scope_failed(level, scope_id, self.run_id, message)
        except StoreError:
            log.exception("could not record the failure of %s %s", level, scope_id)

    def cancel_in_flight(self) -> None:
        """Abort requests still on the wire, so cancel and stop take effect now.

        Only aborted here: the fetchers may still be inside a request. The client is
        closed by `execute` once every fetcher has returned (`_drain` joins them).
        """
        if self.client is not None:
            self.client.abort()
        if self.limiter is not None:
            self.limiter.wake_all()

    @property
    def cancelled(self) -> bool:
        """For the limiter: stop waiting for a slot once the run is cancelled or stopped."""
        return self.cancel.cancelled or self.stop is not None

    # -- the fetcher side (pool threads) ----------------------------------------------

    def on_writer(self, task: Callable[[], T]) -> T:
        """Run `task` on the writer thread and wait for its result."""
        reply: Future[T] = Future()
        self.inbox.put((task, reply))
        return reply.result()

    def _scope_loop(self, level: Level, scope_id: str) -> None:
        hashes: dict[str, str] = self.on_writer(lambda: self.store.local_hashes(level, scope_id))
        guard = PageGuard(level, scope_id, stall_pages=self.engine._stall_pages)
        while True:
            self._check_cancel()
            page = self._fetch(level, scope_id, list(hashes.values()))
            guard.observe(page)
            complete = page.remaining_count == 0 or not (page.upserted or page.deleted)
            self.on_writer(lambda p=page, c=complete: self._apply(level, scope_id, p, c))  # type: ignore[misc]
            before = dict(hashes)
            for gone in page.deleted:
                hashes.pop(gone.sentera_id, None)
            for item in page.upserted:
                hashes[item.sentera_id] = item.content_hash
            if complete:
                return
            guard.check(before, hashes, page.remaining_count)
            with self.lock:
                total = guard.first_total or 1
                self.partial[scope_id] = max(0.0, 1 - page.remaining_count / total)
            self.on_writer(lambda r=page.remaining_count: self._emit_progress(scope_id, r))  # type: ignore[misc]

    def _check_cancel(self) -> None:
        if self.cancel.cancelled:
            raise Cancelled
        if self.stop is not None:
            raise self.stop

    def _fetch(self, level: Level, scope_id: str, content_hashes: list[str]) -> SyncPage[Any]:
        client = self.client
        assert client is not None
        call: Callable[[str, list[str]], SyncPage[Any]] = {
            Level.FIELDS: client.sync_fields,
            Level.SURVEYS: client.sync_surveys,
            Level.MOSAICS: client.sync_mosaics,
        }[level]
        page = self._with_retries(lambda: call(scope_id, content_hashes))
        with self.lock:
            self.counters.bytes_received += page.response_bytes
        return page

    def _with_retries(self, request: Callable[[], T]) -> T:
        attempt, waited = 0, 0.0
        while True:
            self._check_cancel()
            try:
                return self._request(request)
            except ClientAborted:
                # `cancel_in_flight` aborted the client: the run is already stopping or
                # cancelled, which is what this loop reports.
                if self.stop is not None:
                    raise self.stop from None
                if self.cancel.cancelled:
                    raise Cancelled from None
                raise
            except ApiError as error:
                if self.cancel.cancelled:
                    raise Cancelled from error
                attempt += 1
                delay = self.engine._retry.delay_before(attempt, error, waited)
                if delay is None:
                    raise
                log.info("retrying in %.2fs after: %s", delay, error.user_message)
                waited += delay
                if self.cancel.wait(delay):
                    raise Cancelled from error

    def _request(self, request: Callable[[], T]) -> T:
        """Send one request, within the limiter's slots when there is a limiter."""
        if self.limiter is None:
            with self.lock:
                self.counters.requests += 1
            return request()
        try:
            slot = self.limiter.acquire(self)
        except LimiterCancelled:
            self._check_cancel()
            raise Cancelled from None
        with self.lock:
            self.counters.requests += 1
        with slot:
            try:
                return request()
            except ApiError as error:
                report_error(slot, error)
                raise

    def _apply(self, level: Level, scope_id: str, page: SyncPage[Any], complete: bool) -> ChangeSet:
        """Writer thread: commit one page, unless the run was cancelled meanwhile."""

        def still_wanted() -> None:  # runs inside the transaction, just before COMMIT
            if self.cancel.cancelled:
                raise Cancelled

        still_wanted()
        changes = self.store.apply_page(
            level,
            scope_id,
            page,
            scope_complete=complete,
            run_id=self.run_id,
            before_commit=still_wanted,
        )
        self.counters.upserted += len(page.upserted)
        self.counters.deleted += len(page.deleted)
        self.sync_errors.extend(page.failed)
        log.debug(
            "committed %s page of %s: +%d ~%d -%d, %d left",
            level,
            scope_id,
            len(changes.inserted),
            len(changes.updated),
            len(changes.deleted),
            page.remaining_count,
        )
        if not changes.empty:
            self.on_event(changes)
        return changes

    # -- organizations: a plain paged list ---------------------------------------------

    def _sync_organizations(self) -> None:
        client = self.client
        assert client is not None
        orgs: list[Organization] = []
        page_number = 1
        while True:
            self._check_cancel()
            page = self._with_retries(
                lambda n=page_number: client.organizations(page=n, page_size=ORGANIZATION_PAGE_SIZE)  # type: ignore[misc]
            )
            self.counters.bytes_received += page.response_bytes
            orgs.extend(page.results)
            if not page.results or len(orgs) >= page.total_count:
                break
            page_number += 1
        self._check_cancel()
        changes = self.store.apply_organizations(orgs, complete=True)
        if not changes.empty:
            self.on_event(changes)
        self.scopes_done = 1

    # -- progress and summary -----------------------------------------------------------

    def _emit_progress(self, scope_id: str | None, remaining: int) -> None:
        weight = LEVEL_WEIGHTS[self.level]
        with self.lock:
            within = (
                (self.scopes_done + sum(self.partial.values())) / self.scopes_total
                if self.scopes_total
                else 1.0
            )
            counters = replace(self.counters)  # a consistent copy, read outside the lock
        self.on_event(
            Progress(
                level=self.level,
                scope_id=scope_id or None,
                scope_label=self.labels.get(scope_id or "", ""),
                remaining_count=remaining,
                items_done=counters.upserted + counters.deleted,
                scopes_done=self.scopes_done,
                scopes_total=self.scopes_total,
                requests=counters.requests,
                bytes_received=counters.bytes_received,
                fraction=min(1.0, self.level_base + weight * min(1.0, within)),
            )
        )

    def _final_summary(self) -> RunSummary:
        if self.stop is not None:
            return self._summary(self.stop.outcome, self.stop.message)
        if self.cancel.cancelled:
            return self._summary(
                Outcome.CANCELLED, "Sync cancelled. Everything received so far is kept."
            )
        if self.failures:
            n = len(self.failures)
            return self._summary(
                Outcome.PARTIAL,
                f"Sync finished with problems: {n} {'part' if n == 1 else 'parts'} "
                f"could not be synced. First: {self.failures[0].message}",
            )
        if self.sync_errors:
            n = len(self.sync_errors)
            return self._summary(
                Outcome.COMPLETE,
                f"Sync finished, but FieldAgent reported {n} {'item' if n == 1 else 'items'} "
                "it could not sync.",
            )
        return self._summary(Outcome.COMPLETE, "Up to date.")

    def _summary(self, outcome: Outcome, message: str) -> RunSummary:
        return RunSummary(
            run_id=self.run_id,
            scope=self.scope,
            outcome=outcome,
            message=message,
            upserted=self.counters.upserted,
            deleted=self.counters.deleted,
            requests=self.counters.requests,
            bytes_received=self.counters.bytes_received,
            scope_failures=tuple(self.failures),
            sync_errors=tuple(self.sync_errors),
        )


def _run_stop_for(error: ApiError) -> RunStopped | None:
    """The API errors that end the whole run rather than one scope."""
    if isinstance(error, AuthError):
        return RunStopped(Outcome.SIGNED_OUT, error.user_message)
    if isinstance(error, DeadlineExceeded):
        return None  # the server answers, too slowly for this scope: fail only the scope
    if isinstance(error, NetworkError | RequestTimeout):
        return RunStopped(
            Outcome.INTERRUPTED,
            "Interrupted: FieldAgent could not be reached. "
            "Sync will continue where it stopped when the connection is back.",
        )
    if isinstance(error, TLSError):  # every scope would meet the same certificate
        return RunStopped(Outcome.FAILED, error.user_message)
    return None


def _nothing() -> None:
    """A no-op writer task, queued only to wake the writer."""


def _order(level: Level) -> int:
    return list(Level).index(level)
