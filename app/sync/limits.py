"""The limiter's vocabulary: why the server did not answer, why the limit moved, the knobs.

Apart from `app.sync.limiter` (which brings the API's error classes) so the window can name
a limit change without importing the network stack at start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = [
    "DROP_CAUSE",
    "Cancel",
    "Cause",
    "Clock",
    "Drop",
    "LimitChange",
    "LimiterCancelled",
    "Tuning",
    "Wait",
]

Clock = Callable[[], float]
# Waits on the condition (its lock held) for up to the given seconds.
Wait = Callable[[threading.Condition, float], object]


class Drop(StrEnum):
    """Why the server did not answer a request: each is a sign of overload."""

    RATE_LIMITED = "HTTP 429"
    UNAVAILABLE = "HTTP 503"
    TIMEOUT = "timeout"


class Cause(StrEnum):
    """Why the limit is what it is, in a word the window turns into a sentence."""

    START = "start"  # a run's first limit, nothing learnt before
    RESUMED = "resumed"  # a run's first limit, where the previous run left it
    LATENCY_LOW = "latency low"  # raised: answers as fast as ever
    THROUGHPUT_UP = "throughput up"  # raised: the last increase brought more answers
    LATENCY_HIGH = "latency high"  # lowered: requests queue at the server
    RATE_LIMITED = "rate limited"  # lowered: HTTP 429
    UNAVAILABLE = "unavailable"  # lowered: HTTP 503
    TIMEOUT = "timeout"  # lowered: no answer in time


DROP_CAUSE = {
    Drop.RATE_LIMITED: Cause.RATE_LIMITED,
    Drop.UNAVAILABLE: Cause.UNAVAILABLE,
    Drop.TIMEOUT: Cause.TIMEOUT,
}


class Cancel(Protocol):
    @property
    def cancelled(self) -> bool: ...


class LimiterCancelled(Exception):
    """The caller's cancel flag was set while it waited for a slot."""


@dataclass(frozen=True, slots=True)
class LimitChange:
    """The limit moved from `previous` to `limit` (equal for a run's first limit);
    `reason` is short and technical, for `sync -v`; `cause` is for the window."""

    limit: int
    previous: int
    reason: str
    cause: Cause = Cause.START
    maximum: int = 0  # the most it may reach (0: not said)


@dataclass(frozen=True, slots=True)
class Tuning:
    """The knobs, with defaults that need no tuning per server."""

    adaptive: bool = True
    grow_below: float = 1.5  # window median / floor under which the limit may grow
    queue_grow_below: float = 4.0  # ... or estimated queue under which it may grow
    shrink_above: float = 2.0  # window median / floor over which it may shrink
    queue_shrink_above: float = 8.0  # ... if the estimated queue is over this too
    throughput_gain: float = 1.1  # an increase "paid off" at this much more throughput
    slow_start_factor: float = 1.5
    latency_factor: float = 0.9
    drop_factor: float = 0.5
    probe_interval: float = 10.0
    max_probe_interval: float = 120.0
    floor_ttl: float = 30.0
    window: int = 8  # fewest answers judged together
    resume_for: float = 3600.0  # what an earlier run learnt is trusted this long
    poll: float = 1.0  # longest wait between looks at the cancel flag (wake_all is quicker)
