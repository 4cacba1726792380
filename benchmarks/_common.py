"""Helpers the sync benchmarks share: timing, tables, and a simulator in its own process.

Timings come in pairs: wall time (`time.perf_counter`) and this process's CPU time
(`time.process_time`, every thread of the process). Wall time is what a user waits;
CPU time is steadier on a busy machine and shows when a run is bound by its own work
rather than by waiting on the network.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(slots=True)
class Stopwatch:
    """Accumulates wall and CPU seconds over any number of `timing()` blocks."""

    wall: float = 0.0
    cpu: float = 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


@dataclass(slots=True)
class Samples:
    """Wall and CPU seconds of several rounds of one measurement."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, watch: Stopwatch) -> None:
        self.wall.append(watch.wall)
        self.cpu.append(watch.cpu)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        out = [str(cells[0]).ljust(widths[0])]
        out += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(out).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def verdict(ok: bool) -> str:
    return "meets the target" if ok else "MISSES the target"


def fielddesk_env(data_dir: Path, config_dir: Path, url: str, token: str) -> dict[str, str]:
    """The environment for a `fielddesk` child: this one without any FIELDDESK_ setting
    of the caller's, then the data and settings folders and the server to sign in to."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDDESK_")}
    env |= {
        "FIELDDESK_DATA_DIR": str(data_dir),
        "FIELDDESK_CONFIG_DIR": str(config_dir),
        "FIELDDESK_SERVER": url,
        "FIELDDESK_TOKEN": token,
    }
    return env


class ChildServer:
    """A server in a child process: its stderr kept in a file (nobody reads it during a
    run, and a full pipe would stall the server), stopped politely, then killed.

    Subclasses start `_process` with `stderr=self._stderr` and say how the child is asked
    to stop (`_ask_to_stop`) and how long it gets (`STOP_TIMEOUT_S`).
    """

    STOP_TIMEOUT_S = 15.0
    _process: subprocess.Popen[str]

    def __init__(self) -> None:
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in stop)

    def _ask_to_stop(self) -> None:
        raise NotImplementedError

    def errors(self) -> str:
        """What the child wrote to stderr so far."""
        self._stderr.seek(0)
        return self._stderr.read()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._ask_to_stop()
            try:
                self._process.wait(timeout=self.STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SimulatorProcess(ChildServer):
    """`python -m app.simulator` in a child process, on a free loopback port.

    A separate process keeps the server's work off this process's GIL, so what is
    measured is the client. The child prints its endpoint and a demo token on start-up;
    both are read from its standard output (the token is never printed here).
    """

    def __init__(self, *args: str, start_timeout: float = 60.0) -> None:
        super().__init__()
        command = [sys.executable, "-m", "app.simulator", "--port", "0", *args]
        self._process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        self.graphql_url = ""
        self.token = ""
        deadline = time.monotonic() + start_timeout
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if found := re.search(r"GraphQL endpoint:\s*(\S+)", line):
                self.graphql_url = found.group(1)
            elif found := re.search(r"Demo access token:\s*(\S+)", line):
                self.token = found.group(1)
            elif line.startswith("Press Ctrl+C"):
                break
            if time.monotonic() > deadline:
                break
        if not (self.graphql_url and self.token):
            reason = self.errors().strip()[-500:] or "no endpoint or token printed"
            self.stop()
            raise RuntimeError(f"the simulator did not start: {reason}")

    @property
    def pid(self) -> int:
        return self._process.pid

    def cpu_seconds(self) -> float | None:
        """CPU time the child has used so far, where the OS tells (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    def _ask_to_stop(self) -> None:
        self._process.send_signal(signal.SIGINT)  # as Ctrl+C: it shuts down cleanly
