"""What the headless commands say and how they exit, as real subprocesses against the
simulator: the wording a user or a script sees, and the exit status it relies on."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.launch.demo_reset import reset_demo_data
from app.simulator import Simulator
from app.store import DB_FILENAME

from .test_cli import fielddesk


@pytest.fixture
def synced(tmp_path: Path, simulator: Simulator) -> Path:
    done = fielddesk("sync", sim=simulator, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_a_closed_pipe_ends_ls_quietly(synced: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDDESK_")}
    env["FIELDDESK_DATA_DIR"] = str(synced)
    env["FIELDDESK_CONFIG_DIR"] = str(synced / "config")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "ls", "mosaics", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the first line (`| head -0`)
        error = process.stderr.read().decode()
        assert process.wait(timeout=60) == 141
    assert "Traceback" not in error and "BrokenPipe" not in error


def test_ls_without_what_lists_the_choices(synced: Path) -> None:
    result = fielddesk("ls", sim=None, data_dir=synced)
    assert result.returncode == 2
    for choice in ("organizations", "fields", "surveys", "mosaics"):
        assert choice in result.stderr


def test_unknown_ids_are_errors(synced: Path) -> None:
    org = fielddesk("ls", "fields", "--organization", "x", sim=None, data_dir=synced)
    assert org.returncode == 7
    assert "no organization x in the local catalogue" in org.stderr
    assert org.stdout == ""
    survey = fielddesk("ls", "mosaics", "--survey", "nope", "--json", sim=None, data_dir=synced)
    assert survey.returncode == 7
    assert survey.stdout == ""
    assert "no survey nope" in survey.stderr


def test_ls_csv_is_one_column_per_leaf(synced: Path, simulator: Simulator) -> None:
    survey = simulator.dataset.survey_ids()[0]
    result = fielddesk("ls", "mosaics", "--survey", survey, "--csv", sim=None, data_dir=synced)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(simulator.dataset.mosaics_of(survey))
    assert {"sentera_id", "area_value", "area_unit", "survey_sentera_id"} <= set(rows[0])
    assert "updated_by" not in rows[0]  # null in some rows, an object in others: one column
    assert rows[0]["captured_at"].endswith("Z")  # ISO, UTC


def test_a_rejected_token_is_named_as_such(tmp_path: Path, simulator: Simulator) -> None:
    result = fielddesk("sync", sim=simulator, data_dir=tmp_path, env_extra={"FIELDDESK_TOKEN": "x"})
    assert result.returncode == 4
    assert "rejected the token" in result.stderr
    assert "FIELDDESK_TOKEN" in result.stderr
    assert "received" not in result.stderr  # no transfer statistics on a refusal


def test_not_found_from_the_server_is_said_once(tmp_path: Path, simulator: Simulator) -> None:
    result = fielddesk("sync", "--survey", "nonexistent123", sim=simulator, data_dir=tmp_path)
    assert result.returncode == 3
    assert (result.stdout + result.stderr).count("nonexistent123 not found") == 1


def test_a_wrong_server_path_names_where_the_address_came_from(
    tmp_path: Path, simulator: Simulator
) -> None:
    wrong = simulator.base_url + "/wrong"
    result = fielddesk(
        "sync", sim=simulator, data_dir=tmp_path, env_extra={"FIELDDESK_SERVER": wrong}
    )
    assert result.returncode == 1
    assert "FIELDDESK_SERVER" in result.stderr and wrong in result.stderr
    assert "in the settings" not in result.stderr
    assert "(0 received" not in result.stderr
    flag = fielddesk("sync", "--server", wrong, sim=simulator, data_dir=tmp_path)
    assert "--server" in flag.stderr


def test_the_base_url_is_accepted(tmp_path: Path, simulator: Simulator) -> None:
    result = fielddesk(
        "sync", sim=simulator, data_dir=tmp_path, env_extra={"FIELDDESK_SERVER": simulator.base_url}
    )
    assert result.returncode == 0, result.stderr
    assert "Up to date" in result.stdout


def test_help_lists_environment_and_exit_codes(tmp_path: Path) -> None:
    for args in (["--help"], ["sync", "--help"]):
        result = fielddesk(*args, sim=None, data_dir=tmp_path)
        assert result.returncode == 0
        for text in ("FIELDDESK_SERVER", "FIELDDESK_TOKEN", "exit status", "141", "  7 "):
            assert text in result.stdout, (args, text)


NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_login_without_a_keyring_fails_plainly(tmp_path: Path, simulator: Simulator) -> None:
    result = fielddesk(
        "login",
        "--method",
        "token",
        "--server",
        simulator.graphql_url,
        sim=None,
        data_dir=tmp_path,
        env_extra=NO_KEYRING,
        input=simulator.demo_token + "\n",
    )
    assert result.returncode == 1
    assert "Signed in" not in result.stdout
    assert "Nothing was saved" in result.stderr and "FIELDDESK_TOKEN" in result.stderr


def test_no_keyring_warning_when_the_token_comes_from_the_environment(
    tmp_path: Path, simulator: Simulator
) -> None:
    result = fielddesk("sync", sim=simulator, data_dir=tmp_path, env_extra=NO_KEYRING)
    assert result.returncode == 0, result.stderr
    assert "keyring" not in result.stderr.lower()
    signed_out = fielddesk(
        "sync", "--server", simulator.graphql_url, sim=None, data_dir=tmp_path, env_extra=NO_KEYRING
    )
    assert signed_out.returncode == 4
    lines = [line for line in signed_out.stderr.splitlines() if "keyring" in line.lower()]
    assert len(lines) == 1  # said once, where it matters
    assert "no usable system keyring" in lines[0]


def test_demo_reset_deletes_only_the_demo_database(synced: Path) -> None:
    (synced / "fielddesk.log").write_text("kept")
    message = reset_demo_data(synced)
    assert str(synced) in message
    assert not (synced / DB_FILENAME).exists()
    assert (synced / "fielddesk.log").exists()
    assert "no local data" in reset_demo_data(synced)
