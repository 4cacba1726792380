"""Storage faults, each met by a real `fielddesk` process: a clear message naming the
file, no traceback, no request to FieldAgent before the check fails, nothing written
into a damaged file, and nothing synced lost."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.simulator import Simulator, SimulatorConfig, run_simulator

from .conftest import (
    assert_clean_failure,
    damage_table_root,
    database,
    digest,
    fielddesk,
    grow_disk,
    read_only_folder,
    read_only_query,
    small_disk,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EXIT_DAMAGED = 6


@pytest.fixture
def simulator_factory_big() -> Iterator[Simulator]:
    """Several MB of mosaics: more than the small disk holds."""
    with run_simulator(SimulatorConfig(size="tiny", seed=4, latency=0.0)) as sim:
        sim.dataset.add_mosaics(sim.dataset.survey_ids()[0], 6_000)
        yield sim


def synced(tmp_path: Path, sim: Simulator) -> Path:
    data = tmp_path / "data"
    done = fielddesk("sync", data_dir=data, sim=sim)
    assert done.returncode == 0, done.stderr
    return data


def stored_mosaics(data: Path) -> int:
    return int(read_only_query(database(data), "SELECT count(*) FROM mosaics")[0][0])  # type: ignore[call-overload]


def test_a_damaged_btree_page_is_refused_before_any_request_then_repaired(
    tmp_path: Path, simulator: Simulator
) -> None:
    data = synced(tmp_path, simulator)
    db = database(data)
    damage_table_root(db, "mosaics")
    before = digest(data)
    simulator.request_log.clear()

    listed = fielddesk("ls", "mosaics", data_dir=data, sim=None)
    assert_clean_failure(listed, str(db), "damaged", "fielddesk repair")
    assert listed.returncode == EXIT_DAMAGED
    again = fielddesk("sync", data_dir=data, sim=simulator)
    assert_clean_failure(again, str(db), "damaged")
    assert again.returncode == EXIT_DAMAGED
    assert len(simulator.request_log) == 0  # checked before the network
    assert digest(data)[db.name] == before[db.name]  # nothing written into it

    repaired = fielddesk("repair", data_dir=data, sim=None)
    assert repaired.returncode == 0, repaired.stderr
    kept = [p for p in data.glob(f"{db.name}.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1
    assert str(kept[0]) in repaired.stdout
    refill = fielddesk("sync", data_dir=data, sim=simulator)
    assert refill.returncode == 0, refill.stderr
    assert stored_mosaics(data) == simulator.dataset.counts()["mosaics"]
    assert (
        fielddesk("repair", data_dir=data, sim=None).stdout.strip().endswith("nothing to repair.")
    )


def test_a_missing_table_is_refused_before_any_request(
    tmp_path: Path, simulator: Simulator
) -> None:
    data = synced(tmp_path, simulator)
    with contextlib.closing(sqlite3.connect(database(data))) as connection:
        connection.execute("DROP TABLE sync_errors")
        connection.commit()
    simulator.request_log.clear()

    for args in (("ls", "surveys"), ("sync",)):
        done = fielddesk(*args, data_dir=data, sim=simulator)
        assert_clean_failure(done, str(database(data)), "table sync_errors is missing")
        assert done.returncode == EXIT_DAMAGED
    assert len(simulator.request_log) == 0


def test_a_folder_where_the_database_belongs(tmp_path: Path, simulator: Simulator) -> None:
    data = tmp_path / "data"
    database(data).mkdir(parents=True)
    (database(data) / "keep.txt").write_text("mine")

    for args in (("ls", "fields"), ("sync",)):
        done = fielddesk(*args, data_dir=data, sim=simulator)
        assert_clean_failure(done, str(database(data)), "is a folder")
    assert len(simulator.request_log) == 0

    repaired = fielddesk("repair", data_dir=data, sim=None)
    assert repaired.returncode == 0, repaired.stderr
    (kept,) = data.glob("*.damaged-*")
    assert (kept / "keep.txt").read_text() == "mine"
    assert fielddesk("sync", data_dir=data, sim=simulator).returncode == 0


@pytest.mark.parametrize("kind", ["png", "other-app"])
def test_a_foreign_file_is_refused_and_kept(
    tmp_path: Path, simulator: Simulator, kind: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = database(data)
    if kind == "png":
        db.write_bytes(PNG)
    else:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            connection.execute("CREATE TABLE recipes (name TEXT)")
            connection.execute("INSERT INTO recipes VALUES ('bread')")
            connection.commit()
    original = db.read_bytes()

    done = fielddesk("sync", data_dir=data, sim=simulator)
    assert_clean_failure(done, str(db), "not a FieldDesk database")
    assert len(simulator.request_log) == 0
    assert db.read_bytes() == original

    assert fielddesk("repair", data_dir=data, sim=None).returncode == 0
    (kept,) = data.glob("*.damaged-*")
    assert kept.read_bytes() == original
    assert fielddesk("sync", data_dir=data, sim=simulator).returncode == 0


def test_an_empty_file_becomes_a_fresh_database(tmp_path: Path, simulator: Simulator) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database(data).touch()
    assert fielddesk("sync", data_dir=data, sim=simulator).returncode == 0
    assert stored_mosaics(data) == simulator.dataset.counts()["mosaics"]


def test_a_read_only_folder_is_browsed_and_never_written(
    tmp_path: Path, simulator: Simulator
) -> None:
    data = synced(tmp_path, simulator)
    expected = fielddesk("ls", "mosaics", "--json", data_dir=data, sim=None).stdout
    before = digest(data)
    simulator.request_log.clear()

    with read_only_folder(data):
        listed = fielddesk("ls", "mosaics", "--json", data_dir=data, sim=None)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout == expected
        blocked = fielddesk("sync", data_dir=data, sim=simulator)
        assert_clean_failure(blocked, str(database(data)), "cannot be written")
        assert digest(data) == before
    assert len(simulator.request_log) == 0


def test_a_full_disk_fails_cleanly_and_loses_nothing(
    tmp_path: Path, simulator_factory_big: Simulator
) -> None:
    sim = simulator_factory_big
    data = tmp_path / "small"
    with small_disk(data, "1m"):
        full = fielddesk("sync", data_dir=data, sim=sim)
        assert_clean_failure(full, "full")
        assert str(database(data)) in full.stderr or "logs" in full.stderr
        rows = read_only_query(database(data), "PRAGMA integrity_check")
        assert rows == [("ok",)]
        kept = stored_mosaics(data)
        grow_disk(data, "64m")
        done = fielddesk("sync", data_dir=data, sim=sim)
        assert done.returncode == 0, done.stderr
        assert stored_mosaics(data) == sim.dataset.counts()["mosaics"] >= kept
        shutil.rmtree(data / "logs", ignore_errors=True)
