"""Running the simulator: restart on the same port, live mode, the command line, no Qt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.simulator import Simulator
from app.simulator.__main__ import main
from tests.simulator.gql import GraphQL

Factory = Callable[..., Simulator]


def test_stop_and_start_on_the_same_port_keeps_the_account(simulator: Simulator) -> None:
    url = simulator.base_url
    gql = GraphQL(simulator)
    survey = simulator.dataset.survey_ids()[0]
    assert gql.sync("sync_mosaics", survey, [])["upserted"]

    simulator.stop()
    with pytest.raises(httpx.ConnectError):  # a new connection: nobody is listening
        httpx.post(simulator.graphql_url, json={"query": "{ user { email } }"})
    added = simulator.dataset.add_mosaic(survey)
    simulator.start()

    assert simulator.base_url == url
    ids = [m["sentera_id"] for m in gql.sync("sync_mosaics", survey, [])["upserted"]]
    assert added in ids
    gql.close()


def test_two_simulators_side_by_side(simulator_factory: Factory) -> None:
    one, two = simulator_factory(seed=1), simulator_factory(seed=2)
    assert one.base_url != two.base_url
    assert one.demo_token != two.demo_token
    assert (
        httpx.post(
            one.graphql_url,
            json={"query": "{ user { email } }"},
            headers={"Authorization": f"Bearer {two.demo_token}"},
        ).status_code
        == 401
    )


def test_live_mode_changes_the_account_by_itself(simulator_factory: Factory) -> None:
    sim = simulator_factory(live_interval=0.05)
    before = sim.dataset.counts()["surveys"]
    deadline = time.monotonic() + 20
    while sim.dataset.counts()["surveys"] == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.dataset.counts()["surveys"] > before


def test_command_line_prints_url_and_token_and_arms_faults() -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1")
    # Started with SIGINT ignored, as a background job of a script is: Ctrl+C must still
    # stop it (an ignored disposition is inherited across exec; a handler is not).
    inherited = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.simulator",
                "--port",
                "0",
                "--size",
                "tiny",
                "--seed",
                "3",
                "--fault",
                "sync_mosaics:http_status:503:times=forever",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    finally:
        signal.signal(signal.SIGINT, inherited)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Press Ctrl+C"):
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else ""
            lines.append(line.strip())
        values = dict(line.split(":", 1) for line in lines[1:5])
        graphql_url, token = values["GraphQL endpoint"].strip(), values["Demo access token"].strip()
        headers = {"Authorization": f"Bearer {token}"}
        user = httpx.post(graphql_url, json={"query": "{ user { email } }"}, headers=headers)
        stuck = httpx.post(
            graphql_url,
            headers=headers,
            json={
                "query": '{ sync_mosaics(survey_sentera_id: "x", content_hashes: []) '
                "{ remaining_count } }"
            },
        )
        assert user.status_code == 200 and stuck.status_code == 503
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, errors = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            # Never leave it running into the next test; first make it say where it is
            # stuck (faulthandler dumps every thread on SIGABRT) and what it blocks.
            status = Path(f"/proc/{process.pid}/status")
            masks = [line for line in status.read_text().splitlines() if line.startswith("Sig")]
            process.send_signal(signal.SIGABRT)
            try:
                _, errors = process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                _, errors = process.communicate()
            pytest.fail(f"the simulator did not stop on Ctrl+C ({masks}):\n{errors}")
    assert process.returncode == 0, errors


def test_command_line_rejects_bad_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "0", "--size", "tiny", "--fault", "sync_mosaics:explode"]) == 2
    assert "explode" in capsys.readouterr().err


def test_main_runs_until_told_to_stop(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(main(["--port", "0", "--size", "tiny"], stop=stop))
    )
    thread.start()
    deadline = time.monotonic() + 20
    while "Press Ctrl+C" not in capsys.readouterr().out and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(timeout=30)
    assert result == [0]


def test_importing_the_simulator_does_not_import_qt() -> None:
    code = (
        "import sys, app.simulator, app.simulator.__main__; "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide', 'PyQt', 'shiboken'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
