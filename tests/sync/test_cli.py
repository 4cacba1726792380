"""The headless `fielddesk` commands, as real subprocesses against the simulator."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app.simulator import Simulator
from app.store import Store

from .helpers import assert_matches_server, local_catalogue, server_catalogue


def fielddesk(
    *args: str,
    sim: Simulator | None,
    data_dir: Path,
    env_extra: dict[str, str] | None = None,
    **popen: object,
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDDESK_")}
    env["FIELDDESK_DATA_DIR"] = str(data_dir)
    env["FIELDDESK_CONFIG_DIR"] = str(data_dir / "config")
    if sim is not None:
        env["FIELDDESK_SERVER"] = sim.graphql_url
        env["FIELDDESK_TOKEN"] = sim.demo_token
    env.update(env_extra or {})
    command = [sys.executable, "-m", "app", *args]
    if popen.pop("background", False):
        return subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen
        )
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, **popen)


def test_sync_then_ls_json_works_offline_with_the_api_field_names(
    tmp_path: Path, simulator: Simulator
):
    done = fielddesk("sync", sim=simulator, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Up to date" in done.stdout
    survey = simulator.dataset.survey_ids()[0]
    simulator.stop()  # ls never needs the network

    listed = fielddesk("ls", "mosaics", "--survey", survey, "--json", sim=None, data_dir=tmp_path)

    assert listed.returncode == 0, listed.stderr
    mosaics = json.loads(listed.stdout)
    assert len(mosaics) == len(simulator.dataset.mosaics_of(survey))
    first = mosaics[0]
    assert {"sentera_id", "content_hash", "name", "mosaic_type", "quality"} <= set(first)
    assert set(first["area"]) == {"value", "unit"}
    assert set(first["images"]) == {"total_count"}
    assert first["survey"] == {"sentera_id": survey}


def test_sync_exits_non_zero_with_a_one_line_reason_when_not_complete(
    tmp_path: Path, simulator: Simulator
):
    simulator.faults.add(kind="graphql_error", query="sync_mosaics", times=None)
    failed = fielddesk("sync", sim=simulator, data_dir=tmp_path)
    assert failed.returncode == 3  # partial
    assert "problems" in failed.stderr

    simulator.stop()
    offline = fielddesk("sync", sim=simulator, data_dir=tmp_path)
    assert offline.returncode == 5  # interrupted: the server is unreachable
    assert "could not be reached" in offline.stderr
    assert "will continue" not in offline.stderr  # a one-off command promises no retry


def test_sync_without_a_token_says_how_to_sign_in(tmp_path: Path, simulator: Simulator):
    env_less = fielddesk("sync", "--server", simulator.graphql_url, sim=None, data_dir=tmp_path)
    assert env_less.returncode != 0
    assert "fielddesk login" in env_less.stderr


def test_a_sync_killed_between_pages_resumes_and_converges(tmp_path: Path, simulator_factory):
    sim = simulator_factory(latency=0.05, mosaics_cap=500)
    survey = sim.dataset.survey_ids()[0]
    sim.dataset.add_mosaics(survey, 6_000)

    proc = fielddesk("sync", "--concurrency", "1", sim=sim, data_dir=tmp_path, background=True)
    deadline = time.monotonic() + 60
    while len(sim.request_log.for_query("sync_mosaics")) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    database = tmp_path / "fielddesk.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = db.execute("SELECT count(*) FROM mosaics").fetchone()[0]
    assert kept > 0, "pages committed before the kill are kept"
    sim.request_log.clear()

    resumed = fielddesk("sync", sim=sim, data_dir=tmp_path)

    assert resumed.returncode == 0, resumed.stderr
    with Store.open(database) as store:
        assert_matches_server(store, sim)
        runs = store.runs(limit=5)
        assert [r.outcome for r in runs][:2] == ["complete", "interrupted"]
    sent = [r.hashes_sent for r in sim.request_log.for_query("sync_mosaics")]
    assert sum(sent) > 0, "the resumed run sent the hashes it already held"


def test_sync_finds_a_servers_cap_with_few_429s_and_v_shows_the_limit(
    tmp_path: Path, simulator_factory
):
    # A server that answers 429 (Retry-After: 1 s) beyond three GraphQL requests in
    # flight, while `fielddesk sync` may keep up to 32 in flight (its default).
    sim = simulator_factory(latency=0.05, max_in_flight=3, mosaics_cap=1)

    done = fielddesk("sync", "-v", sim=sim, data_dir=tmp_path)

    assert done.returncode == 0, done.stderr
    with Store.open(tmp_path / "fielddesk.sqlite3") as store:
        assert_matches_server(store, sim)
    stats = sim.admission.stats()
    asked = stats.admitted + stats.rejected
    assert 0 < stats.rejected <= max(2, asked // 20), (stats.rejected, asked)
    changes = [line for line in done.stderr.splitlines() if "requests in flight" in line]
    assert any("->" in line and "429" in line for line in changes), done.stderr[-2000:]


def test_sync_deadline_option_fails_only_the_dripping_survey_and_names_the_deadline(
    tmp_path: Path, simulator: Simulator
):
    slow = simulator.dataset.survey_ids()[0]
    # Every read is quick, the whole answer takes 4 s: only a total deadline stops it.
    simulator.faults.add(
        "trickle", query="sync_mosaics", scope_id=slow, times=None, chunks=40, interval=0.1
    )

    done = fielddesk("sync", "--deadline", "1", sim=simulator, data_dir=tmp_path)

    assert done.returncode == 3, done.stderr  # partial: the other scopes synced
    assert "1 s deadline" in done.stderr
    assert "could not be reached" not in done.stderr
    store = Store.open(tmp_path / "fielddesk.sqlite3", read_only=True)
    try:
        local = local_catalogue(store)["mosaics"]
    finally:
        store.close()
    server = server_catalogue(simulator)["mosaics"]
    # Everything but the slow survey's mosaics arrived; none of those did.
    assert local == {k: v for k, v in server.items() if v[1] != slow}
