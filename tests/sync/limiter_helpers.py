"""A fake clock for the limiter tests: time moves only when a test (or a wait) says so."""

from __future__ import annotations

import threading

from app.sync.limiter import AdaptiveLimiter, Slot


class FakeClock:
    """Monotonic seconds under the test's control. Its `wait` lets the waited time pass
    at once, so a caller held back by a pause goes on as soon as the pause is over,
    without the test sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits = 0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def wait(self, condition: threading.Condition, seconds: float) -> None:
        self.waits += 1
        self.advance(seconds)


def full_round(
    limiter: AdaptiveLimiter, clock: FakeClock, latency: float, count: int | None = None
) -> list[Slot]:
    """Fill `count` slots (all of them by default), let `latency` pass, answer them all."""
    slots = [limiter.acquire() for _ in range(count or limiter.limit)]
    clock.advance(latency)
    for slot in slots:
        slot.success()
    return slots
