"""What FieldDesk itself costs to take in a 100,000-mosaic survey, against a raw baseline.

The survey is served by the simulator. Every page of the documented `sync_mosaics` loop
is fetched once, over HTTP, with the client's own query document; then, on exactly those
response bodies, two ways of storing them are timed in alternating rounds, each into a
fresh database file with the store's pragmas (WAL, synchronous=NORMAL, foreign keys, page cache):

- FieldDesk: the client's parser (`parse_sync_mosaics`: the msgspec records, which check
  every field and build frozen records) and `Store.apply_page`, page by page;
- baseline: `json.loads` and one `executemany` upsert (INSERT ... ON CONFLICT DO UPDATE)
  per page in one transaction, into a copy of the store's `mosaics` table and indexes.

Server time and network waits are outside both, so the ratio is the client's own
overhead; the target is at most 2x. An end-to-end engine sync of the same survey is
run once for context, with the server's share of it taken from the simulator's request
log. Run it with `python benchmarks/sync_client_cost.py` from the repository root.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _common import Samples, Stopwatch, print_table, verdict

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.api.parse import parse_sync_mosaics
from app.api.resources import load_query
from app.domain import Field, Level, Organization, Outcome, Scope, ScopeKind, Survey, SyncPage
from app.simulator import Simulator, SimulatorConfig
from app.store import Store
from app.store.engine import CACHE_KIB
from app.store.snapshots import utc_now_text
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken

log = logging.getLogger(__name__)

TARGET_RATIO = 2.0
BASELINE_COLUMNS = (
    "sentera_id, content_hash, name, mosaic_type, quality, image_status, area_value, "
    "area_unit, captured_at, image_count, is_from_sentera_sensor, released, message, "
    "created_at, created_by, updated_at, updated_by, survey_id, first_seen_at, viewed_at"
)
BASELINE_UPSERT = (
    f"INSERT INTO mosaics ({BASELINE_COLUMNS}) VALUES ({', '.join('?' * 20)}) "
    "ON CONFLICT (sentera_id) DO UPDATE SET "
    + ", ".join(
        f"{c} = excluded.{c}"
        for c in BASELINE_COLUMNS.split(", ")
        if c not in ("sentera_id", "first_seen_at", "viewed_at")
    )
)


@dataclass(frozen=True, slots=True)
class Parents:
    """The survey's organization, field and survey records, to store before its mosaics."""

    organizations: tuple[Organization, ...]
    organization_id: str
    fields: SyncPage[Field]
    field_id: str
    surveys: SyncPage[Survey]
    survey_id: str


# -- the account and the raw pages --------------------------------------------------------


def build_simulator(mosaics: int, cap: int) -> tuple[Simulator, str]:
    """A tiny account plus one new survey holding exactly `mosaics` mosaics."""
    sim = Simulator(SimulatorConfig(size="tiny", mosaics_cap=cap))
    org = sim.dataset.organizations()[0]["sentera_id"]
    field_id = sim.dataset.fields_of(org)[0]["sentera_id"]
    survey_id = sim.dataset.add_survey(field_id, name="Benchmark survey", mosaics=mosaics)
    return sim.start(), survey_id


def fetch_parents(sim: Simulator, survey_id: str) -> Parents:
    with FieldAgentClient(sim.graphql_url, StaticTokenProvider(sim.demo_token)) as client:
        survey = sim.dataset.get(survey_id)
        assert survey is not None
        field_id = survey["field"]["sentera_id"]
        field = sim.dataset.get(field_id)
        assert field is not None
        org_id = field["organization"]["sentera_id"]
        return Parents(
            organizations=client.organizations(page_size=100).results,
            organization_id=org_id,
            fields=client.sync_fields(org_id, []),
            field_id=field_id,
            surveys=client.sync_surveys(field_id, []),
            survey_id=survey_id,
        )


def fetch_bodies(sim: Simulator, survey_id: str) -> list[bytes]:
    """Every response body of the documented loop, starting from an empty local copy."""
    document = load_query("sync_mosaics")
    headers = {"Authorization": f"Bearer {sim.demo_token}"}
    held: dict[str, str] = {}
    bodies: list[bytes] = []
    with httpx.Client(timeout=300) as http:
        while True:
            variables = {"survey_sentera_id": survey_id, "content_hashes": list(held.values())}
            payload = {"query": document, "operationName": "SyncMosaics", "variables": variables}
            response = http.post(sim.graphql_url, json=payload, headers=headers)
            response.raise_for_status()
            bodies.append(response.content)
            page = json.loads(response.content)["data"]["sync_mosaics"]
            for gone in page["deleted"]:
                held.pop(gone["sentera_id"], None)
            for item in page["upserted"]:
                held[item["sentera_id"]] = item["content_hash"]
            if page["remaining_count"] == 0 or not (page["upserted"] or page["deleted"]):
                return bodies
            if len(bodies) > 10_000:
                raise RuntimeError("the sync loop does not end")


def open_store(path: Path, parents: Parents) -> tuple[Store, int]:
    """A fresh store holding the survey's parents, and a run id, as the engine has them."""
    store = Store.open(path)
    store.apply_organizations(parents.organizations, complete=True)
    for level, scope, page in (
        (Level.FIELDS, parents.organization_id, parents.fields),
        (Level.SURVEYS, parents.field_id, parents.surveys),
    ):
        store.apply_page(level, scope, page, scope_complete=True, run_id=None)
    return store, store.begin_run(ScopeKind.SURVEY, parents.survey_id)


# -- the two measured paths --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Round:
    parse: Stopwatch
    apply: Stopwatch
    total: Stopwatch


def fielddesk_round(bodies: Sequence[bytes], parents: Parents, folder: Path) -> Round:
    """Parse with the client's parser and apply with the store, page by page."""
    store, run_id = open_store(folder / "fielddesk.db", parents)
    parse, apply, total = Stopwatch(), Stopwatch(), Stopwatch()
    gc.collect()
    try:
        with total.timing():
            for body in bodies:
                with parse.timing():
                    page = parse_sync_mosaics(body, len(body))
                complete = page.remaining_count == 0 or not (page.upserted or page.deleted)
                with apply.timing():
                    store.apply_page(
                        Level.MOSAICS,
                        parents.survey_id,
                        page,
                        scope_complete=complete,
                        run_id=run_id,
                    )
        return Round(parse, apply, total)
    finally:
        store.close()


def mosaics_ddl(store_path: Path) -> list[str]:
    """The CREATE statements of the store's `mosaics` table, then of its indexes."""
    source = sqlite3.connect(store_path)
    try:
        rows = source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'mosaics' AND sql IS NOT NULL "
            "ORDER BY type DESC"
        )
        return [sql for (sql,) in rows]
    finally:
        source.close()


def open_baseline(path: Path, ddl: Sequence[str]) -> sqlite3.Connection:
    """A bare database with the store's `mosaics` table, its indexes and its pragmas."""
    connection = sqlite3.connect(path, isolation_level=None)
    pragmas = (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        f"cache_size=-{CACHE_KIB}",
    )
    for pragma in pragmas:
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("CREATE TABLE surveys (id INTEGER PRIMARY KEY)")  # for the foreign key
    connection.execute("INSERT INTO surveys (id) VALUES (1)")
    for sql in ddl:
        connection.execute(sql)
    return connection


def _row(m: dict[str, Any], survey_pk: int, now: str) -> tuple[Any, ...]:
    area = m["area"] or {"value": None, "unit": None}
    created_by, updated_by = m["created_by"], m["updated_by"]
    return (
        m["sentera_id"], m["content_hash"], m["name"], m["mosaic_type"], m["quality"],
        m["image_status"], area["value"], area["unit"], m["captured_at"],
        m["images"]["total_count"], m["is_from_sentera_sensor"], m["released"], m["message"],
        m["created_at"], created_by and created_by["sentera_id"], m["updated_at"],
        updated_by and updated_by["sentera_id"], survey_pk, now, now,
    )  # fmt: skip


def baseline_round(bodies: Sequence[bytes], folder: Path, ddl: Sequence[str]) -> Round:
    """`json.loads`, then one executemany upsert per page in one transaction."""
    connection = open_baseline(folder / "baseline.db", ddl)
    parse, apply, total = Stopwatch(), Stopwatch(), Stopwatch()
    gc.collect()
    try:
        with total.timing():
            for body in bodies:
                with parse.timing():
                    doc = json.loads(body)
                with apply.timing():
                    now = utc_now_text()
                    rows = [_row(m, 1, now) for m in doc["data"]["sync_mosaics"]["upserted"]]
                    connection.execute("BEGIN IMMEDIATE")
                    connection.executemany(BASELINE_UPSERT, rows)
                    connection.execute("COMMIT")
        return Round(parse, apply, total)
    finally:
        connection.close()


def stored_mosaics(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        (count,) = connection.execute("SELECT count(*) FROM mosaics").fetchone()
        return int(count)
    finally:
        connection.close()


# -- context: the engine end to end --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndToEnd:
    wall: float
    requests: int
    server_seconds: float
    bytes_out: int


def engine_sync(sim: Simulator, parents: Parents, folder: Path) -> EndToEnd:
    """One engine run of the survey scope into a fresh store, timed on the wall clock."""
    store, _ = open_store(folder / "engine.db", parents)
    provider = StaticTokenProvider(sim.demo_token)
    engine = SyncEngine(
        store=store, client_factory=lambda: FieldAgentClient(sim.graphql_url, provider)
    )
    sim.request_log.clear()
    started = time.perf_counter()
    try:
        summary = engine.run(
            Scope(ScopeKind.SURVEY, parents.survey_id),
            cancel=CancelToken(),
            on_event=lambda event: None,
        )
    finally:
        store.close()
    wall = time.perf_counter() - started
    if summary.outcome is not Outcome.COMPLETE:
        raise RuntimeError(f"the engine sync did not complete: {summary.message}")
    records = sim.request_log.for_query("sync_mosaics")
    return EndToEnd(
        wall=wall,
        requests=len(records),
        server_seconds=sum(r.server_seconds for r in records),
        bytes_out=sum(r.bytes_out for r in records),
    )


# -- the report ---------------------------------------------------------------------------


def report(fielddesk: list[Round], baseline: list[Round], mosaics: int) -> float:
    """Print the comparison table; returns the wall-time ratio of the medians."""

    def samples(rounds: list[Round], part: str) -> Samples:
        out = Samples()
        for r in rounds:
            out.add(getattr(r, part))
        return out

    rows = []
    names = {
        "FieldDesk": ("parse (parse_sync_mosaics)", "apply (Store.apply_page)"),
        "baseline": ("json.loads", "build tuples + executemany upsert + commit"),
    }
    totals = {}
    for label, rounds in (("FieldDesk", fielddesk), ("baseline", baseline)):
        for part, name in zip(("parse", "apply"), names[label], strict=True):
            s = samples(rounds, part)
            rows.append([f"{label}: {name}", f"{s.median_wall:.3f}", f"{s.median_cpu:.3f}", ""])
        s = totals[label] = samples(rounds, "total")
        per_item = s.median_wall / mosaics * 1e6
        rows.append(
            [f"{label}: total", f"{s.median_wall:.3f}", f"{s.median_cpu:.3f}", f"{per_item:.1f}"]
        )
    wall_ratio = totals["FieldDesk"].median_wall / totals["baseline"].median_wall
    cpu_ratio = totals["FieldDesk"].median_cpu / totals["baseline"].median_cpu
    rows.append(["ratio FieldDesk / baseline", f"{wall_ratio:.2f}x", f"{cpu_ratio:.2f}x", ""])
    print_table(["", "wall s", "cpu s", "us/mosaic"], rows)
    spread = ", ".join(f"{w:.2f}" for w in totals["FieldDesk"].wall)
    base_spread = ", ".join(f"{w:.2f}" for w in totals["baseline"].wall)
    print(f"  rounds (wall s): FieldDesk {spread}; baseline {base_spread}")
    print(f"  target <= {TARGET_RATIO:.0f}x: {verdict(wall_ratio <= TARGET_RATIO)}")
    return wall_ratio


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mosaics", type=int, default=100_000, help="mosaics in the survey")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of each path")
    parser.add_argument("--page-cap", type=int, default=2_000, help="sync_mosaics page cap")
    parser.add_argument("--skip-engine", action="store_true", help="no end-to-end engine run")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"Building a survey of {args.mosaics:,} mosaics in the simulator ...", flush=True)
    sim, survey_id = build_simulator(args.mosaics, args.page_cap)
    with tempfile.TemporaryDirectory(prefix="fielddesk-bench-") as tmp:
        folder = Path(tmp)
        try:
            parents = fetch_parents(sim, survey_id)
            started = time.perf_counter()
            bodies = fetch_bodies(sim, survey_id)
            fetch_wall = time.perf_counter() - started
            size = sum(map(len, bodies))
            print(
                f"Fetched {len(bodies)} pages, {size / 1e6:.1f} MB of JSON, in {fetch_wall:.1f} s",
                flush=True,
            )
            end_to_end = None if args.skip_engine else engine_sync(sim, parents, folder)
        finally:
            sim.stop()
        fielddesk: list[Round] = []
        baseline: list[Round] = []
        ddl: list[str] = []
        for number in range(1, args.rounds + 1):
            print(f"Round {number}/{args.rounds} ...", flush=True)
            round_dir = folder / f"round{number}"
            round_dir.mkdir()
            fielddesk.append(fielddesk_round(bodies, parents, round_dir))
            ddl = ddl or mosaics_ddl(round_dir / "fielddesk.db")
            baseline.append(baseline_round(bodies, round_dir, ddl))
            counts = {stored_mosaics(round_dir / n) for n in ("fielddesk.db", "baseline.db")}
            if counts != {args.mosaics}:
                raise RuntimeError(f"stored {counts} mosaics, expected {args.mosaics}")
    print()
    print(
        f"Client cost of storing {args.mosaics:,} mosaics ({len(bodies)} pages of "
        f"sync_mosaics, {size / 1e6:.1f} MB), median of {args.rounds} rounds"
    )
    print(
        "wall = time.perf_counter; cpu = time.process_time (this process); "
        "server time and network waits excluded"
    )
    print()
    ratio = report(fielddesk, baseline, args.mosaics)
    if end_to_end is not None:
        e = end_to_end
        share = e.server_seconds / e.wall if e.wall else 0.0
        print()
        print("For context, one end-to-end engine sync of the survey into a fresh store:")
        print(
            f"  {e.wall:.1f} s wall for {e.requests} sync_mosaics requests "
            f"({e.bytes_out / 1e6:.1f} MB); the simulator (same process) computed pages for "
            f"{e.server_seconds:.1f} s ({share:.0%})"
        )
        print(
            f"  the other {e.wall - e.server_seconds:.1f} s: the client (request building, "
            "HTTP, parse, apply) and the transport"
        )
    return 1 if args.check and ratio > TARGET_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
