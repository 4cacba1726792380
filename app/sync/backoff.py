"""One pause per server: when FieldAgent says "come back later", every caller waits.

A `Retry-After` on a 429 or 503 is the server speaking about itself, not about the one
scope whose request happened to be refused. So the pause is kept per server and every
caller that is about to send a request to that server (every scope loop of a run, the
next run, later the file downloads) asks `ServerBackoff.remaining()` first; the adaptive
limiter (`app.sync.limiter`) does so before it hands out a slot.

Pauses only ever extend: a shorter `Retry-After` arriving while a longer pause runs
does not shorten it. Each pause is capped (`max_pause`) so a hostile or broken server
cannot park the client for a day; the engine's retry policy still bounds the total.

The same object remembers what the last run learnt of the server's capacity
(`LearnedLimit`: the limit it settled on, its latency floor, where it was refused), so
the next run in this process starts there instead of climbing from a small start again.
It lives in memory only and holds numbers, never a token or anything else secret.

Time comes from an injected clock (monotonic seconds), so tests drive it by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MAX_PAUSE", "LearnedLimit", "Pause", "ServerBackoff", "backoff_for"]

# The longest a single Retry-After may hold every request back, in seconds.
MAX_PAUSE = 120.0

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Pause:
    """A pause that was asked for: until when (clock seconds) and why, for the log."""

    until: float
    reason: str


@dataclass(frozen=True, slots=True)
class LearnedLimit:
    """What an adaptive limiter knew of the server when it last judged its answers."""

    limit: int  # the limit in force then (after any cut)
    floor: float | None  # the latency floor, seconds (None: not measured yet)
    ceiling: int | None  # requests in flight at the last refusal still remembered
    probing: bool  # still in slow start: no sign of congestion seen yet
    at: float  # clock seconds when it was learnt


class ServerBackoff:
    """The shared "do not send before" time of one server. Thread-safe."""

    def __init__(self, *, clock: Clock = time.monotonic, max_pause: float = MAX_PAUSE) -> None:
        self._clock = clock
        self._max_pause = max_pause
        self._lock = threading.Lock()
        self._until = float("-inf")
        self._reason = ""
        self._pauses = 0
        self._learned: LearnedLimit | None = None

    @property
    def clock(self) -> Clock:
        return self._clock

    def pause(self, seconds: float, reason: str) -> Pause:
        """Hold every new request back for `seconds` (capped), unless already held longer.

        Returns the pause now in force, which may be an earlier, longer one.
        """
        seconds = min(max(0.0, seconds), self._max_pause)
        with self._lock:
            until = self._clock() + seconds
            if until > self._until:
                self._until, self._reason = until, reason
                self._pauses += 1
            return Pause(self._until, self._reason)

    def remaining(self) -> float:
        """Seconds left before requests may be sent again (0 when not paused)."""
        with self._lock:
            return max(0.0, self._until - self._clock())

    @property
    def reason(self) -> str:
        """Why the last pause was asked for ("" before any)."""
        with self._lock:
            return self._reason

    @property
    def pauses(self) -> int:
        """How many times a pause started or was extended, for reports and tests."""
        with self._lock:
            return self._pauses

    def remember(self, learned: LearnedLimit) -> None:
        """Keep what a limiter learnt, for the next run against this server."""
        with self._lock:
            self._learned = learned

    @property
    def learned(self) -> LearnedLimit | None:
        """What the last limiter learnt (None before any run judged its answers)."""
        with self._lock:
            return self._learned


_registry: dict[str, ServerBackoff] = {}
_registry_lock = threading.Lock()


def backoff_for(server: str) -> ServerBackoff:
    """The process-wide backoff of `server` (its GraphQL URL), created on first use.

    One object per server, shared by every engine and run in this process, so a pause
    asked for during one run is still honoured by the run that starts a second later.
    """
    with _registry_lock:
        found = _registry.get(server)
        if found is None:
            found = _registry[server] = ServerBackoff()
        return found
