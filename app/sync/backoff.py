"""One pause per server: when FieldAgent says "come back later", every caller waits.

A `Retry-After` on a 429 or 503 is the server speaking about itself, not about the one
scope whose request happened to be refused. So the pause is kept per server and every
caller that is about to send a request to that server (every scope loop of a run, the
next run, later the file downloads) asks `ServerBackoff.remaining()` first; the adaptive
limiter (`app.sync.limiter`) does so before it hands out a slot.

Pauses only ever extend: a shorter `Retry-After` arriving while a longer pause runs
does not shorten it. Each pause is capped (`max_pause`) so a hostile or broken server
cannot park the client for a day; the engine's retry policy still bounds the total.

Time comes from an injected clock (monotonic seconds), so tests drive it by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MAX_PAUSE", "Pause", "ServerBackoff", "backoff_for"]

# The longest a single Retry-After may hold every request back, in seconds.
MAX_PAUSE = 120.0

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Pause:
    """A pause that was asked for: until when (clock seconds) and why, for the log."""

    until: float
    reason: str


class ServerBackoff:
    """The shared "do not send before" time of one server. Thread-safe."""

    def __init__(self, *, clock: Clock = time.monotonic, max_pause: float = MAX_PAUSE) -> None:
        self._clock = clock
        self._max_pause = max_pause
        self._lock = threading.Lock()
        self._until = float("-inf")
        self._reason = ""
        self._pauses = 0

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
