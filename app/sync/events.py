"""What a sync run tells the outside world while it runs and when it ends.

All events are frozen dataclasses: the engine emits them from its writer thread and
the Qt worker forwards them to the UI thread unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import CancelToken, Level, Outcome, Scope, SyncError

__all__ = ["CancelToken", "Progress", "RunSummary", "ScopeFailure"]


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of a running sync, for a bar that fills and a stage label."""

    level: Level
    scope_id: str | None
    scope_label: str  # e.g. "North Farm" — the parent whose children are syncing
    remaining_count: int  # what the server said is left in this scope
    items_done: int  # items applied so far in this run (all scopes)
    scopes_done: int
    scopes_total: int
    requests: int
    bytes_received: int
    # 0..1 over the whole run (levels weighted by their usual cost), None before the
    # first answer: enough for a bar that fills and never runs backwards.
    fraction: float | None = None


@dataclass(frozen=True, slots=True)
class ScopeFailure:
    level: Level
    scope_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: int | None
    scope: Scope
    outcome: Outcome
    message: str  # one line a user can read
    upserted: int = 0
    deleted: int = 0
    requests: int = 0
    bytes_received: int = 0
    scope_failures: tuple[ScopeFailure, ...] = ()
    sync_errors: tuple[SyncError, ...] = ()  # the server's `failed` entries in this run

    @property
    def up_to_date(self) -> bool:
        """True only when every scope of the run completed and nothing failed."""
        return self.outcome is Outcome.COMPLETE and not self.sync_errors
