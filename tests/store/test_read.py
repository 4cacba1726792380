"""The read side: mosaic queries, lazy row loading, tree rows, snapshots, concurrency."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest

from app.domain import Level, Mosaic, Outcome, Scope, ScopeKind
from app.store import MosaicQuery, MosaicSnapshot, MosaicSort, Store, SyncState

from .conftest import field, mosaic, org, page, survey

S1 = Scope(ScopeKind.SURVEY, "S1")


@pytest.fixture
def catalogue(store: Store) -> Store:
    """O1 → F1 (S1: A B C, S2: D), F2 (S3: E); O2 → F3 (S4: F)."""
    store.apply_organizations([org("O1"), org("O2")], complete=True)
    for org_id, fields in (("O1", ["F1", "F2"]), ("O2", ["F3"])):
        records = [field(f, org_id) for f in fields]
        store.apply_page(Level.FIELDS, org_id, page(records), scope_complete=True, run_id=None)
    for field_id, surveys in (("F1", ["S1", "S2"]), ("F2", ["S3"]), ("F3", ["S4"])):
        survey_records = [survey(s, field_id, name=f"Survey {s}") for s in surveys]
        store.apply_page(
            Level.SURVEYS, field_id, page(survey_records), scope_complete=True, run_id=None
        )
    by_survey = {
        "S1": [
            mosaic(
                "A", "S1", name="alpha field", captured_at="2024-06-01T08:00:00Z", image_count=10
            ),
            mosaic(
                "B",
                "S1",
                name="Beta",
                mosaic_type="NDVI",
                quality="PREVIEW",
                captured_at="2024-06-30T23:59:59Z",
                image_count=30,
                message="has 100% coverage",
            ),
            mosaic(
                "C",
                "S1",
                name="gamma_1",
                quality="PREVIEW",
                captured_at="2024-07-01T00:00:00Z",
                image_count=20,
                message="Cloudy",
            ),
        ],
        "S2": [mosaic("D", "S2", mosaic_type="NDVI", captured_at="2024-05-01T00:00:00Z")],
        "S3": [mosaic("E", "S3", captured_at="2024-05-02T00:00:00Z")],
        "S4": [mosaic("F", "S4", mosaic_type="THERMAL", captured_at="2024-05-03T00:00:00Z")],
    }
    for survey_id, mosaic_records in by_survey.items():
        store.apply_page(
            Level.MOSAICS, survey_id, page(mosaic_records), scope_complete=True, run_id=None
        )
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (MosaicQuery(scope=S1), ["C", "B", "A"]),  # newest capture first by default
        (MosaicQuery(scope=S1, sort=MosaicSort.NAME, descending=False), ["A", "B", "C"]),
        (MosaicQuery(scope=S1, sort=MosaicSort.IMAGE_COUNT, descending=False), ["A", "C", "B"]),
        (MosaicQuery(scope=S1, text="BETA"), ["B"]),
        (MosaicQuery(scope=S1, text="cloudy"), ["C"]),  # matches the message too
        (MosaicQuery(scope=S1, text="%"), ["B"]),  # LIKE wildcards are literal
        (MosaicQuery(scope=S1, text="_"), ["C"]),
        (MosaicQuery(scope=S1, mosaic_types=frozenset({"NDVI"})), ["B"]),
        (MosaicQuery(scope=S1, qualities=frozenset({"PREVIEW"})), ["C", "B"]),
        (
            MosaicQuery(
                scope=S1, mosaic_types=frozenset({"RGB"}), qualities=frozenset({"PREVIEW"})
            ),
            ["C"],
        ),
        (MosaicQuery(scope=S1, captured_from="2024-06-01", captured_to="2024-06-30"), ["B", "A"]),
        (MosaicQuery(captured_from="2024-06-30T23:59:59Z"), ["C", "B"]),
        (MosaicQuery(scope=Scope(ScopeKind.FIELD, "F1")), ["C", "B", "A", "D"]),
        (MosaicQuery(scope=Scope(ScopeKind.ORGANIZATION, "O1")), ["C", "B", "A", "E", "D"]),
        (MosaicQuery(), ["C", "B", "A", "F", "E", "D"]),
        (MosaicQuery(scope=Scope(ScopeKind.ALL, "")), ["C", "B", "A", "F", "E", "D"]),
        (MosaicQuery(scope=Scope(ScopeKind.SURVEY, "unknown")), []),
        (MosaicQuery(only_new=True), []),
    ],
)
def test_mosaic_ids_filter_and_sort(
    catalogue: Store, query: MosaicQuery, expected: list[str]
) -> None:
    assert catalogue.mosaic_ids(query) == expected


def test_only_new_finds_unviewed_mosaics(catalogue: Store) -> None:
    run = catalogue.begin_run(ScopeKind.ALL, None)
    catalogue.finish_run(
        run, outcome=Outcome.COMPLETE, upserted=0, deleted=0, failed=0, requests=0, bytes=0
    )
    catalogue.apply_page(
        Level.MOSAICS, "S2", page([mosaic("G", "S2")]), scope_complete=True, run_id=None
    )
    assert catalogue.mosaic_ids(MosaicQuery(only_new=True)) == ["G"]


def test_mosaics_by_id_keeps_the_callers_order(catalogue: Store) -> None:
    rows = catalogue.mosaics_by_id(["C", "missing", "A", "B"])
    assert [r.sentera_id for r in rows] == ["C", "A", "B"]
    assert rows[0].survey_sentera_id == "S1" and rows[0].message == "Cloudy"


def test_mosaics_by_id_over_many_chunks(store: Store) -> None:
    store.apply_organizations([org("O1")], complete=True)
    store.apply_page(
        Level.FIELDS, "O1", page([field("F1", "O1")]), scope_complete=True, run_id=None
    )
    store.apply_page(
        Level.SURVEYS, "F1", page([survey("S1", "F1")]), scope_complete=True, run_id=None
    )
    records = [mosaic(f"M{n:04d}", "S1") for n in range(2000)]
    store.apply_page(Level.MOSAICS, "S1", page(records), scope_complete=True, run_id=None)
    wanted = [r.sentera_id for r in reversed(records)]
    assert [m.sentera_id for m in store.mosaics_by_id(wanted)] == wanted


def test_mosaic_detail_names_its_parents(catalogue: Store) -> None:
    detail = catalogue.mosaic("B")
    assert detail is not None
    assert detail.mosaic.name == "Beta"
    assert (detail.survey_name, detail.field_sentera_id, detail.field_name) == (
        "Survey S1",
        "F1",
        "Field F1",
    )
    assert (detail.organization_sentera_id, detail.organization_name) == ("O1", "Org O1")
    assert catalogue.mosaic("nope") is None


def test_counts_and_filter_values(catalogue: Store) -> None:
    counts = catalogue.counts()
    assert (counts.organizations, counts.fields, counts.surveys, counts.mosaics) == (2, 3, 4, 6)
    tree = catalogue.tree_counts()
    assert tree.surveys_per_field == {"F1": 2, "F2": 1, "F3": 1}
    assert tree.mosaics_per_survey == {"S1": 3, "S2": 1, "S3": 1, "S4": 1}
    everything = catalogue.filter_values()
    assert everything.mosaic_types == ("NDVI", "RGB", "THERMAL")
    assert everything.qualities == ("FULL", "PREVIEW")
    assert catalogue.filter_values(Scope(ScopeKind.SURVEY, "S2")).mosaic_types == ("NDVI",)


def test_tree_rows(catalogue: Store) -> None:
    fields = {r.sentera_id: r for r in catalogue.field_rows("O1")}
    assert set(fields) == {"F1", "F2"}
    assert fields["F1"].survey_count == 2 and fields["F1"].sync_state is SyncState.SYNCED
    surveys = {r.sentera_id: r for r in catalogue.survey_rows("F1")}
    assert set(surveys) == {"S1", "S2"}
    assert surveys["S1"].mosaic_count == 3 and surveys["S1"].new_mosaic_count == 0
    assert surveys["S1"].sync_state is SyncState.SYNCED
    assert surveys["S1"].last_full_sync_at is not None


def test_snapshots_are_frozen_and_complete(catalogue: Store) -> None:
    (snapshot,) = catalogue.mosaics_by_id(["A"])
    domain_fields = {f.name for f in dataclasses.fields(Mosaic)}
    assert domain_fields <= {f.name for f in dataclasses.fields(MosaicSnapshot)}
    frozen: list[Any] = [
        snapshot,
        catalogue.survey_rows()[0],
        catalogue.field_rows()[0],
        catalogue.scope_states()[0],
        catalogue.counts(),
        catalogue.organizations()[0],
    ]
    for record in frozen:
        name = dataclasses.fields(record)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, name, "changed")


def test_reader_sees_whole_pages_while_the_writer_writes(store: Store) -> None:
    store.apply_organizations([org("O1")], complete=True)
    store.apply_page(
        Level.FIELDS, "O1", page([field("F1", "O1")]), scope_complete=True, run_id=None
    )
    store.apply_page(
        Level.SURVEYS, "F1", page([survey("S1", "F1")]), scope_complete=True, run_id=None
    )
    pages, size = 15, 400
    seen: list[int] = []
    errors: list[BaseException] = []
    writer_done = threading.Event()

    def write() -> None:
        try:
            for n in range(pages):
                records = [mosaic(f"M{n:02d}-{i:03d}", "S1") for i in range(size)]
                store.apply_page(
                    Level.MOSAICS,
                    "S1",
                    page(records, remaining=1),
                    scope_complete=False,
                    run_id=None,
                )
        except BaseException as error:
            errors.append(error)
        finally:
            writer_done.set()

    def read() -> None:
        try:
            while not writer_done.is_set() or len(seen) < 3:
                ids = store.mosaic_ids(MosaicQuery(scope=S1))
                seen.append(len(ids))
                store.mosaics_by_id(ids[:50])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert all(count % size == 0 for count in seen), "a reader saw half a page"
    assert seen == sorted(seen)
    assert store.counts().mosaics == pages * size
