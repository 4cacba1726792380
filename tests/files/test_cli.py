"""`fielddesk offline|download|ls files|ls fields` as real subprocesses."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.files.library import local_name_for
from app.simulator import Simulator
from tests.files.helpers import files_requests, server_bytes, survey_with_files
from tests.sync.test_cli import fielddesk


@pytest.fixture
def synced(tmp_path: Path, sim: Simulator) -> Path:
    done = fielddesk("sync", sim=sim, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_offline_add_list_remove_and_their_exit_codes(sim: Simulator, synced: Path) -> None:
    survey, _ = survey_with_files(sim)
    added = fielddesk("offline", "add", "--survey", survey, "--quality", "FULL", sim=None,
                      data_dir=synced)  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = fielddesk("offline", "list", "--json", sim=None, data_dir=synced)
    assert json.loads(listed.stdout) == [
        {"kind": "survey", "target_id": survey, "quality": "FULL", "index_only": False,
         "seasons": None}
    ]  # fmt: skip
    assert fielddesk("offline", "add", sim=None, data_dir=synced).returncode == 2
    bad = fielddesk("offline", "add", "--all", "--seasons", "0", sim=None, data_dir=synced)
    assert bad.returncode == 2 and "--seasons" in bad.stderr
    assert fielddesk("offline", "remove", "--survey", survey, sim=None,
                     data_dir=synced).returncode == 0  # fmt: skip
    again = fielddesk("offline", "remove", "--survey", survey, sim=None, data_dir=synced)
    assert again.returncode == 1 and "was not kept offline" in again.stderr


def test_download_exits_0_when_everything_is_here_and_ls_shows_it(
    sim: Simulator, synced: Path
) -> None:
    survey, mosaics = survey_with_files(sim)
    fielddesk("offline", "add", "--survey", survey, sim=None, data_dir=synced)
    before = json.loads(fielddesk("ls", "files", "--json", sim=None, data_dir=synced).stdout)
    assert {f["mosaic_id"] for f in before} == set(mosaics)
    assert all(f["state"] == "missing" and f["path"] is None for f in before)

    done = fielddesk("download", sim=sim, data_dir=synced)

    assert done.returncode == 0, done.stderr
    files = json.loads(fielddesk("ls", "files", "--json", sim=None, data_dir=synced).stdout)
    assert {f["mosaic_id"] for f in files} == set(mosaics)
    assert all(f["state"] == "present" and Path(f["path"]).is_file() for f in files)
    assert all(f["size"] == Path(f["path"]).stat().st_size for f in files)
    fields = json.loads(fielddesk("ls", "fields", "--json", sim=None, data_dir=synced).stdout)
    assert fields and all(f["boundary"]["type"] in ("Polygon", "MultiPolygon") for f in fields)
    assert all(len(f["bbox"]) == 4 for f in fields)


def test_download_exits_non_zero_when_the_budget_is_too_small(sim: Simulator, synced: Path) -> None:
    fielddesk("offline", "add", "--all", sim=None, data_dir=synced)
    done = fielddesk("download", "--budget-gb", "0.00001", sim=sim, data_dir=synced)
    assert done.returncode == 3
    assert "does not fit the disk budget" in done.stderr


def test_a_download_killed_mid_file_resumes_with_a_range_and_ends_byte_identical(
    sim: Simulator, synced: Path
) -> None:
    _, mosaics = survey_with_files(sim)
    target = mosaics[0]
    fielddesk("offline", "add", "--mosaic", target, sim=None, data_dir=synced)
    sim.faults.add(kind="trickle", query="files", chunks=200, interval=0.05, times=1)
    part = synced / "imagery" / (local_name_for(target) + ".part")

    process = fielddesk("download", sim=sim, data_dir=synced, background=True)
    assert isinstance(process, subprocess.Popen)
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size > 0):  # wait for bytes on disk
            assert process.poll() is None, "the download ended before it was killed"
            assert time.monotonic() < deadline, "no bytes arrived"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    kept = part.stat().st_size

    done = fielddesk("download", sim=sim, data_dir=synced)

    assert done.returncode == 0, done.stderr
    requests = files_requests(sim)
    resumed = requests[-1]
    assert resumed.status == 206
    with FieldAgentClient(sim.graphql_url, StaticTokenProvider(sim.demo_token)) as client:
        clean = server_bytes(client, target)
    assert resumed.bytes_out == len(clean) - kept  # only the missing bytes came again
    final = synced / "imagery" / local_name_for(target)
    assert final.read_bytes() == clean and not part.exists()
