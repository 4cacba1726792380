"""Guards against a server whose pages never converge.

The documented loop ends when `remaining_count` reaches 0 or a page comes back empty.
A buggy server (or a proxy replaying a cached answer) could keep `remaining_count`
above zero forever; a client that trusts it would loop until the battery dies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain import Level, SyncPage


class ScopeStalled(Exception):
    """The server's pages stopped making progress; the scope is given up for this run."""

    def __init__(self, level: Level, scope_id: str, reason: str) -> None:
        self.user_message = (
            f"FieldAgent kept answering without progress while syncing {level} of "
            f"{scope_id} ({reason}). This part was not synced; try again later."
        )
        super().__init__(self.user_message)


class PageGuard:
    """Follows one scope's pages and raises `ScopeStalled` when they stop converging."""

    def __init__(self, level: Level, scope_id: str, *, stall_pages: int) -> None:
        self._level = level
        self._scope_id = scope_id
        self._stall_pages = stall_pages
        self._lowest_remaining: int | None = None
        self._pages_without_progress = 0
        self.first_total: int | None = None

    def observe(self, page: SyncPage[Any]) -> None:
        """Remember how much work the first page announced, for progress fractions."""
        if self.first_total is None:
            self.first_total = len(page.upserted) + len(page.deleted) + page.remaining_count

    def check(
        self, before: Mapping[str, str], after: Mapping[str, str], remaining_count: int
    ) -> None:
        """Call after applying a page that did not end the loop."""
        if before == after:
            raise ScopeStalled(
                self._level, self._scope_id, "a page changed nothing but more was announced"
            )
        if self._lowest_remaining is not None and remaining_count >= self._lowest_remaining:
            self._pages_without_progress += 1
            if self._pages_without_progress >= self._stall_pages:
                raise ScopeStalled(
                    self._level,
                    self._scope_id,
                    f"remaining_count stayed at {remaining_count} for "
                    f"{self._pages_without_progress} pages",
                )
        else:
            self._lowest_remaining = remaining_count
            self._pages_without_progress = 0
