"""The limiter and the server's shared pause with real threads: waiting, cancelling,
pausing every caller, and its invariants under contention."""

from __future__ import annotations

import random
import threading

import pytest

from app.sync.backoff import MAX_PAUSE, ServerBackoff, backoff_for
from app.sync.events import CancelToken
from app.sync.limiter import AdaptiveLimiter, Drop, LimitChange, LimiterCancelled, Slot, Tuning
from tests.sync.limiter_helpers import FakeClock

JOIN = 10.0  # generous bound for a thread that should end at once; not a timing assert


class Waiter(threading.Thread):
    """Acquires a slot on its own thread and keeps what happened."""

    def __init__(self, limiter: AdaptiveLimiter, cancel: CancelToken | None = None) -> None:
        super().__init__(daemon=True)
        self.limiter, self.cancel = limiter, cancel
        self.slot: Slot | None = None
        self.cancelled = False

    def run(self) -> None:
        try:
            self.slot = self.limiter.acquire(self.cancel)
        except LimiterCancelled:
            self.cancelled = True


class CountingWait:
    """Real waiting on the condition; `seen` is set once `callers` threads have waited,
    so a test knows they are held back without sleeping."""

    def __init__(self, callers: int) -> None:
        self.callers = callers
        self.threads: set[int] = set()
        self.seen = threading.Event()

    def __call__(self, condition: threading.Condition, seconds: float) -> None:
        self.threads.add(threading.get_ident())
        if len(self.threads) >= self.callers:
            self.seen.set()
        condition.wait(seconds)


def test_backoff_pauses_only_extend_and_are_capped() -> None:
    clock = FakeClock()
    backoff = ServerBackoff(clock=clock)
    assert backoff.remaining() == 0
    backoff.pause(5, "HTTP 429")
    backoff.pause(2, "HTTP 503")  # shorter: the longer pause stays
    assert backoff.remaining() == 5 and backoff.reason == "HTTP 429"
    clock.advance(5)
    assert backoff.remaining() == 0
    backoff.pause(10_000, "HTTP 503")
    assert backoff.remaining() == MAX_PAUSE
    assert backoff.pauses == 2


def test_one_backoff_per_server() -> None:
    a = backoff_for("https://api.example.test/graphql")
    assert backoff_for("https://api.example.test/graphql") is a
    assert backoff_for("https://other.example.test/graphql") is not a


def test_retry_after_holds_back_every_caller_until_it_passes() -> None:
    clock = FakeClock()
    backoff = ServerBackoff(clock=clock)
    wait = CountingWait(3)
    limiter = AdaptiveLimiter(8, initial=8, backoff=backoff, wait=wait)
    # A second limiter on the same server (say, file downloads) shares the pause.
    downloads = AdaptiveLimiter(4, backoff=backoff, wait=wait)
    changes: list[LimitChange] = []
    limiter.on_change(changes.append)
    slot = limiter.acquire()
    clock.advance(0.05)
    slot.dropped(Drop.RATE_LIMITED, retry_after=2)
    assert limiter.limit == 4 and "Retry-After" in backoff.reason
    assert changes[-1].reason == "HTTP 429, paused 2 s"
    waiters = [Waiter(limiter), Waiter(limiter), Waiter(downloads)]
    for waiter in waiters:
        waiter.start()
    assert wait.seen.wait(JOIN)
    assert all(w.slot is None for w in waiters) and limiter.in_flight == 0
    clock.advance(2)
    for waiter in waiters:
        waiter.join(JOIN)
    assert all(w.slot is not None for w in waiters)
    assert limiter.in_flight == 2 and downloads.in_flight == 1


@pytest.mark.parametrize("paused", [False, True])
def test_cancel_while_waiting_for_a_slot_returns_promptly(paused: bool) -> None:
    clock = FakeClock()
    wait = CountingWait(1)
    # A poll far longer than the test: only the wake-up can end the wait promptly.
    limiter = AdaptiveLimiter(1, initial=1, clock=clock, wait=wait, tuning=Tuning(poll=60.0))
    held = limiter.acquire()
    if paused:
        limiter.backoff.pause(100, "HTTP 503")
    cancel = CancelToken()
    waiter = Waiter(limiter, cancel)
    waiter.start()
    assert wait.seen.wait(JOIN)
    cancel.cancel()
    limiter.wake_all()
    waiter.join(JOIN)
    assert not waiter.is_alive() and waiter.cancelled and waiter.slot is None
    held.success()
    assert limiter.in_flight == 0


def test_a_cancelled_caller_gets_no_slot_even_when_one_is_free() -> None:
    limiter = AdaptiveLimiter(4)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(LimiterCancelled):
        limiter.acquire(cancel)
    assert limiter.in_flight == 0


def test_many_threads_keep_the_invariants() -> None:
    """Real threads, real clock, random outcomes: no slot is ever granted beyond the
    limit or the maximum, the limit stays within [1, maximum], nothing leaks."""
    maximum = 12
    limiter = AdaptiveLimiter(maximum, initial=3, tuning=Tuning(probe_interval=0.01))
    changes: list[LimitChange] = []
    lock = threading.Lock()
    violations: list[str] = []

    def record(change: LimitChange) -> None:
        with lock:
            changes.append(change)

    limiter.on_change(record)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(300):
            slot = limiter.acquire()
            if not slot.in_flight <= slot.limit <= maximum:
                with lock:
                    violations.append(f"{slot.in_flight} in flight at limit {slot.limit}")
            roll = rng.random()
            if roll < 0.05:
                slot.dropped(rng.choice(list(Drop)))
            elif roll < 0.1:
                slot.ignore()
            else:
                slot.success(rng.uniform(0.01, 0.05))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert violations == []
    assert limiter.in_flight == 0
    assert 1 <= limiter.limit <= maximum and limiter.peak_in_flight <= maximum
    assert changes, "with drops and successes mixed the limit must have moved"
    assert all(1 <= c.limit <= maximum for c in changes)
