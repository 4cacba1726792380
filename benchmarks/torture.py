"""Storage and kill torture, long form: repeated damage, repair and refill, the cost of
the page check that guards every sync, and SIGKILLs during a large sync.
(`tests/torture/` is the CI-speed variant.)

    .venv/bin/python benchmarks/torture.py [--rounds 20] [--mosaics 1000000]
    .venv/bin/python benchmarks/torture.py --kills 20 [--spread frontier|uniform] [--check]

With `--kills N` only the kill torture runs (see `torture_kills`): N random SIGKILLs of
`fielddesk sync` into one data folder, then a sync left to finish; it reports kills,
corrupt databases, lost, extra and duplicated items and refetched pages, and with
`--check` exits 1 when any of those is not zero.

Each round syncs a simulator account into a fresh folder, damages a random page of the
database (or drops a table, or puts a foreign file in its place), and checks that
`fielddesk sync` refuses with exit status 6 or 1 before a single request, that the file
is unchanged, that `fielddesk repair` keeps it aside, and that the next sync refills
everything. Then it times `PRAGMA quick_check` against opening the same store for
reading, side by side, on a synthetic catalogue of `--mosaics` mosaics.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from _common import fielddesk_env  # noqa: E402
from torture_kills import kill_torture, report  # noqa: E402

from app.simulator import SimulatorConfig, run_simulator  # noqa: E402
from app.store import DB_FILENAME, Store  # noqa: E402
from app.store.devtools import fill_synthetic  # noqa: E402
from app.store.health import check_database  # noqa: E402


def fielddesk(*args: str, data: Path, url: str, token: str) -> subprocess.CompletedProcess[str]:
    env = fielddesk_env(data, Path(f"{data}-config"), url, token)
    command = [sys.executable, "-m", "app", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO_ROOT)


def damage(db: Path, how: str, rng: random.Random) -> None:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if how == "drop-table":
            connection.execute("DROP TABLE sync_errors")
            connection.commit()
            return
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
    if how == "foreign":
        db.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(512)))
        return
    page = rng.randrange(2, pages + 1)
    with db.open("r+b") as stream:
        stream.seek((page - 1) * page_size)
        stream.write(b"\xff" * 64)


def torture(rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    tally = {
        "rounds": 0,
        "refused": 0,
        "requests_before_refusal": 0,
        "written": 0,
        "repaired": 0,
        "refilled": 0,
        "tracebacks": 0,
        "undetected": 0,
    }
    with run_simulator(SimulatorConfig(size="tiny", seed=seed, latency=0.0)) as sim:
        sim.dataset.add_mosaics(sim.dataset.survey_ids()[0], 3_000)
        expected = sim.dataset.counts()["mosaics"]
        for n in range(rounds):
            with tempfile.TemporaryDirectory() as folder:
                data = Path(folder) / "data"
                db = data / DB_FILENAME

                def run(*a: str, data: Path = data) -> subprocess.CompletedProcess[str]:
                    return fielddesk(*a, data=data, url=sim.graphql_url, token=sim.demo_token)

                assert run("sync").returncode == 0
                how = rng.choice(["page", "page", "drop-table", "foreign"])
                damage(db, how, rng)
                before = hashlib.sha256(db.read_bytes()).hexdigest()
                sim.request_log.clear()
                refused = run("sync")
                tally["rounds"] += 1
                tally["tracebacks"] += "Traceback" in refused.stderr
                if refused.returncode == 0:
                    tally["undetected"] += 1  # a page no table uses: harmless, counted
                    continue
                tally["refused"] += 1
                tally["requests_before_refusal"] += len(sim.request_log)
                tally["written"] += hashlib.sha256(db.read_bytes()).hexdigest() != before
                tally["repaired"] += run("repair").returncode == 0
                if run("sync").returncode == 0:
                    with Store.open(db, read_only=True) as store:
                        tally["refilled"] += store.counts().mosaics == expected
            print(f"round {n + 1}/{rounds}: {how}", file=sys.stderr)
    print("storage torture: " + ", ".join(f"{k} {v}" for k, v in tally.items()))


def page_check_cost(mosaics: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / DB_FILENAME
        with Store.open(db) as store:
            fill_synthetic(store, mosaics_per_survey=max(1, mosaics // 100))
        size = db.stat().st_size / 1e6
        for _ in range(3):
            started = time.perf_counter()
            with Store.open(db, read_only=True) as store:
                store.counts()
            opened = time.perf_counter() - started
            started = time.perf_counter()
            check_database(db, thorough=False)
            schema = time.perf_counter() - started
            started = time.perf_counter()
            check_database(db, thorough=True)
            pages = time.perf_counter() - started
            print(
                f"{mosaics:,} mosaics, {size:.0f} MB: read-only open + counts {opened:.3f} s, "
                f"schema check {schema * 1000:.1f} ms, quick_check {pages:.2f} s "
                f"({pages / opened:.0f}x the open)"
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mosaics", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kills", type=int, metavar="N", help="run the kill torture instead")
    parser.add_argument("--size", default="large", help="the kill torture's account")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument(
        "--reach",
        type=int,
        default=2_500,
        help="the most answers a run gets before its kill (about one full large sync)",
    )
    parser.add_argument(
        "--spread",
        choices=["frontier", "uniform"],
        default="frontier",
        help="kill a step beyond the furthest run so far, or anywhere up to --reach",
    )
    parser.add_argument(
        "--quick", action="store_true", help="quick_check instead of integrity_check per kill"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 on any kill damage")
    args = parser.parse_args()
    if args.kills is not None:
        audit = kill_torture(
            args.kills,
            size=args.size,
            latency=args.latency,
            seed=args.seed,
            thorough=not args.quick,
            reach=args.reach,
            spread=args.spread,
        )
        report(audit)
        return 1 if args.check and audit.failures() else 0
    torture(args.rounds, args.seed)
    page_check_cost(args.mosaics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
