"""Reads never write: `ls` beside a live sync, the sync lock, private files, safe text."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain import ScopeKind
from app.simulator import Simulator, SimulatorConfig, run_simulator
from app.store import Store

from .conftest import (
    assert_clean_failure,
    database,
    fielddesk,
    read_only_query,
    start_fielddesk,
)


@pytest.fixture
def slow_simulator() -> Iterator[Simulator]:
    """A sync that lasts long enough to be caught running (small pages, some latency)."""
    config = SimulatorConfig(size="tiny", seed=5, latency=0.05, mosaics_cap=50)
    with run_simulator(config) as sim:
        sim.dataset.add_mosaics(sim.dataset.survey_ids()[0], 3_000)
        yield sim


def run_outcomes(data: Path) -> list[str]:
    if not database(data).exists():
        return []
    try:
        rows = read_only_query(database(data), "SELECT outcome FROM sync_runs ORDER BY id")
    except Exception:  # the first sync is still creating the schema
        return []
    return [str(row[0]) for row in rows]


def wait_for(condition, process: subprocess.Popen[str]) -> None:  # type: ignore[no-untyped-def]
    """Poll a condition on the files while `process` runs (no fixed sleeps)."""
    while not condition():
        assert process.poll() is None, process.communicate()
        os.sched_yield()


def test_ls_beside_a_live_sync_leaves_its_run_alone_and_a_second_sync_is_refused(
    tmp_path: Path, slow_simulator: Simulator
) -> None:
    data = tmp_path / "data"
    syncing = start_fielddesk("sync", data_dir=data, sim=slow_simulator)
    try:
        wait_for(lambda: run_outcomes(data) == ["running"], syncing)
        wait_for(lambda: len(slow_simulator.request_log.for_query("sync_mosaics")) > 2, syncing)

        listed = fielddesk("ls", "mosaics", "--json", data_dir=data, sim=None)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout)  # what is committed so far
        second = fielddesk("sync", data_dir=data, sim=slow_simulator)
        assert_clean_failure(second, "already syncing", str(database(data)))
        assert run_outcomes(data) == ["running"]  # nobody declared the live run dead
    finally:
        _out, err = syncing.communicate(timeout=120)
    assert syncing.returncode == 0, err
    assert run_outcomes(data) == ["complete"]


def test_a_killed_sync_is_declared_interrupted_by_the_next_sync_only(
    tmp_path: Path, slow_simulator: Simulator
) -> None:
    data = tmp_path / "data"
    syncing = start_fielddesk("sync", data_dir=data, sim=slow_simulator)
    wait_for(lambda: len(slow_simulator.request_log.for_query("sync_mosaics")) > 2, syncing)
    syncing.send_signal(signal.SIGKILL)
    syncing.communicate()

    assert fielddesk("ls", "surveys", data_dir=data, sim=None).returncode == 0
    assert run_outcomes(data) == ["running"]  # a read decides nothing
    done = fielddesk("sync", data_dir=data, sim=slow_simulator)  # the OS freed the lock
    assert done.returncode == 0, done.stderr
    assert run_outcomes(data) == ["interrupted", "complete"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_private_even_in_an_open_folder(tmp_path: Path, simulator: Simulator) -> None:
    data = tmp_path / "shared"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    old = data / "fielddesk.sqlite3"
    previous = os.umask(0o022)
    try:
        with Store.open(old) as store:  # a writer keeps -wal and -shm while open
            store.begin_run(ScopeKind.ALL, None)
            for name in (old, Path(f"{old}-wal"), Path(f"{old}-shm"), Path(f"{old}.lock")):
                assert mode(name) == 0o600, name
        old.chmod(0o644)  # as an older FieldDesk left it
        done = fielddesk("sync", data_dir=data, sim=simulator)
        assert done.returncode == 0, done.stderr
    finally:
        os.umask(previous)
    assert mode(old) == 0o600
    assert mode(data) == 0o755  # the user's folder is theirs to set
    leaks = [p for p in data.rglob("*") if p.is_file() and mode(p) & 0o077]
    assert leaks == []


HOSTILE = "\x1b]0;pwned\x07\x1b[31mred\rX\u202egnp.exe\u2066iso\u2069\x9b2J"


def test_ls_neutralises_control_and_bidi_characters_json_stays_exact(
    tmp_path: Path, simulator: Simulator
) -> None:
    survey = simulator.dataset.survey_ids()[0]
    mosaic = simulator.dataset.mosaics_of(survey)[0]["sentera_id"]
    simulator.dataset.update_mosaic(mosaic, name=HOSTILE)
    data = tmp_path / "data"
    assert fielddesk("sync", data_dir=data, sim=simulator).returncode == 0

    text = fielddesk("ls", "mosaics", "--survey", survey, data_dir=data, sim=None)
    assert text.returncode == 0, text.stderr
    line = next(x for x in text.stdout.splitlines() if x.startswith(mosaic))
    for bad in ("\x1b", "\x07", "\r", "\u202e", "\u2066", "\u2069", "\x9b"):
        assert bad not in text.stdout
    assert "\\x1b]0;pwned\\x07\\x1b[31mred\\x0dX\\u202egnp.exe\\u2066iso\\u2069\\x9b2J" in line

    exact = fielddesk("ls", "mosaics", "--survey", survey, "--json", data_dir=data, sim=None)
    names = {m["sentera_id"]: m["name"] for m in json.loads(exact.stdout)}
    assert names[mosaic] == HOSTILE
