"""What the simulator was asked, for tests and benchmarks to read.

One record per HTTP request: which query (or endpoint), which scope, how many content
hashes the client sent, bytes in and out, the status, what the page held, and which
faults fired. Benchmarks read `server_seconds` (time spent computing the reply, without
injected latency) to separate server cost from client cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload


@dataclass(frozen=True, slots=True)
class RequestRecord:
    # GraphQL root field(s), comma-joined (e.g. "sync_mosaics"), or an endpoint name:
    # "oauth_authorize", "oauth_token", "oauth_revoke", "v1_sessions", "files".
    query_name: str
    scope_id: str | None
    hashes_sent: int
    bytes_in: int
    bytes_out: int
    status: int
    upserted: int = 0
    deleted: int = 0
    remaining_count: int | None = None
    faults: tuple[str, ...] = ()
    server_seconds: float = 0.0
    path: str = "/graphql"
    at: float = field(default_factory=time.time)
    # The content hashes themselves, when `SimulatorConfig.record_hashes` is on.
    hashes: frozenset[str] | None = None


class RequestLog(Sequence[RequestRecord]):
    """A thread-safe, list-like log; the server appends, tests read and clear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def drain(self) -> list[RequestRecord]:
        """Every record so far, forgotten at once: a long run with recorded hashes reads
        the log in pieces instead of keeping every hash set it was ever sent."""
        with self._lock:
            records, self._records = self._records, []
            return records

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def for_query(self, query_name: str) -> list[RequestRecord]:
        return [r for r in self.snapshot() if r.query_name == query_name]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    @overload
    def __getitem__(self, index: int) -> RequestRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[RequestRecord]: ...
    def __getitem__(self, index: int | slice) -> RequestRecord | list[RequestRecord]:
        with self._lock:
            return self._records[index]

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())
