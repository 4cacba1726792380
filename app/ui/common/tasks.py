"""The one way FieldDesk runs work off the UI thread.

Every short job the window or the session hands away — a store read, stamping mosaics
as viewed, a connection probe, a sign-in step, revoking tokens — goes through a
`TaskManager`:

    tasks.run_in_background(task, on_done, on_error=None, pool="store")
    tasks.run_on_main(fn)            # from any thread
    tasks.busy(pool) / tasks.wait(timeout_ms, pool)

Named pools keep unlike work apart: `store` has one thread, so a later read never
overtakes an earlier one (and SQLite sees one reader from here); `network` has a few, so
a slow server never holds up the store; `imagery` reads and colours the map's tiles, so a
large GeoTIFF never holds up either. Pool threads are daemons: a dead server must
never keep FieldDesk from quitting, while the window still waits for the `store` pool
before its store is closed. `on_done(result)` and `on_error(error)` run on the main
thread. A task's exception never vanishes: it goes to `on_error` when given, else it is
logged with its traceback and reported by `task_failed`, which the window shows.

A worker never drops the last reference to anything a task or its callbacks hold: the
main thread keeps them until the worker has let go (`_kept`, then `_release`). A
Python-owned QObject whose last reference went on a worker would be destroyed there,
holding its Qt lock while it waits for the interpreter lock, which the main thread may
hold while it waits for that Qt lock (in `QObject::connect`): a deadlock, seen once in
a full test run.

The sync run is the one long-running exception: `app.sync.worker.SyncController` keeps
its own QThread, because it reports progress and changes while it runs.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

__all__ = ["IMAGERY", "NETWORK", "POOL_SIZES", "STORE", "TaskManager"]

T = TypeVar("T")
STORE = "store"
NETWORK = "network"
IMAGERY = "imagery"  # the map's file reads and tile colouring (two: one per compared view)
POOL_SIZES = {STORE: 1, NETWORK: 4, IMAGERY: 2}


class _Pool:
    """Up to `size` daemon threads taking jobs from one queue, in order.

    A job is numbered; once a thread has run one and dropped everything of it, it
    calls `released(number)`.
    """

    def __init__(self, name: str, size: int, released: Callable[[int], None]) -> None:
        self.name = name
        self._size = size
        self._released = released
        self._jobs: queue.SimpleQueue[tuple[int, Callable[[], None]]] = queue.SimpleQueue()
        self._lock = threading.Condition()
        self._threads = 0
        self._idle = 0
        self._unfinished = 0

    def submit(self, number: int, job: Callable[[], None]) -> None:
        with self._lock:
            self._unfinished += 1
            start = self._idle == 0 and self._threads < self._size
            if start:
                self._threads += 1
        self._jobs.put((number, job))
        if start:
            name = f"fielddesk-{self.name}-{self._threads}"
            threading.Thread(target=self._work, name=name, daemon=True).start()

    def _work(self) -> None:
        while True:
            number = self._run_next()
            # `_run_next`'s frame is gone, and with it this thread's last reference
            # to the job: whatever it held may now be dropped on the main thread.
            self._released(number)

    def _run_next(self) -> int:
        with self._lock:
            self._idle += 1
        number, job = self._jobs.get()
        with self._lock:
            self._idle -= 1
        try:
            job()
        finally:
            with self._lock:
                self._unfinished -= 1
                self._lock.notify_all()
        return number

    def wait(self, timeout_s: float | None) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._unfinished == 0, timeout_s)


class TaskManager(QObject):
    """Background tasks in named pools, with results and errors back on the main thread.

    Create it on the main thread; its methods other than `run_on_main` are main-thread.
    """

    # A task without `on_error` failed: (pool, error). It has been logged already.
    task_failed = Signal(str, object)
    _deliver = Signal(object)  # a callable to run on the main thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools = {name: _Pool(name, size, self._release) for name, size in POOL_SIZES.items()}
        self._running = dict.fromkeys(POOL_SIZES, 0)
        # Each job's callables and outcome, until its thread has let go of them.
        self._kept: dict[int, list[Any]] = {}
        self._numbers = itertools.count()
        self._deliver.connect(self._call)

    def run_in_background(
        self,
        task: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        *,
        on_error: Callable[[Exception], None] | None = None,
        pool: str = STORE,
    ) -> None:
        """Run `task()` in `pool`; then `on_done(result)` or `on_error(error)` here.

        A task counts as running until its callback has run, so `busy()` turning False
        means its result is on screen too.
        """
        worker = self._pools[pool]  # KeyError: an unknown pool is a bug, say so at once
        self._running[pool] += 1
        number = next(self._numbers)

        def job() -> None:
            try:
                result = task()
            except Exception as error:
                failure = error  # `error` is unbound when the except block ends
                self._send(lambda: self._finish_error(number, pool, failure, on_error))
            else:
                self._send(lambda: self._finish(number, pool, on_done, result))

        self._kept[number] = [job]  # which holds the task and its callbacks
        worker.submit(number, job)

    def run_on_main(self, fn: Callable[[], None]) -> None:
        """Any thread: call `fn()` on the main thread, soon (queued, never inline)."""
        self._send(fn)

    def busy(self, pool: str | None = None) -> bool:
        """Whether tasks (of `pool`, or any) are queued, running or awaiting delivery."""
        if pool is not None:
            return self._running[pool] > 0
        return any(self._running.values())

    def running(self, pool: str | None = None) -> int:
        if pool is not None:
            return self._running[pool]
        return sum(self._running.values())

    def wait(self, timeout_ms: int = -1, pool: str | None = None) -> bool:
        """Block until the tasks of `pool` (or all) have run; their callbacks are still
        queued for the main thread. True unless the timeout passed first (quit, tests)."""
        timeout = None if timeout_ms < 0 else timeout_ms / 1000
        names = [pool] if pool is not None else list(self._pools)
        return all(self._pools[name].wait(timeout) for name in names)

    # -- delivery ---------------------------------------------------------------------

    def _send(self, fn: Callable[[], None]) -> None:
        try:
            self._deliver.emit(fn)
        except RuntimeError:  # this manager was deleted meanwhile: the app is quitting
            log.debug("a background task finished after its task manager was gone")

    def _release(self, number: int) -> None:
        """On the pool thread that ran job `number`, once it holds nothing of it: the
        main thread drops what it kept. Queued after the job's delivery (one sender
        thread, one receiver: in order), so its callbacks have run by then."""
        self._send(partial(self._forget, number))

    def _forget(self, number: int) -> None:
        self._kept.pop(number, None)  # the last references, dropped here

    @Slot(object)
    def _call(self, fn: Callable[[], None]) -> None:
        fn()  # an exception here (a bug in a callback) goes to sys.excepthook

    def _finish(
        self, number: int, pool: str, on_done: Callable[[Any], None] | None, result: Any
    ) -> None:
        self._running[pool] -= 1
        self._keep(number, result)
        if on_done is not None:
            on_done(result)

    def _keep(self, number: int, outcome: object) -> None:
        """Hold the job's outcome until its thread lets go: the worker's frame may still
        hold it when the delivery has run."""
        kept = self._kept.get(number)
        if kept is not None:
            kept.append(outcome)

    def _finish_error(
        self,
        number: int,
        pool: str,
        error: Exception,
        on_error: Callable[[Exception], None] | None,
    ) -> None:
        self._running[pool] -= 1
        self._keep(number, error)
        if on_error is not None:
            on_error(error)
            return
        log.error("a background task (%s) failed", pool, exc_info=error)
        self.task_failed.emit(pool, error)
