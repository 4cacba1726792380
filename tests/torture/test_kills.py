"""SIGKILL during a sync, the CI-speed variant of `benchmarks/torture.py --kills N`: a real
`fielddesk sync` process killed three times, each while the server holds one of its page
requests and the pages before it are committed, then a sync left to finish, all into one
data folder. No database may be damaged, no item lost, added or duplicated, and no page
committed before a kill asked for again (see `killaudit` for the exact rules)."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.simulator import Simulator, SimulatorConfig, run_simulator
from app.simulator.requestlog import RequestRecord

from .conftest import database, read_only_query, start_fielddesk
from .killaudit import KillAudit, truth_of

BIG_SURVEY = 2_500  # mosaics added to one survey: 25 pages of 100
STEP = 200  # mosaics each run commits (two pages) before its third page is held and it is killed
DEADLINE = 120.0  # seconds a condition may take before the test gives up


@pytest.fixture
def slow_simulator() -> Iterator[Simulator]:
    """Small pages and some latency, so one scope takes many pages and a while."""
    config = SimulatorConfig(size="tiny", seed=5, latency=0.03, mosaics_cap=100, record_hashes=True)
    with run_simulator(config) as sim:
        sim.dataset.add_mosaics(sim.dataset.survey_ids()[0], BIG_SURVEY)
        yield sim


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll a condition (a state change we cannot be told about) until a deadline."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.005)


def stored_mosaics(db: Path) -> int:
    with contextlib.suppress(sqlite3.Error):  # not created yet, or mid-migration
        return int(read_only_query(db, "SELECT count(*) FROM mosaics")[0][0])  # type: ignore[call-overload]
    return 0


def quiet_records(sim: Simulator) -> list[RequestRecord]:
    """Every record once no request is in flight: a killed run's last ones included."""
    wait_for(lambda: sim.admission.stats().in_flight == 0, "the server to go quiet")
    return sim.request_log.drain()


def test_sigkills_mid_sync_lose_nothing_and_refetch_no_committed_page(
    tmp_path: Path, slow_simulator: Simulator
) -> None:
    sim = slow_simulator
    data = tmp_path / "data"
    db = database(data)
    audit = KillAudit(thorough=True)
    big = sim.dataset.survey_ids()[0]
    floor = 0
    for kill in range(3):
        # The big survey's third page of this run waits at the server until released, so
        # the kill lands mid-sync however slowly this machine runs: two pages committed,
        # a third asked for, the scope's loop in the middle of its work.
        held = sim.faults.add(
            "hold", query="sync_mosaics", scope_id=big, after=2, times=1, seconds=DEADLINE
        )
        process = start_fielddesk("sync", data_dir=data, sim=sim)
        target = floor + STEP
        assert held.wait_for_arrivals(1, timeout=DEADLINE), f"run {kill + 1} never got far"
        wait_for(lambda: stored_mosaics(db) >= target, f"{target} mosaics stored")  # noqa: B023
        assert process.poll() is None, f"the sync ended before kill {kill + 1}"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=DEADLINE)
        held.release()
        run = audit.run_ended(db, quiet_records(sim), killed=True)
        assert not run.corrupt
        assert run.mosaics >= target  # it was killed after that progress, never before
        floor = run.mosaics
    assert floor < sim.dataset.counts()["mosaics"], "the kills left nothing to resume"

    final = start_fielddesk("sync", data_dir=data, sim=sim)
    _, stderr = final.communicate(timeout=DEADLINE)
    assert final.returncode == 0, stderr
    last = audit.run_ended(db, quiet_records(sim), killed=False)
    audit.compare(db, truth_of(sim.dataset))

    assert audit.kills == 3
    assert last.requests > 0  # the resumed run was audited, not skipped
    assert audit.failures() == {}, [vars(run) for run in audit.runs]
    assert last.mosaics == sim.dataset.counts()["mosaics"]


def test_the_audit_counts_a_request_that_leaves_out_committed_hashes(
    tmp_path: Path, slow_simulator: Simulator
) -> None:
    """The refetch rule can fail: a run that starts over from an empty folder sends no
    hashes, so the big survey, committed in part by the killed run, counts as refetched
    (its first request alone: the restart is killed as soon as it was sent)."""
    sim = slow_simulator
    big = sim.dataset.survey_ids()[0]
    first, second = tmp_path / "a", tmp_path / "b"
    process = start_fielddesk("sync", data_dir=first, sim=sim)
    wait_for(lambda: stored_mosaics(database(first)) >= STEP, f"{STEP} mosaics stored")
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=DEADLINE)
    audit = KillAudit()
    audit.run_ended(database(first), quiet_records(sim), killed=True)

    restart = start_fielddesk("sync", data_dir=second, sim=sim)
    wait_for(
        lambda: any(r.scope_id == big for r in sim.request_log.snapshot()),
        "the restart to ask for the big survey",
    )
    restart.send_signal(signal.SIGKILL)
    restart.communicate(timeout=DEADLINE)
    run = audit.run_ended(database(second), quiet_records(sim), killed=True)
    assert run.refetched_pages >= 1
    assert run.refetched_items >= STEP - 60  # the big survey's share of the committed rows
