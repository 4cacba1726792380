"""Requests in flight: fixed concurrency levels against the adaptive limiter.

Each arm syncs an account from an empty store against a freshly started simulator (in
a child process, so the server does not share the client's interpreter lock) into a
fresh store; all arms of a scenario must store the same catalogue. Scenarios:

- `wide` / `large`: the `wide` account (60 fields x 8 small surveys) and the `large`
  one (100,500 mosaics) with 50 ms per response: adaptive vs fixed 1, 4, 8, 16, 32.
  Targets: adaptive >= 0.9 x the best fixed level; fixed 8 >= 5 x fixed 1.
- `satellite`: the `wide` account with 600 ms per response: adaptive vs fixed 4.
  Target: adaptive >= 3 x faster.
- `capped`: a server that answers 429 (Retry-After 1 s) beyond 6 requests in flight:
  adaptive vs fixed 6. Targets: adaptive >= 0.9 x fixed 6, under 5 % of requests 429.
- `resync`: a no-change resync of the `demo` account (after an untimed first sync):
  requests and time, adaptive vs fixed 4. One request per scope is the floor. The
  adaptive arm resumes the limit its first sync learnt, as the app does from one run to
  the next; "adaptive, new start" starts small again (what the carry-over is worth).

With `--rounds N` every arm runs N times, in alternating order, and the table shows
the median wall and CPU time (429s and requests are summed): on a shared machine one
round says little.

"Fixed N" is the engine as configured by `--concurrency N`; "adaptive" is the engine
with `AdaptiveLimiter(maximum=32)` and no tuning. Run from the repository root:
`python benchmarks/sync_concurrency.py [--scenario wide large satellite capped resync]`.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _common import SimulatorProcess, Stopwatch, print_table, verdict

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.domain import Outcome, Scope
from app.store import Store
from app.sync.backoff import ServerBackoff
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken
from app.sync.limiter import AdaptiveLimiter, LimitChange

ADAPTIVE = 0  # the arm label for "adaptive" among fixed levels
# Adaptive, but starting small as if no run had gone before (resync: what the carried
# limit is worth).
FRESH = -1


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    size: str
    latency: float
    arms: tuple[int, ...]  # ADAPTIVE or a fixed concurrency
    server_flags: tuple[str, ...] = ()
    resync: bool = False


SCENARIOS = {
    "wide": Scenario("wide", "wide", 0.05, (ADAPTIVE, 1, 4, 8, 16, 32)),
    "large": Scenario("large", "large", 0.05, (ADAPTIVE, 1, 4, 8, 16, 32)),
    "satellite": Scenario("satellite", "wide", 0.6, (ADAPTIVE, 4)),
    "capped": Scenario("capped", "large", 0.05, (ADAPTIVE, 6), ("--max-in-flight", "6")),
    "resync": Scenario("resync", "demo", 0.05, (ADAPTIVE, FRESH, 4), resync=True),
}


class CountingTransport(httpx.BaseTransport):
    """The real HTTP transport, counting the 429s that come back."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if response.status_code == 429:
            self.refused += 1
        return response

    def close(self) -> None:
        self._inner.close()


@dataclass(slots=True)
class Result:
    arm: int
    wall: float = 0.0
    cpu: float = 0.0
    requests: int = 0
    refused: int = 0
    stored: dict[str, int] = field(default_factory=dict)
    limits: list[LimitChange] = field(default_factory=list)
    peak: int = 0

    @property
    def label(self) -> str:
        if self.arm == FRESH:
            return "adaptive, new start"
        return "adaptive" if self.arm == ADAPTIVE else f"fixed {self.arm}"

    @classmethod
    def combined(cls, rounds: list[Result]) -> Result:
        """Median times, summed counts, the limits of the median round."""
        median = sorted(rounds, key=lambda r: r.wall)[len(rounds) // 2]
        return cls(
            arm=median.arm,
            wall=statistics.median(r.wall for r in rounds),
            cpu=statistics.median(r.cpu for r in rounds),
            requests=sum(r.requests for r in rounds),
            refused=sum(r.refused for r in rounds),
            stored=median.stored,
            limits=median.limits,
            peak=max(r.peak for r in rounds),
        )


def stored_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("organizations", "fields", "surveys", "mosaics")
        }
    finally:
        connection.close()


def make_engine(
    store: Store,
    url: str,
    token: str,
    arm: int,
    maximum: int,
    result: Result,
    backoff: ServerBackoff | None = None,
) -> tuple[SyncEngine, CountingTransport]:
    """`backoff` is the server's state across runs, as the app keeps one per server:
    the adaptive arm resumes from what an earlier run on it learnt."""
    transport = CountingTransport()
    provider = StaticTokenProvider(token)
    factory: Callable[[], AdaptiveLimiter] | None = None
    if arm in (ADAPTIVE, FRESH):
        limiter = AdaptiveLimiter(
            maximum, backoff=backoff or ServerBackoff(), resume=arm == ADAPTIVE
        )
        limiter.on_change(result.limits.append)

        def factory() -> AdaptiveLimiter:
            return limiter

        result.peak = maximum  # replaced by the measured peak below
    engine = SyncEngine(
        store=store,
        client_factory=lambda: FieldAgentClient(url, provider, transport=transport),
        concurrency=max(1, arm),
        limiter=factory,
    )
    return engine, transport


def run_arm(scenario: Scenario, arm: int, maximum: int, folder: Path) -> Result:
    result = Result(arm)
    path = folder / f"{scenario.name}-{arm}.db"
    flags = ["--size", scenario.size, "--latency", str(scenario.latency), *scenario.server_flags]
    backoff = ServerBackoff()  # this arm's "process": shared by its first sync and the timed one
    with SimulatorProcess(*flags) as server, Store.open(path) as store:
        if scenario.resync:  # the first sync is not what is measured
            first_arm = arm if arm in (ADAPTIVE, FRESH) else 8
            engine, _ = make_engine(
                store, server.graphql_url, server.token, first_arm, maximum, Result(8), backoff
            )
            first = engine.run(Scope.everything(), cancel=CancelToken(), on_event=_ignore)
            if first.outcome is not Outcome.COMPLETE:
                raise RuntimeError(f"the first sync failed: {first.message}")
        engine, transport = make_engine(
            store, server.graphql_url, server.token, arm, maximum, result, backoff
        )
        watch = Stopwatch()
        with watch.timing():
            summary = engine.run(Scope.everything(), cancel=CancelToken(), on_event=_ignore)
    if summary.outcome is not Outcome.COMPLETE:
        raise RuntimeError(f"{scenario.name}, {result.label}: {summary.message}")
    result.wall, result.cpu, result.requests = watch.wall, watch.cpu, summary.requests
    result.refused, result.stored = transport.refused, stored_counts(path)
    adaptive = arm in (ADAPTIVE, FRESH)
    result.peak = max([c.limit for c in result.limits], default=4) if adaptive else arm
    return result


def _ignore(event: object) -> None:
    pass


def report(scenario: Scenario, results: list[Result], rounds: int) -> list[tuple[str, bool]]:
    """Print the scenario's table; return its targets as (description, met)."""
    print()
    extra = " ".join(scenario.server_flags)
    print(
        f"== {scenario.name}: `{scenario.size}` account, {scenario.latency * 1000:.0f} ms per "
        f"response{', server ' + extra if extra else ''}"
        f"{', no-change resync' if scenario.resync else ', first sync'}"
    )
    print("stored: " + ", ".join(f"{n:,} {t}" for t, n in results[0].stored.items()))
    if rounds > 1:
        print(f"{rounds} rounds: median wall and cpu; requests and 429s summed over the rounds")
    rows = []
    for r in results:
        rows.append(
            [
                r.label,
                f"{r.wall:.2f}",
                f"{r.cpu:.1f}",
                f"{r.requests:,}",
                f"{r.requests / r.wall / rounds:.1f}",
                f"{r.refused:,}",
                f"{100 * r.refused / max(1, r.requests):.1f}",
                str(r.peak),
                str(len(r.limits)) if r.arm in (ADAPTIVE, FRESH) else "",
            ]
        )
    headers = ["arm", "wall s", "cpu s", "requests", "req/s", "429s", "429 %", "limit peak"]
    print_table([*headers, "limit changes"], rows)
    adaptive = next(r for r in results if r.arm == ADAPTIVE)
    fixed = {r.arm: r for r in results if r.arm > 0}
    if adaptive.limits:
        last = adaptive.limits[-1]
        print(f"  adaptive limit at the end: {last.limit} ({last.reason})")
    targets: list[tuple[str, bool]] = []
    if scenario.name in ("wide", "large"):
        best = min(fixed.values(), key=lambda r: r.wall)
        ratio = best.wall / adaptive.wall
        targets.append(
            (f"adaptive {ratio:.2f} x the best fixed ({best.label}), >= 0.9", ratio >= 0.9)
        )
        if 1 in fixed and 8 in fixed:
            speedup = fixed[1].wall / fixed[8].wall
            targets.append((f"fixed 8 {speedup:.2f} x fixed 1, >= 5", speedup >= 5))
    elif scenario.name == "satellite":
        ratio = fixed[4].wall / adaptive.wall
        targets.append((f"adaptive {ratio:.2f} x faster than fixed 4, >= 3", ratio >= 3))
    elif scenario.name == "capped":
        ratio = fixed[6].wall / adaptive.wall
        share = 100 * adaptive.refused / max(1, adaptive.requests)
        targets.append((f"adaptive {ratio:.2f} x fixed 6, >= 0.9", ratio >= 0.9))
        targets.append((f"adaptive got {share:.1f} % of requests answered 429, < 5 %", share < 5))
    elif scenario.name == "resync":
        ratio = fixed[4].wall / adaptive.wall
        print(f"  adaptive {ratio:.2f} x the speed of fixed 4 (no target; reported)")
        fresh = next((r for r in results if r.arm == FRESH), None)
        if fresh is not None:
            gain = fresh.wall / adaptive.wall
            print(f"  resuming the last run's limit: {gain:.2f} x a new start (reported)")
    for description, met in targets:
        print(f"  {description}: {verdict(met)}")
    return targets


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario",
        nargs="+",
        choices=list(SCENARIOS),
        default=list(SCENARIOS),
        help="which comparisons to run (default: all, about ten minutes)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        help="fixed levels for the wide and large scenarios (default 1 4 8 16 32)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs per arm (median)")
    parser.add_argument("--maximum", type=int, default=32, help="the adaptive arm's maximum")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    missed = []
    with tempfile.TemporaryDirectory(prefix="fielddesk-bench-") as tmp:
        for name in args.scenario:
            scenario = SCENARIOS[name]
            arms = scenario.arms
            if args.concurrency and name in ("wide", "large"):
                arms = (ADAPTIVE, *sorted(set(args.concurrency)))
            runs: dict[int, list[Result]] = {arm: [] for arm in arms}
            for round_number in range(args.rounds):
                for arm in arms if round_number % 2 == 0 else arms[::-1]:
                    label = Result(arm).label
                    print(f"{name}: {label} (round {round_number + 1}) ...", flush=True)
                    runs[arm].append(run_arm(scenario, arm, args.maximum, Path(tmp)))
            results = [Result.combined(runs[arm]) for arm in arms]
            if len({tuple(r.stored.items()) for rs in runs.values() for r in rs}) != 1:
                raise RuntimeError(f"{name}: the arms stored different catalogues")
            missed += [d for d, met in report(scenario, results, args.rounds) if not met]
    print()
    print("targets missed: " + ("; ".join(missed) if missed else "none"))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
