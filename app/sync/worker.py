"""The only Qt glue for sync: runs the plain engine on a QThread and re-emits its events.

Shape (see STYLE.md 2–4):

    SyncController (UI thread)            SyncWorker (its own QThread)
      start(scope) ── _run_requested ──►   run(scope): engine.run(...) blocks here
      cancel() ──► CancelToken.cancel()    on_event ─► progress / changes signals
      finished ◄── queued ──────────────   finished(RunSummary) ─► thread.quit (direct)
      (waits for the thread, then drops it) thread.finished ─► worker.deleteLater

Cancelling sets the thread-safe token directly: the worker's thread is busy inside
`engine.run`, so a queued `cancel()` slot would only run after the sync had ended.
Signals carry the engine's frozen dataclasses unchanged; the worker never touches widgets.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from app import settings as options
from app.domain import ChangeSet, Outcome, Scope
from app.sync.events import CancelToken, Progress, RunSummary

if TYPE_CHECKING:
    from app.store import Store
    from app.sync.limits import LimitChange
    from app.sync.retry import RetryPolicy

log = logging.getLogger(__name__)

# Progress is a display concern: ten updates a second is plenty, and sparing the
# UI thread thousands of label updates keeps it responsive during big syncs.
PROGRESS_INTERVAL_S = 0.1


class SyncRunner(Protocol):
    """What the worker needs from the engine (`app.sync.engine.SyncEngine` satisfies it)."""

    def run(
        self,
        scope: Scope,
        *,
        cancel: CancelToken,
        on_event: Callable[[Progress | ChangeSet], None],
    ) -> RunSummary: ...


RunnerFactory = Callable[[], SyncRunner]
ClientFactory = Callable[[], Any]


class EngineFactory:
    """Builds the `SyncEngine` for each run, with the settings of that moment.

    The session owns it and changes it as the user signs in or out (`client_factory`,
    None when signed out), switches servers (`server_url`) or edits the preferences; the
    worker calls it on its own thread at the start of each run, so a run uses the
    settings it started with. Each run gets an adaptive limiter: `concurrency` is the
    most requests it may keep in flight, and a server's Retry-After is shared with every
    run against that server (`backoff_for`), like the limit a run learnt: the next run
    starts there rather than small. `watch_limits` hears every run's limit (its start
    and each change), on whichever thread it moved.
    """

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory | None = None,
        *,
        concurrency: int = options.CONCURRENCY.default,
        retry: RetryPolicy | None = None,
        server_url: str | None = None,
    ) -> None:
        self.store = store
        self.client_factory = client_factory
        self.concurrency = concurrency  # the most requests in flight
        self.retry = retry  # None: the engine's default
        self.server_url = server_url  # None: the limiter keeps its pauses to itself
        self._limit_watchers: list[Callable[[LimitChange], None]] = []
        self._watchers_lock = threading.Lock()

    def watch_limits(self, callback: Callable[[LimitChange], None]) -> Callable[[], None]:
        """Call `callback` with each run's limit as it moves; returns the unsubscribe."""
        with self._watchers_lock:
            self._limit_watchers.append(callback)

        def stop() -> None:
            with self._watchers_lock:
                if callback in self._limit_watchers:
                    self._limit_watchers.remove(callback)

        return stop

    def _limit_moved(self, change: LimitChange) -> None:
        with self._watchers_lock:
            watchers = list(self._limit_watchers)
        for watcher in watchers:
            watcher(change)

    def __call__(self) -> SyncRunner:
        # The engine pulls in httpx; load on first use.
        from app.sync.backoff import backoff_for
        from app.sync.engine import SyncEngine
        from app.sync.limiter import AdaptiveLimiter

        factory = self.client_factory
        if factory is None:
            raise RuntimeError("sync started without an account")
        maximum = max(1, self.concurrency)
        backoff = backoff_for(self.server_url) if self.server_url else None

        def limiter() -> AdaptiveLimiter:
            made = AdaptiveLimiter(maximum, backoff=backoff, resume=True)
            made.on_change(self._limit_moved)
            self._limit_moved(made.start)
            return made

        return SyncEngine(
            store=self.store,
            client_factory=factory,
            concurrency=maximum,
            retry=self.retry,
            limiter=limiter,
        )


class SyncWorker(QObject):
    """Runs one sync on the thread it was moved to and reports through signals."""

    progress = Signal(object)  # Progress
    changes = Signal(object)  # ChangeSet
    finished = Signal(object)  # RunSummary

    def __init__(self, runner_factory: RunnerFactory, cancel: CancelToken) -> None:
        super().__init__()
        self._runner_factory = runner_factory
        self._cancel = cancel
        self._last_progress_at = 0.0
        self._pending_progress: Progress | None = None

    @Slot(object)
    def run(self, scope: Scope) -> None:
        log.debug("sync worker starting %s", scope)
        try:
            # Built here so anything thread-bound the engine creates belongs to this thread.
            runner = self._runner_factory()
            summary = runner.run(scope, cancel=self._cancel, on_event=self._on_event)
        except Exception:
            # A bug, not an expected failure (the engine turns those into outcomes): log it
            # with its traceback and still end the run so the window does not hang.
            log.exception("sync run crashed")
            summary = RunSummary(
                run_id=None,
                scope=scope,
                outcome=Outcome.FAILED,
                message="Sync stopped because of an internal error; see the log for details.",
            )
        self._flush_progress()
        log.debug("sync worker finished: %s", summary.outcome)
        self.finished.emit(summary)

    def _on_event(self, event: Progress | ChangeSet) -> None:
        if isinstance(event, ChangeSet):
            if not event.empty:
                self.changes.emit(event)
            return
        now = time.monotonic()
        self._pending_progress = event
        if now - self._last_progress_at >= PROGRESS_INTERVAL_S:
            self._flush_progress()

    def _flush_progress(self) -> None:
        if self._pending_progress is not None:
            self._last_progress_at = time.monotonic()
            self.progress.emit(self._pending_progress)
            self._pending_progress = None


class SyncController(QObject):
    """Owns the worker thread; at most one run at a time.

    The window talks only to this object: `start(scope)` (returns False while a run is
    going), `cancel()`, `is_running`, and the forwarded signals.
    """

    started = Signal(object)  # Scope
    progress = Signal(object)  # Progress
    changes = Signal(object)  # ChangeSet
    finished = Signal(object)  # RunSummary
    # LimitChange: the run's requests in flight, at its start and as they move. Emitted
    # from the sync's threads; Qt queues it to receivers on the UI thread.
    limit_changed = Signal(object)
    running_changed = Signal(bool)
    _run_requested = Signal(object)  # Scope, delivered to the worker's thread

    def __init__(self, runner_factory: RunnerFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner_factory = runner_factory
        self._thread: QThread | None = None
        self._worker: SyncWorker | None = None
        self._cancel: CancelToken | None = None
        self._scope: Scope | None = None
        self._stop_watching: Callable[[], None] | None = None

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    @property
    def runner_factory(self) -> RunnerFactory:
        """What builds each run's engine (the session's `EngineFactory` in the app)."""
        return self._runner_factory

    @property
    def scope(self) -> Scope | None:
        """The scope of the run in progress, if any."""
        return self._scope if self.is_running else None

    @property
    def cancel_requested(self) -> bool:
        return self._cancel is not None and self._cancel.cancelled

    def start(self, scope: Scope) -> bool:
        if self._thread is not None:
            log.debug("sync already running; ignoring start(%s)", scope)
            return False
        self._cancel = CancelToken()
        self._scope = scope
        thread = QThread()
        thread.setObjectName("fielddesk-sync")
        worker = SyncWorker(self._runner_factory, self._cancel)
        worker.moveToThread(thread)
        # Single-shot: later starts must not reach this worker again, and nothing may
        # touch it after the emit below (a run that fails at once can end, and its worker
        # be deleted, before this thread gets past the emit).
        self._run_requested.connect(worker.run, Qt.ConnectionType.SingleShotConnection)
        worker.progress.connect(self.progress)
        worker.changes.connect(self.changes)
        worker.finished.connect(self._on_worker_finished)
        # Direct: QThread.quit is thread-safe, and a queued call would never arrive while
        # shutdown() blocks the UI thread in wait().
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(worker.deleteLater)
        self._thread, self._worker = thread, worker
        if isinstance(self._runner_factory, EngineFactory):
            # For this run only: a controller gone with its window is never called.
            self._stop_watching = self._runner_factory.watch_limits(self.limit_changed.emit)
        thread.start()
        self._run_requested.emit(scope)
        self.running_changed.emit(True)
        self.started.emit(scope)
        return True

    def cancel(self) -> None:
        """Ask the running sync to stop after the page in flight; returns at once."""
        if self._cancel is not None and not self._cancel.cancelled:
            log.debug("sync cancel requested")
            self._cancel.cancel()

    def shutdown(self, timeout_ms: int = 15000) -> bool:
        """Cancel and wait for the worker thread (window closing). True if it stopped."""
        thread = self._thread
        if thread is None:
            return True
        self.cancel()
        stopped = thread.wait(timeout_ms)
        if not stopped:
            log.warning("sync thread did not stop within %d ms", timeout_ms)
        return stopped

    @Slot(object)
    def _on_worker_finished(self, summary: RunSummary) -> None:
        thread = self._thread
        # The worker has returned from the engine and quit its loop; this wait only
        # covers the thread's last steps, so "not running" really means stopped and
        # dropping our reference can never destroy a running QThread.
        if thread is not None and not thread.wait(5000):
            log.warning("sync thread still running after its run ended")
        self._thread = None
        self._worker = None
        if self._stop_watching is not None:
            self._stop_watching()
            self._stop_watching = None
        self.running_changed.emit(False)
        self.finished.emit(summary)
