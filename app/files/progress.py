"""Bytes, rate and ETA for a download pass, per file and overall, from many threads."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from app.files.events import DownloadEvent, FileProgress, OverallProgress

WINDOW = 3.0  # seconds of history behind a rate
EVERY = 0.25  # at most this often per file (and overall), except at the ends


class _Rate:
    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, total: int) -> float:
        self._samples.append((now, total))
        while len(self._samples) > 2 and now - self._samples[0][0] > WINDOW:
            self._samples.popleft()
        first_time, first_total = self._samples[0]
        elapsed = now - first_time
        return (total - first_total) / elapsed if elapsed > 0 else 0.0


def _eta(remaining: int, rate: float) -> float | None:
    return remaining / rate if rate > 0 else None


class ProgressBoard:
    """Counts bytes per file; emits throttled `FileProgress` and `OverallProgress`."""

    def __init__(
        self,
        emit: Callable[[DownloadEvent], None],
        *,
        sizes: dict[str, int],
        already: dict[str, int],
        done_bytes: int,
        files_total: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._clock = clock
        self._lock = threading.Lock()
        self._sizes = sizes
        self._received = dict(already)
        self._rates = {m: _Rate() for m in sizes}
        self._last = dict.fromkeys(sizes, 0.0)
        self._overall = _Rate()
        self._last_overall = 0.0
        self._base = done_bytes  # bytes of files already present
        self._total = done_bytes + sum(sizes.values())
        self.files_total = files_total
        self.files_done = files_total - len(sizes)
        self.bytes_fetched = 0

    def add(self, mosaic_id: str, count: int) -> None:
        with self._lock:
            self._received[mosaic_id] = self._received.get(mosaic_id, 0) + count
            self.bytes_fetched += count
            now = self._clock()
            received = self._received[mosaic_id]
            rate = self._rates[mosaic_id].add(now, received)
            file_event = None
            if now - self._last[mosaic_id] >= EVERY or received >= self._sizes[mosaic_id]:
                self._last[mosaic_id] = now
                remaining = self._sizes[mosaic_id] - received
                file_event = FileProgress(
                    mosaic_id, received, self._sizes[mosaic_id], rate, _eta(remaining, rate)
                )
            overall = self._overall_event(now, force=False)
        if file_event is not None:
            self._emit(file_event)
        if overall is not None:
            self._emit(overall)

    def restart(self, mosaic_id: str) -> None:
        """The file's part was dropped (a new version): its bytes start again from zero."""
        with self._lock:
            self._received[mosaic_id] = 0

    def finished(self, mosaic_id: str, ok: bool) -> None:
        with self._lock:
            self.files_done += 1
            if not ok:
                # A failed file's bytes no longer count towards "done".
                self._total -= self._sizes.get(mosaic_id, 0)
                self._received.pop(mosaic_id, None)
            overall = self._overall_event(self._clock(), force=True)
        if overall is not None:
            self._emit(overall)

    def _overall_event(self, now: float, *, force: bool) -> OverallProgress | None:
        done = self._base + sum(self._received.values())
        rate = self._overall.add(now, done)
        if not force and now - self._last_overall < EVERY:
            return None
        self._last_overall = now
        return OverallProgress(
            self.files_done,
            self.files_total,
            done,
            self._total,
            rate,
            _eta(self._total - done, rate),
        )
