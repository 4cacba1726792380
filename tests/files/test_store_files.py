"""The store's file side: upgrading a database, pins and their filters, outlines."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from app.domain_files import Pin, PinKind
from app.simulator import Simulator
from app.store import Store
from app.store.migrate import prepare_database
from app.store.revisions import MIGRATIONS_DIR
from tests.sync.helpers import sync


def test_a_database_of_the_previous_version_upgrades_and_gets_outlines_on_the_next_sync(
    tmp_path: Path, simulator: Simulator
) -> None:
    old_migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, old_migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (old_migrations / "versions" / "0003_files_offline.py").unlink()
    path = tmp_path / "data" / "fielddesk.sqlite3"
    path.parent.mkdir()
    prepare_database(path, script_location=old_migrations)  # the previous schema, empty
    org = simulator.dataset.organizations()[0]
    field = simulator.dataset.fields_of(org["sentera_id"])[0]
    with sqlite3.connect(path) as db:  # what the previous FieldDesk had stored
        db.execute(
            "INSERT INTO organizations (sentera_id, name, organization_type, first_seen_at) "
            "VALUES (?, 'Old', 'GROWER', '2024-01-01')",
            (org["sentera_id"],),
        )
        db.execute(
            "INSERT INTO fields (sentera_id, content_hash, organization_id, name, latitude, "
            "longitude, active, created_at, updated_at, first_seen_at) VALUES "
            "(?, 'hash-before-outlines', 1, 'Old', 0, 0, 1, '', '', '')",
            (field["sentera_id"],),
        )

    with Store.open(path) as store:
        assert store.migration.from_revision == "0002" and store.migration.backup is not None
        assert store.field_boundary(field["sentera_id"]) is None
        assert store.pins() == [] and store.file_rows() == []
        summary = sync(store, simulator)
        assert summary.outcome.value == "complete"
        outline = store.field_boundary(field["sentera_id"])
        assert outline is not None and outline.geometry() == field["boundary"]


def test_pins_and_their_filters_choose_the_mosaics(simulator: Simulator, tmp_path: Path) -> None:
    with Store.open(tmp_path / "fielddesk.sqlite3") as store:
        sync(store, simulator)
        available = [
            m
            for s in simulator.dataset.survey_ids()
            for m in simulator.dataset.mosaics_of(s)
            if m["image_status"] == "AVAILABLE"
        ]
        store.add_pin(Pin(PinKind.ALL, ""))
        assert set(store.pinned_mosaic_ids()) == {m["sentera_id"] for m in available}

        store.add_pin(Pin(PinKind.ALL, "", index_only=True))  # replaces the filters
        assert len(store.pins()) == 1
        index = {m["sentera_id"] for m in available if m["mosaic_type"] in ("NDVI", "NDRE")}
        assert index and index <= set(store.pinned_mosaic_ids())
        assert not any(
            m["mosaic_type"] == "RGB" and m["sentera_id"] in store.pinned_mosaic_ids()
            for m in available
        )

        # The last N seasons count back from this year: N reaching the latest capture year.
        latest = max(int(m["captured_at"][:4]) for m in available)
        seasons = datetime.now(UTC).year - latest + 1
        store.add_pin(Pin(PinKind.ALL, "", seasons=seasons))
        recent = {m["sentera_id"] for m in available if int(m["captured_at"][:4]) >= latest}
        assert set(store.pinned_mosaic_ids()) == recent
        assert 0 < len(recent) < len(available)

        assert store.remove_pin(PinKind.ALL, "")
        mosaic = available[0]["sentera_id"]
        store.add_pin(Pin(PinKind.MOSAIC, mosaic))
        assert store.pinned_mosaic_ids() == [mosaic]
        assert not store.remove_pin(PinKind.SURVEY, "nothing-pinned")
