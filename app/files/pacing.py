"""How many downloads run at once: the sync's adaptive limiter, seen from the files side.

The file host is a server like FieldAgent's API: it can be far away (many downloads in
flight pay off) or busy (it answers 429/503, often with a Retry-After). So downloads
take their turn from the same adaptive limiter as the sync's scope loops
(`app.sync.limiter.AdaptiveLimiter`), with its own per-host backoff. This package sits
beside `app.sync` and may not import it; the window hands a limiter in, and these
protocols are all the files side relies on. Without one, a pass keeps the configured
number of downloads going, as before, and still honours the host's Retry-After.
"""

from __future__ import annotations

from typing import Protocol

from app.domain import CancelToken

__all__ = ["RequestLimiter", "RequestSlot"]


class RequestSlot(Protocol):
    """One request's permission to be in flight; exactly one report frees it."""

    def success(self, latency: float | None = None) -> None: ...

    def refused(self, status: int, *, retry_after: float | None = None) -> None: ...

    def timed_out(self) -> None: ...

    def ignore(self, *, retry_after: float | None = None, reason: str = "") -> None: ...


class RequestLimiter(Protocol):
    """A shared, thread-safe limit on requests in flight to one host."""

    @property
    def maximum(self) -> int: ...

    def acquire(self, cancel: CancelToken) -> RequestSlot:
        """Wait for a slot; raises (the limiter's own exception) once `cancel` is set."""
        ...

    def wake_all(self) -> None: ...
