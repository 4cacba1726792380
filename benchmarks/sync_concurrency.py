"""How much running several scopes at once speeds up a first sync of a large account.

The simulator serves the `large` account (6 organizations, 200 fields, 2,000 surveys,
100,500 mosaics) with 50 ms added to every response, as a distant server would. The
engine syncs it from an empty store at concurrency 1 and then 8, each run against a
freshly started simulator (so neither run finds the server's lazily built surveys
warm) and into a fresh store. The target is a speedup of at least 5x.

The simulator runs in a child process by default: in this process it would compete
with the client for the GIL, and the measurement would be of both. `--in-process`
shows that effect. `--quick` syncs one organization instead of the whole account.
Run it with `python benchmarks/sync_concurrency.py` from the repository root.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _common import SimulatorProcess, Stopwatch, print_table, verdict

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.domain import ChangeSet, Outcome, Scope, ScopeKind
from app.simulator import Simulator, SimulatorConfig
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken, Progress

log = logging.getLogger(__name__)

TARGET_SPEEDUP = 5.0


@dataclass(frozen=True, slots=True)
class Server:
    graphql_url: str
    token: str
    cpu_seconds: Callable[[], float | None]  # the server's CPU so far, if known


@dataclass(frozen=True, slots=True)
class Result:
    concurrency: int
    wall: float
    client_cpu: float
    server_cpu: float | None
    requests: int
    upserted: int
    stored: dict[str, int]


@contextmanager
def serving(args: argparse.Namespace) -> Iterator[Server]:
    """A freshly started simulator, in a child process or in this one."""
    if args.in_process:
        config = SimulatorConfig(size=args.size, seed=args.seed, latency=args.latency)
        with Simulator(config) as sim:
            yield Server(sim.graphql_url, sim.demo_token, lambda: None)
        return
    flags = ["--size", args.size, "--seed", str(args.seed), "--latency", str(args.latency)]
    with SimulatorProcess(*flags) as child:
        yield Server(child.graphql_url, child.token, child.cpu_seconds)


def stored_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("organizations", "fields", "surveys", "mosaics")
        }
    finally:
        connection.close()


def scope_for(args: argparse.Namespace, store: Store, client: FieldAgentClient) -> Scope:
    """The whole account, or with --quick its first organization (stored beforehand,
    as an organization scope needs it; that one request is not timed)."""
    if not args.quick:
        return Scope.everything()
    orgs = client.organizations(page_size=100).results
    store.apply_organizations(orgs, complete=True)
    return Scope(ScopeKind.ORGANIZATION, orgs[0].sentera_id)


def run_once(args: argparse.Namespace, concurrency: int, folder: Path) -> Result:
    path = folder / f"concurrency-{concurrency}.db"
    with serving(args) as server, Store.open(path) as store:
        provider = StaticTokenProvider(server.token)
        with FieldAgentClient(server.graphql_url, provider) as client:
            scope = scope_for(args, store, client)
        engine = SyncEngine(
            store=store,
            client_factory=lambda: FieldAgentClient(server.graphql_url, provider),
            concurrency=concurrency,
        )
        shown = [0.0]

        def on_event(event: Progress | ChangeSet) -> None:
            now = time.monotonic()
            if isinstance(event, Progress) and now - shown[0] > 15:
                shown[0] = now
                print(f"  ... {event.level}: {event.requests} requests", flush=True)

        server_before = server.cpu_seconds()
        watch = Stopwatch()
        with watch.timing():
            summary = engine.run(scope, cancel=CancelToken(), on_event=on_event)
        server_after = server.cpu_seconds()
    if summary.outcome is not Outcome.COMPLETE:
        raise RuntimeError(f"the sync at concurrency {concurrency} failed: {summary.message}")
    server_cpu = (
        server_after - server_before
        if server_before is not None and server_after is not None
        else None
    )
    return Result(
        concurrency=concurrency,
        wall=watch.wall,
        client_cpu=watch.cpu,
        server_cpu=server_cpu,
        requests=summary.requests,
        upserted=summary.upserted,
        stored=stored_counts(path),
    )


def report(args: argparse.Namespace, results: list[Result]) -> float:
    """Print the table; returns the speedup of the highest concurrency over the lowest."""
    first, last = results[0], results[-1]
    where = "in this process" if args.in_process else "in a child process"
    what = "first organization only" if args.quick else "whole account"
    print()
    print(
        f"First sync of the `{args.size}` simulator account ({what}), "
        f"{args.latency * 1000:.0f} ms added per response, simulator {where}"
    )
    print(
        "wall = time.perf_counter; cpu = time.process_time of this process (the client, and "
        "the simulator too when in-process); simulator cpu from /proc when it is a child"
    )
    print(
        "stored: "
        + ", ".join(f"{n:,} {table}" for table, n in last.stored.items())
        + "; requests include retries"
    )
    print()
    rows = []
    for r in results:
        floor = r.requests * args.latency / r.concurrency
        server = f"{r.server_cpu:.1f}" if r.server_cpu is not None else "n/a"
        rows.append(
            [
                str(r.concurrency),
                f"{r.wall:.1f}",
                f"{r.requests:,}",
                f"{r.requests / r.wall:.1f}",
                f"{floor:.1f}",
                f"{r.client_cpu:.1f}",
                server,
                f"{r.wall / r.requests * 1000:.1f}",
            ]
        )
    print_table(
        [
            "concurrency",
            "wall s",
            "requests",
            "req/s",
            "latency floor s",
            "cpu s",
            "simulator cpu s",
            "ms/request",
        ],
        rows,
    )
    speedup = first.wall / last.wall
    print(
        f"  speedup {last.concurrency} vs {first.concurrency}: {speedup:.2f}x "
        f"(target >= {TARGET_SPEEDUP:.0f}x: {verdict(speedup >= TARGET_SPEEDUP)})"
    )
    print("  latency floor = requests x latency / concurrency: the time spent only waiting")
    return speedup


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="large", choices=("tiny", "demo", "large"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 8], help="levels to compare"
    )
    parser.add_argument("--quick", action="store_true", help="sync one organization only")
    parser.add_argument(
        "--in-process", action="store_true", help="run the simulator in this process"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    results = []
    with tempfile.TemporaryDirectory(prefix="fielddesk-bench-") as tmp:
        for concurrency in sorted(args.concurrency):
            print(f"Syncing at concurrency {concurrency} ...", flush=True)
            results.append(run_once(args, concurrency, Path(tmp)))
    counts = {tuple(r.stored.items()) for r in results}
    if len(counts) != 1:
        raise RuntimeError(f"the runs stored different catalogues: {counts}")
    speedup = report(args, results)
    return 1 if args.check and speedup < TARGET_SPEEDUP else 0


if __name__ == "__main__":
    sys.exit(main())
