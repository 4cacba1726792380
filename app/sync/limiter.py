"""How many requests to keep in flight: as many as the server answers without slowing.

No fixed number suits every server and link: a satellite link with 600 ms of latency
wants many requests in flight, a busy FieldAgent answering 429 wants few. This limiter
finds the number as it goes, after TCP Vegas (Brakmo and Peterson, "TCP Vegas: New
Techniques for Congestion Detection and Avoidance", SIGCOMM 1994) in the form Netflix's
concurrency-limits library applies it to request concurrency
(https://github.com/Netflix/concurrency-limits, `VegasLimit`):

- Samples are judged in windows of about one round trip (`limit` answers, at least
  `window`). The latency *floor* is the lowest window median seen lately (refreshed
  every `floor_ttl` seconds, so a slower route is learnt rather than held against the
  server forever); a median, not the single fastest answer, so one lucky request on a
  busy machine does not make every later one look congested.
- Vegas's estimate of the requests queued at the server is
  `queue = limit * (1 - floor / median)`. While latency stays near the floor
  (`grow_below`) every extra request in flight is extra throughput (Little's law:
  throughput = in flight / latency); a few queued requests (`queue_grow_below`) still
  cost nothing, they keep a saturated server busy. Then the limit grows: by half per
  window at first (slow start), by one after the first sign of congestion, and only
  when the limit was actually what held requests back.
- Latency also rises for reasons that are not the server's queue (a busy client machine
  shares its CPU), so throughput has the last word: while the last increase paid off
  (`throughput_gain` more answers per second than the window before it), the limit keeps
  growing whatever the latency, as a hill climb on throughput.
- When many requests queue (`queue_shrink_above`), latency is far above the floor
  (`shrink_above`) and throughput stopped rising, the server is overloaded: the limit
  shrinks by `latency_factor`.
- A 429, a 503 or a timeout is a *drop*: the limit is cut by `drop_factor` at once
  (at most once per round of requests: the others already in flight were sent at the
  old limit). A `Retry-After` on it pauses every request to the server through the
  shared `ServerBackoff`. The number in flight when the server refused is remembered as
  a *ceiling*: the limit climbs back to just below it quickly, but goes to it again only
  after `probe_interval` seconds, doubling after every refusal there, so a server that
  caps requests in flight answers few 429s.

Each run used to start small and climb again. With `resume=True` a limiter starts
from what the previous one against the same server learnt (`ServerBackoff.learned`:
its last limit, clamped to this maximum, its latency floor and any refusal ceiling),
unless that is older than `resume_for` seconds; the window shows where it started and
every change after with a `Cause`.

The limit never leaves [1, maximum]. `acquire()` hands out a `Slot` (a context manager);
the caller reports how the request went on it. Time comes from an injected clock and
waiting from an injected `wait`, so tests run the whole thing on a fake clock.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable
from types import TracebackType

from app.api.errors import ApiError, RateLimited, RequestTimeout, RetryLater, ServerUnavailable
from app.sync.backoff import LearnedLimit, ServerBackoff
from app.sync.limits import (
    DROP_CAUSE,
    Cancel,
    Cause,
    Clock,
    Drop,
    LimitChange,
    LimiterCancelled,
    Tuning,
    Wait,
)

__all__ = [
    "AdaptiveLimiter",
    "Cancel",
    "Cause",
    "Drop",
    "LimitChange",
    "LimiterCancelled",
    "Slot",
    "Tuning",
    "report_error",
]

log = logging.getLogger(__name__)


def _wait(condition: threading.Condition, seconds: float) -> object:
    return condition.wait(seconds)


class AdaptiveLimiter:
    """A concurrency limit shared by every caller talking to one server. Thread-safe."""

    def __init__(
        self,
        maximum: int = 32,
        *,
        initial: int = 4,
        backoff: ServerBackoff | None = None,
        clock: Clock | None = None,
        wait: Wait = _wait,
        tuning: Tuning | None = None,
        resume: bool = False,
    ) -> None:
        if maximum < 1:
            raise ValueError("the maximum must be at least 1")
        self.maximum = maximum
        self._tuning = tuning or Tuning()
        self._clock = clock or (backoff.clock if backoff is not None else time.monotonic)
        self._backoff = backoff or ServerBackoff(clock=self._clock)
        self._wait = wait
        self._cond = threading.Condition()
        self._listeners: list[Callable[[LimitChange], None]] = []
        self._limit = float(min(max(1, initial), maximum))
        self._in_flight = 0
        self._epoch = 0  # bumped by every decrease; older samples say nothing new
        self._slow_start = True
        self._window: list[float] = []
        self._window_limited = False
        self._window_started = self._clock()
        self._throughput = 0.0  # answers per second in the last window
        self._window_limit = 0.0  # the limit during the last window
        self._floor: float | None = None
        self._recent_min = float("inf")
        self._floor_since = self._clock()
        self._ceiling: int | None = None
        self._probe_interval = self._tuning.probe_interval
        self._probe_after = 0.0
        self.drops = 0
        self.peak_in_flight = 0
        learned = self._backoff.learned if resume and self._tuning.adaptive else None
        if learned is not None and self._clock() - learned.at > self._tuning.resume_for:
            learned = None  # too old to say anything about the server today
        if learned is not None:
            self._resume(learned)
        # What the window shows before the first change.
        self.start = LimitChange(
            int(self._limit),
            int(self._limit),
            "resumed from the last run" if learned else "initial",
            Cause.RESUMED if learned else Cause.START,
            maximum,
        )

    def _resume(self, learned: LearnedLimit) -> None:
        self._limit = float(min(max(1, learned.limit), self.maximum))
        self._floor = learned.floor
        self._floor_since = learned.at  # an old floor is relearnt at the next window
        self._slow_start = learned.probing
        if learned.ceiling is not None and learned.ceiling <= self.maximum:
            self._ceiling = learned.ceiling
            self._probe_after = self._clock() + self._probe_interval

    @classmethod
    def fixed(
        cls,
        limit: int,
        *,
        backoff: ServerBackoff | None = None,
        clock: Clock | None = None,
        wait: Wait = _wait,
    ) -> AdaptiveLimiter:
        """A limit that never moves but still honours the server's pauses."""
        return cls(
            limit,
            initial=limit,
            backoff=backoff,
            clock=clock,
            wait=wait,
            tuning=Tuning(adaptive=False),
        )

    # -- reading ------------------------------------------------------------------------

    @property
    def limit(self) -> int:
        with self._cond:
            return int(self._limit)

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    @property
    def backoff(self) -> ServerBackoff:
        return self._backoff

    def on_change(self, callback: Callable[[LimitChange], None]) -> None:
        """Call `callback` (on the thread that reported the outcome) after each change."""
        with self._cond:
            self._listeners.append(callback)

    # -- slots --------------------------------------------------------------------------

    def acquire(self, cancel: Cancel | None = None) -> Slot:
        """Wait for a free slot and no pause; raise LimiterCancelled if `cancel` is set."""
        poll = self._tuning.poll
        with self._cond:
            while True:
                if cancel is not None and cancel.cancelled:
                    raise LimiterCancelled
                paused = self._backoff.remaining()
                if paused <= 0 and self._in_flight < int(self._limit):
                    break
                self._window_limited = True  # demand exceeds the limit
                self._wait(self._cond, min(paused, poll) if paused > 0 else poll)
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            if self._in_flight >= int(self._limit):
                self._window_limited = True
            return Slot(self, self._clock(), self._in_flight, int(self._limit), self._epoch)

    def wake_all(self) -> None:
        """Make every waiting `acquire` look at its cancel flag now."""
        with self._cond:
            self._cond.notify_all()

    # -- outcomes (called through Slot) -------------------------------------------------

    def _succeeded(self, slot: Slot, latency: float) -> None:
        with self._cond:
            self._in_flight -= 1
            change = self._learn(slot, max(latency, 1e-6)) if self._tuning.adaptive else None
            self._cond.notify_all() if change else self._cond.notify()
        self._announce(change)

    def _dropped(self, slot: Slot, reason: Drop, retry_after: float | None) -> None:
        if retry_after is not None:
            self._backoff.pause(retry_after, f"{reason}, Retry-After {retry_after:g} s")
        with self._cond:
            self._in_flight -= 1
            self.drops += 1
            change = None
            if self._tuning.adaptive:
                if slot.epoch == self._epoch:  # the first drop of this round of requests
                    self._ceiling = slot.in_flight
                    self._probe_after = self._clock() + self._probe_interval
                    self._probe_interval = min(
                        self._probe_interval * 2, self._tuning.max_probe_interval
                    )
                    self._slow_start = False
                    wait = f", paused {retry_after:g} s" if retry_after else ""
                    change = self._set(
                        self._limit * self._tuning.drop_factor,
                        f"{reason}{wait}",
                        DROP_CAUSE[reason],
                    )
                elif self._ceiling is not None:
                    self._ceiling = min(self._ceiling, slot.in_flight)
                self._remember()
            self._cond.notify_all()
        self._announce(change)

    def _ignored(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify()

    # -- learning (lock held) -----------------------------------------------------------

    def _learn(self, slot: Slot, latency: float) -> LimitChange | None:
        if slot.epoch != self._epoch:
            return None  # measured at a limit that is no longer in force
        self._window.append(latency)
        if len(self._window) < max(self._tuning.window, int(self._limit)):
            return None
        change = self._judge()
        self._remember()
        return change

    def _remember(self) -> None:
        """Leave what is known now for the next run against this server."""
        self._backoff.remember(
            LearnedLimit(
                limit=int(self._limit),
                floor=self._floor,
                ceiling=self._ceiling,
                probing=self._slow_start,
                at=self._clock(),
            )
        )

    def _judge(self) -> LimitChange | None:
        """A full window of answers: grow, hold or shrink the limit."""
        now = self._clock()
        median = statistics.median(self._window)
        self._recent_min = min(self._recent_min, median)
        if self._floor is None or median < self._floor:
            self._floor = median
        if now - self._floor_since >= self._tuning.floor_ttl:
            self._floor, self._recent_min, self._floor_since = self._recent_min, median, now
        ratio = median / self._floor
        queue = self._limit * (1 - 1 / ratio)
        t = self._tuning
        throughput = len(self._window) / max(now - self._window_started, 1e-9)
        paid_off = (
            0 < self._window_limit < self._limit
            and throughput >= self._throughput * t.throughput_gain
        )
        self._throughput, self._window_limit = throughput, self._limit
        limited, self._window, self._window_limited = self._window_limited, [], False
        self._window_started = now
        why, cause = f"latency {ratio:.1f}x its floor", Cause.LATENCY_LOW
        if paid_off and ratio > t.grow_below:
            why, cause = f"{why}, throughput up", Cause.THROUGHPUT_UP
        elif ratio > t.shrink_above and queue > t.queue_shrink_above:
            self._slow_start = False
            return self._set(self._limit * t.latency_factor, why, Cause.LATENCY_HIGH)
        elif ratio > t.grow_below and queue >= t.queue_grow_below:
            return None
        if not limited:
            return None
        target = self._limit * t.slow_start_factor if self._slow_start else self._limit + 1
        if self._ceiling is not None:
            if self._limit >= self._ceiling:  # a whole round there without a refusal
                self._ceiling = None
            elif now < self._probe_after:
                target = min(target, self._ceiling - 1)
            else:
                target = min(target, self._ceiling)
        return self._set(max(target, self._limit), why, cause)

    def _set(self, value: float, reason: str, cause: Cause) -> LimitChange | None:
        previous = int(self._limit)
        self._limit = min(float(self.maximum), max(1.0, value))
        if self._limit < previous:
            self._epoch += 1
            self._window, self._window_limited = [], False
            self._window_started, self._window_limit = self._clock(), 0.0
        if int(self._limit) == previous:
            return None
        return LimitChange(int(self._limit), previous, reason, cause, self.maximum)

    def _announce(self, change: LimitChange | None) -> None:
        if change is None:
            return
        log.info("requests in flight %d -> %d: %s", change.previous, change.limit, change.reason)
        with self._cond:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(change)


class Slot:
    """One request's permission to be in flight; report its outcome exactly once.

    As a context manager it reports `success()` when the block ends normally and
    `ignore()` when it raises without a report (an error that says nothing about load).
    """

    __slots__ = ("_done", "_limiter", "epoch", "in_flight", "limit", "started")

    def __init__(
        self, limiter: AdaptiveLimiter, started: float, in_flight: int, limit: int, epoch: int
    ) -> None:
        self._limiter = limiter
        self._done = False
        self.started = started
        self.in_flight = in_flight  # requests in flight, this one included, when it began
        self.limit = limit  # the limit in force when it began
        self.epoch = epoch

    def _settle(self) -> bool:
        if self._done:
            return False
        self._done = True
        return True

    def success(self, latency: float | None = None) -> None:
        """The server answered; `latency` defaults to the time since the slot was granted."""
        if self._settle():
            elapsed = self._limiter._clock() - self.started if latency is None else latency
            self._limiter._succeeded(self, elapsed)

    def dropped(self, reason: Drop, *, retry_after: float | None = None) -> None:
        """The server refused or did not answer in time: back off."""
        if self._settle():
            self._limiter._dropped(self, reason, retry_after)

    def refused(self, status: int, *, retry_after: float | None = None) -> None:
        """An HTTP answer that is not the content: 429 and 503 say "busy" (a drop);
        any other status frees the slot without learning, though a Retry-After it
        carried still pauses every request to the server (file downloads use this)."""
        if status == 429:
            self.dropped(Drop.RATE_LIMITED, retry_after=retry_after)
        elif status == 503:
            self.dropped(Drop.UNAVAILABLE, retry_after=retry_after)
        else:
            self.ignore(retry_after=retry_after, reason=f"HTTP {status}")

    def timed_out(self) -> None:
        """No answer (or no byte) in time: a sign of overload like a 503."""
        self.dropped(Drop.TIMEOUT)

    def ignore(self, *, retry_after: float | None = None, reason: str = "") -> None:
        """Free the slot without learning (cancelled, connection refused, bad token...);
        a `retry_after` the server sent still pauses every request to it."""
        if self._settle():
            self._limiter._ignored()
            if retry_after is not None:
                self._limiter._backoff.pause(
                    retry_after, f"{reason}, Retry-After {retry_after:g} s"
                )

    def __enter__(self) -> Slot:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.success()
        else:
            self.ignore()


def report_error(slot: Slot, error: ApiError) -> None:
    """Tell the limiter what a failed request says about the server's load.

    Overload is a 429 (`RateLimited`), a 503 (`ServerUnavailable`) or a timeout: the
    limit drops, and the server's Retry-After pauses every request to it. Any other
    `RetryLater` (a 500 or 502) is a broken server rather than a busy one: no drop, but
    a Retry-After it sent is still the server speaking about itself, so it pauses
    every caller like the engine's retry honours it. The rest (auth, GraphQL, network
    gone) say nothing about load: the slot is freed without learning.
    """
    if isinstance(error, RateLimited):
        slot.dropped(Drop.RATE_LIMITED, retry_after=error.retry_after)
    elif isinstance(error, ServerUnavailable):
        slot.dropped(Drop.UNAVAILABLE, retry_after=error.retry_after)
    elif isinstance(error, RequestTimeout):
        slot.dropped(Drop.TIMEOUT)
    elif isinstance(error, RetryLater):
        slot.ignore(retry_after=error.retry_after, reason=f"HTTP {error.status or '5xx'}")
    else:
        slot.ignore()
