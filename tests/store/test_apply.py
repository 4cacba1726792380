"""Applying sync pages: upserts, scoped deletes, cascades, moves and change sets."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.domain import ChangeSet, Field, Level, Survey
from app.store import Store, UnknownScopeError

from .conftest import field, mosaic, org, page, survey


def _ids(records: Sequence[Field | Survey]) -> list[str]:
    return sorted(r.sentera_id for r in records)


def test_insert_then_update_reports_each_kind(store: Store) -> None:
    store.apply_organizations([org("O1")], complete=True)
    store.apply_page(
        Level.FIELDS, "O1", page([field("F1", "O1")]), scope_complete=True, run_id=None
    )
    store.apply_page(
        Level.SURVEYS, "F1", page([survey("S1", "F1")]), scope_complete=True, run_id=None
    )

    first = store.apply_page(
        Level.MOSAICS,
        "S1",
        page([mosaic("M1", "S1"), mosaic("M2", "S1")]),
        scope_complete=False,
        run_id=None,
    )
    assert first == ChangeSet(Level.MOSAICS, "S1", inserted=frozenset({"M1", "M2"}))
    assert store.local_hashes(Level.MOSAICS, "S1") == {"M1": "h-M1", "M2": "h-M2"}

    changed = mosaic("M2", "S1", content_hash="new", name="Renamed", released=True, area_value=None)
    second = store.apply_page(
        Level.MOSAICS, "S1", page([changed, mosaic("M3", "S1")]), scope_complete=True, run_id=None
    )
    assert second.inserted == {"M3"} and second.updated == {"M2"} and not second.deleted
    (stored,) = store.mosaics_by_id(["M2"])
    assert (stored.content_hash, stored.name, stored.released, stored.area_value) == (
        "new",
        "Renamed",
        True,
        None,
    )


def test_every_mosaic_field_round_trips(store: Store) -> None:
    store.apply_organizations([org("O1")], complete=True)
    store.apply_page(
        Level.FIELDS, "O1", page([field("F1", "O1")]), scope_complete=True, run_id=None
    )
    store.apply_page(
        Level.SURVEYS, "F1", page([survey("S1", "F1")]), scope_complete=True, run_id=None
    )
    original = mosaic(
        "M1",
        "S1",
        mosaic_type="SOMETHING_NEW",
        quality="ODD",
        image_status="PENDING",
        message="unicode ✓ message",
        updated_by="user_2",
        is_from_sentera_sensor=False,
    )
    store.apply_page(Level.MOSAICS, "S1", page([original]), scope_complete=True, run_id=None)
    (stored,) = store.mosaics_by_id(["M1"])
    for name in original.__dataclass_fields__:
        assert getattr(stored, name) == getattr(original, name), name
    assert store.fields("O1") == [field("F1", "O1")]
    assert store.surveys("F1") == [survey("S1", "F1")]
    assert store.organizations() == [org("O1")]


def test_delete_survey_cascades_to_its_mosaics(seeded: Store) -> None:
    change = seeded.apply_page(
        Level.SURVEYS, "F1", page(deleted=["S1"]), scope_complete=True, run_id=None
    )
    assert change.deleted == {"S1"}
    assert change.cascaded_mosaics == {"M1", "M2", "M3"}
    assert not change.cascaded_surveys
    assert seeded.mosaics_by_id(["M1", "M2", "M3", "M4"])[0].sentera_id == "M4"
    assert len(seeded.mosaics_by_id(["M1", "M2", "M3", "M4"])) == 1
    # The survey's own bookkeeping went with it.
    assert all(s.scope_id != "S1" for s in seeded.scope_states())


def test_delete_field_cascades_to_surveys_and_mosaics(seeded: Store) -> None:
    change = seeded.apply_page(
        Level.FIELDS, "O1", page(deleted=["F1"]), scope_complete=True, run_id=None
    )
    assert change.deleted == {"F1"}
    assert change.cascaded_surveys == {"S1", "S2"}
    assert change.cascaded_mosaics == {"M1", "M2", "M3", "M4"}
    assert _ids(seeded.surveys()) == ["S3", "S4"]
    assert seeded.counts().mosaics == 2
    with sqlite3.connect(seeded.path) as check:
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    left = {(s.level, s.scope_id) for s in seeded.scope_states()}
    assert not left & {(Level.SURVEYS, "F1"), (Level.MOSAICS, "S1"), (Level.MOSAICS, "S2")}
    assert (Level.MOSAICS, "S3") in left


def test_deletes_only_touch_the_pages_scope(seeded: Store) -> None:
    # M4 belongs to S2 and F3 to O2: a page for S1 / O1 must not delete them.
    change = seeded.apply_page(
        Level.MOSAICS, "S1", page(deleted=["M4", "M1"]), scope_complete=True, run_id=None
    )
    assert change.deleted == {"M1"}
    assert len(seeded.mosaics_by_id(["M4"])) == 1
    change = seeded.apply_page(
        Level.FIELDS, "O1", page(deleted=["F3"]), scope_complete=True, run_id=None
    )
    assert change.empty
    assert _ids(seeded.fields("O2")) == ["F3"]


def test_moved_survey_keeps_its_mosaics(seeded: Store) -> None:
    moved = survey("S3", "F1", content_hash="moved")  # was under F2
    change = seeded.apply_page(Level.SURVEYS, "F1", page([moved]), scope_complete=True, run_id=None)
    assert change.updated == {"S3"} and not change.inserted
    assert _ids(seeded.surveys("F1")) == ["S1", "S2", "S3"]
    assert seeded.surveys("F2") == []
    assert seeded.local_hashes(Level.SURVEYS, "F2") == {}
    # An upsert, not a replace: the survey's mosaics did not cascade away.
    assert [m.sentera_id for m in seeded.mosaics_by_id(["M5"])] == ["M5"]
    # A late "deleted" for S3 in F2's scope no longer touches it.
    late = seeded.apply_page(
        Level.SURVEYS, "F2", page(deleted=["S3"]), scope_complete=True, run_id=None
    )
    assert late.empty


def test_item_naming_another_parent_is_kept_in_the_pages_scope(seeded: Store) -> None:
    seeded.apply_page(
        Level.MOSAICS, "S1", page([mosaic("M9", "S2")]), scope_complete=True, run_id=None
    )
    assert "M9" in seeded.local_hashes(Level.MOSAICS, "S1")
    assert seeded.mosaics_by_id(["M9"])[0].survey_sentera_id == "S1"


def test_unknown_scope_is_refused_and_nothing_written(seeded: Store) -> None:
    before = seeded.counts()
    with pytest.raises(UnknownScopeError, match="survey S-gone"):
        seeded.apply_page(
            Level.MOSAICS,
            "S-gone",
            page([mosaic("M9", "S-gone")]),
            scope_complete=True,
            run_id=None,
        )
    assert seeded.counts() == before
    assert all(s.scope_id != "S-gone" for s in seeded.scope_states())


def test_raising_before_commit_rolls_the_page_back(seeded: Store) -> None:
    class Cancelled(Exception):
        pass

    def cancel() -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        seeded.apply_page(
            Level.MOSAICS,
            "S1",
            page([mosaic("M9", "S1")], deleted=["M1"]),
            scope_complete=True,
            run_id=None,
            before_commit=cancel,
        )
    assert set(seeded.local_hashes(Level.MOSAICS, "S1")) == {"M1", "M2", "M3"}


def test_complete_organization_list_deletes_the_missing_ones(seeded: Store) -> None:
    change = seeded.apply_organizations([org("O1", name="Renamed"), org("O3")], complete=True)
    assert change.inserted == {"O3"} and change.updated == {"O1"} and change.deleted == {"O2"}
    assert change.cascaded_surveys == {"S4"} and change.cascaded_mosaics == {"M6"}
    assert [o.name for o in seeded.organizations()] == ["Org O3", "Renamed"]
    assert seeded.fields("O2") == []
    # An incomplete list never deletes.
    partial = seeded.apply_organizations([org("O3")], complete=False)
    assert not partial.deleted
    assert len(seeded.organizations()) == 2


def test_local_hashes_of_organizations_and_unknown_scopes(seeded: Store) -> None:
    assert seeded.local_hashes(Level.ORGANIZATIONS, None) == {"O1": "", "O2": ""}
    assert seeded.local_hashes(Level.FIELDS, "O1") == {"F1": "h-F1", "F2": "h-F2"}
    assert seeded.local_hashes(Level.MOSAICS, "nope") == {}


def test_page_larger_than_the_variable_limit(store: Store) -> None:
    store.apply_organizations([org("O1")], complete=True)
    store.apply_page(
        Level.FIELDS, "O1", page([field("F1", "O1")]), scope_complete=True, run_id=None
    )
    store.apply_page(
        Level.SURVEYS, "F1", page([survey("S1", "F1")]), scope_complete=True, run_id=None
    )
    records = [mosaic(f"M{n:05d}", "S1") for n in range(2500)]
    first = store.apply_page(Level.MOSAICS, "S1", page(records), scope_complete=False, run_id=None)
    assert len(first.inserted) == 2500
    again = store.apply_page(Level.MOSAICS, "S1", page(records), scope_complete=False, run_id=None)
    assert len(again.updated) == 2500 and not again.inserted
    ids = [r.sentera_id for r in records]
    gone = store.apply_page(
        Level.MOSAICS, "S1", page(deleted=ids), scope_complete=True, run_id=None
    )
    assert len(gone.deleted) == 2500
    assert store.counts().mosaics == 0


def test_writes_survive_reopening(db_path: Path, seeded: Store) -> None:
    seeded.close()
    with Store.open(db_path) as again:
        assert again.counts().mosaics == 6
