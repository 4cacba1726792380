"""Fixtures for the store tests: real SQLite files under tmp_path, small catalogues."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from app.domain import Deleted, Field, Level, Mosaic, Organization, Survey, SyncError, SyncPage
from app.store import Store


def org(sentera_id: str, **changes: object) -> Organization:
    values: dict[str, object] = {
        "sentera_id": sentera_id,
        "name": f"Org {sentera_id}",
        "organization_type": "GROWER",
        "parent_organization_id": None,
    }
    values.update(changes)
    return Organization(**values)  # type: ignore[arg-type]


def field(sentera_id: str, organization: str, **changes: object) -> Field:
    values: dict[str, object] = {
        "sentera_id": sentera_id,
        "content_hash": f"h-{sentera_id}",
        "organization_sentera_id": organization,
        "name": f"Field {sentera_id}",
        "latitude": 45.0,
        "longitude": -93.0,
        "area_value": 80.5,
        "area_unit": "ACRE",
        "active": True,
        "farm": "Farm",
        "grower": None,
        "time_zone": "America/Chicago",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
    }
    values.update(changes)
    return Field(**values)  # type: ignore[arg-type]


def survey(sentera_id: str, field_id: str, **changes: object) -> Survey:
    values: dict[str, object] = {
        "sentera_id": sentera_id,
        "content_hash": f"h-{sentera_id}",
        "field_sentera_id": field_id,
        "name": f"Survey {sentera_id}",
        "color": "#aa3355",
        "start_time": "2024-06-01T10:00:00Z",
        "end_time": "2024-06-01T11:00:00Z",
        "notes": None,
        "created_at": "2024-06-01T00:00:00Z",
        "updated_at": "2024-06-02T00:00:00Z",
    }
    values.update(changes)
    return Survey(**values)  # type: ignore[arg-type]


def mosaic(sentera_id: str, survey_id: str, **changes: object) -> Mosaic:
    values: dict[str, object] = {
        "sentera_id": sentera_id,
        "content_hash": f"h-{sentera_id}",
        "survey_sentera_id": survey_id,
        "name": f"Mosaic {sentera_id}",
        "mosaic_type": "RGB",
        "quality": "FULL",
        "image_status": "AVAILABLE",
        "area_value": 12.5,
        "area_unit": "ACRE",
        "captured_at": "2024-06-01T10:30:00Z",
        "image_count": 100,
        "is_from_sentera_sensor": True,
        "released": False,
        "message": None,
        "created_at": "2024-06-01T12:00:00Z",
        "created_by": "user_US",
        "updated_at": "2024-06-01T13:00:00Z",
        "updated_by": None,
    }
    values.update(changes)
    return Mosaic(**values)  # type: ignore[arg-type]


def page(
    upserted: Sequence[object] = (),
    deleted: Sequence[str] = (),
    failed: Sequence[SyncError] = (),
    remaining: int = 0,
) -> SyncPage[object]:
    return SyncPage(
        upserted=tuple(upserted),
        deleted=tuple(Deleted(i, f"h-{i}") for i in deleted),
        failed=tuple(failed),
        remaining_count=remaining,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "fielddesk.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as opened:
        yield opened


def seed(store: Store) -> None:
    """O1 → F1 (S1: M1-M3, S2: M4), F2 (S3: M5); O2 → F3 (S4: M6)."""
    store.apply_organizations([org("O1"), org("O2")], complete=True)
    store.apply_page(
        Level.FIELDS,
        "O1",
        page([field("F1", "O1"), field("F2", "O1")]),
        scope_complete=True,
        run_id=None,
    )
    store.apply_page(
        Level.FIELDS, "O2", page([field("F3", "O2")]), scope_complete=True, run_id=None
    )
    for field_id, surveys in (("F1", ["S1", "S2"]), ("F2", ["S3"]), ("F3", ["S4"])):
        records = [survey(s, field_id) for s in surveys]
        store.apply_page(Level.SURVEYS, field_id, page(records), scope_complete=True, run_id=None)
    for survey_id, mosaics in (
        ("S1", ["M1", "M2", "M3"]),
        ("S2", ["M4"]),
        ("S3", ["M5"]),
        ("S4", ["M6"]),
    ):
        mosaic_records = [mosaic(m, survey_id) for m in mosaics]
        store.apply_page(
            Level.MOSAICS, survey_id, page(mosaic_records), scope_complete=True, run_id=None
        )


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(store)
    return store
