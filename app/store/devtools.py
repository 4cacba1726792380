"""Developer tools: fill a store with synthetic data fast, and time the page apply path.

`fill_synthetic` writes straight through `executemany` (no sync, no server) so the UI can
be tried and benchmarked on a million mosaics in seconds. `python -m app.store.devtools
bench` compares `Store.apply_page` on 2,000-mosaic pages with a bare `sqlite3`
`executemany` upsert of the same rows into the same schema, in one run.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from app.domain import Field, Level, Mosaic, Organization, Survey, SyncPage
from app.store.catalogue import SPECS
from app.store.engine import driver_connection, write_transaction
from app.store.snapshots import utc_now_text
from app.store.store import Store

MOSAIC_TYPES = ("RGB", "MULTISPECTRAL", "CUSTOM_INDEXED", "WEED_DETECTION", "NDVI")
QUALITIES = ("FULL", "PREVIEW", "FAST")
_BATCH = 50_000


@dataclass(frozen=True, slots=True)
class SyntheticCounts:
    organizations: int
    fields: int
    surveys: int
    mosaics: int


def synthetic_mosaics(
    survey_id: str, count: int, *, seed: int = 0, start: int = 0, version: int = 0
) -> Iterator[Mosaic]:
    """`count` plausible mosaics of one survey; `version` changes every content hash."""
    rng = random.Random(f"{seed}:{survey_id}")
    for n in range(start, start + count):
        day = 1 + rng.randrange(28)
        month = 1 + rng.randrange(12)
        yield Mosaic(
            sentera_id=f"{survey_id}_MO_{n:07d}",
            content_hash=f"h{version:03d}{n:012d}",
            survey_sentera_id=survey_id,
            name=f"Mosaic {n} {rng.choice(MOSAIC_TYPES).title()}",
            mosaic_type=rng.choice(MOSAIC_TYPES),
            quality=rng.choice(QUALITIES),
            image_status="AVAILABLE",
            area_value=round(rng.uniform(1, 400), 2),
            area_unit="ACRE",
            captured_at=f"2024-{month:02d}-{day:02d}T{rng.randrange(24):02d}:{n % 60:02d}:00Z",
            image_count=rng.randrange(10, 2000),
            is_from_sentera_sensor=rng.random() < 0.8,
            released=rng.random() < 0.9,
            message=None if n % 7 else f"Processed with notes {n}",
            created_at="2024-07-01T12:00:00Z",
            created_by="user_US_1",
            updated_at=f"2024-07-{1 + version % 28:02d}T12:00:00Z",
            updated_by=None,
        )


def fill_synthetic(
    store: Store,
    *,
    organizations: int = 1,
    fields_per_organization: int = 10,
    surveys_per_field: int = 10,
    mosaics_per_survey: int = 1000,
    seed: int = 0,
) -> SyntheticCounts:
    """Add a synthetic catalogue to `store` (ids are prefixed "syn") in a few transactions."""
    orgs = [
        Organization(f"syn{o}_OR", f"Synthetic organization {o}", "GROWER", None)
        for o in range(organizations)
    ]
    store.apply_organizations(orgs, complete=False)
    field_records: list[Field] = []
    survey_records: list[Survey] = []
    for org in orgs:
        for f in range(fields_per_organization):
            field_id = f"{org.sentera_id}_AS{f}"
            field_records.append(_field(field_id, org.sentera_id, f))
            survey_records.extend(
                _survey(f"{field_id}_CO{s}", field_id, s) for s in range(surveys_per_field)
            )
    now = utc_now_text()
    with write_transaction(store.engine) as connection:
        cursor = driver_connection(connection).cursor()
        _insert_children(cursor, Level.FIELDS, field_records, "organizations", now)
        _insert_children(cursor, Level.SURVEYS, survey_records, "fields", now)
    spec = SPECS[Level.MOSAICS]
    pending: list[tuple[object, ...]] = []
    with write_transaction(store.engine) as connection:
        cursor = driver_connection(connection).cursor()
        parents = dict(cursor.execute("SELECT sentera_id, id FROM surveys"))
        for survey in survey_records:
            extra = (parents[survey.sentera_id], now, now)  # viewed: not "new"
            for mosaic in synthetic_mosaics(survey.sentera_id, mosaics_per_survey, seed=seed):
                pending.append(spec.values_of(mosaic) + extra)
            if len(pending) >= _BATCH:
                cursor.executemany(spec.upsert_sql, pending)
                pending.clear()
        cursor.executemany(spec.upsert_sql, pending)
    mosaic_count = len(survey_records) * mosaics_per_survey
    return SyntheticCounts(organizations, len(field_records), len(survey_records), mosaic_count)


def _field(sentera_id: str, organization_id: str, n: int) -> Field:
    return Field(
        sentera_id=sentera_id,
        content_hash=f"fh{n}",
        organization_sentera_id=organization_id,
        name=f"Field {n}",
        latitude=45.0,
        longitude=-93.0,
        area_value=80.0,
        area_unit="ACRE",
        active=True,
        farm="Farm",
        grower="Grower",
        time_zone="America/Chicago",
        created_at="2024-01-01T00:00:00Z",
        updated_at="2024-01-01T00:00:00Z",
    )


def _survey(sentera_id: str, field_id: str, n: int) -> Survey:
    day = f"2024-06-{1 + n % 28:02d}"
    return Survey(
        sentera_id=sentera_id,
        content_hash=f"sh{n}",
        field_sentera_id=field_id,
        name=f"Survey {n}",
        color="#33aa55",
        start_time=f"{day}T10:00:00Z",
        end_time=f"{day}T11:00:00Z",
        notes=None,
        created_at="2024-06-01T00:00:00Z",
        updated_at="2024-06-01T00:00:00Z",
    )


def _insert_children(
    cursor: sqlite3.Cursor, level: Level, records: Sequence[Field | Survey], parent: str, now: str
) -> None:
    spec = SPECS[level]
    parents = dict(cursor.execute(f"SELECT sentera_id, id FROM {parent}").fetchall())
    rows = [(*spec.values_of(r), parents[spec.parent_of(r)], now) for r in records]
    cursor.executemany(spec.upsert_sql, rows)


def _bench(rounds: int, page_size: int) -> None:
    """Median time per page: `apply_page` vs a bare sqlite3 upsert into the same schema."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "store.sqlite3")
        raw_path = Path(folder) / "raw.sqlite3"
        for target in (store, Store.open(raw_path)):  # same schema, indexes and pragmas
            fill_synthetic(
                target, fields_per_organization=1, surveys_per_field=1, mosaics_per_survey=0
            )
            target.close()
        raw = sqlite3.connect(raw_path, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        survey = "syn0_OR_AS0_CO0"
        (survey_pk,) = raw.execute(
            "SELECT id FROM surveys WHERE sentera_id = ?", (survey,)
        ).fetchone()
        spec = SPECS[Level.MOSAICS]
        times: dict[tuple[str, str], list[float]] = {}
        for n in range(rounds):
            page = list(synthetic_mosaics(survey, page_size, start=n * page_size))
            changed = [replace(m, content_hash=m.content_hash + "x") for m in page]
            for kind, records in (("insert", page), ("update", changed)):
                started = time.perf_counter()
                sync_page = SyncPage(tuple(records), (), (), 0)
                store.apply_page(
                    Level.MOSAICS, survey, sync_page, scope_complete=False, run_id=None
                )
                times.setdefault(("ours", kind), []).append(time.perf_counter() - started)
                started = time.perf_counter()
                now = utc_now_text()
                rows = [(*spec.values_of(m), survey_pk, now, None) for m in records]
                raw.execute("BEGIN IMMEDIATE")
                raw.executemany(spec.upsert_sql, rows)
                raw.execute("COMMIT")
                times.setdefault(("raw", kind), []).append(time.perf_counter() - started)
        raw.close()
        store.close()
    for kind in ("insert", "update"):
        ours = statistics.median(times["ours", kind])
        bare = statistics.median(times["raw", kind])
        print(
            f"{kind:6} {page_size} mosaics: apply_page {ours * 1000:7.2f} ms   "
            f"raw sqlite3 executemany {bare * 1000:7.2f} ms   ratio {ours / bare:.2f}x"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.store.devtools")
    commands = parser.add_subparsers(dest="command", required=True)
    fill = commands.add_parser("fill", help="add a synthetic catalogue to a database file")
    fill.add_argument("path", type=Path)
    fill.add_argument("--mosaics", type=int, default=1_000_000, help="in total")
    bench = commands.add_parser("bench", help="time apply_page against a bare executemany")
    bench.add_argument("--rounds", type=int, default=15)
    bench.add_argument("--page-size", type=int, default=2000)
    args = parser.parse_args(argv)
    if args.command == "bench":
        _bench(args.rounds, args.page_size)
        return 0
    started = time.perf_counter()
    with Store.open(args.path) as store:
        counts = fill_synthetic(store, mosaics_per_survey=max(1, args.mosaics // 100))
    print(f"{counts} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
