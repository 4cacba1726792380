"""Every hostile answer of the torture run, from the simulator's hostile mode, met by the
real client: the sync engine on a real SQLite store over real HTTP, or the real
`fielddesk` process.

Each breach follows one script. A first sync stores the account; the server then
changes one survey (a new mosaic, a renamed one) and answers that survey's
`sync_mosaics` with the hostile answer, every time. The second sync must end PARTIAL
with that one scope failed and named, every other scope complete, the local copy
exactly what the first sync stored (nothing of the hostile page committed, nothing
synced before lost) and the database intact. Once the server behaves, a third sync
brings the survey up to date: nothing was left half-done. The same answer sent to a
bare `FieldAgentClient` shows the error class and the technical message the log gets.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.api import FieldAgentClient, StaticTokenProvider
from app.api.errors import ApiError, BrokenPage, DeadlineExceeded, NotJson, ResponseTooLarge
from app.api.parse import PAGE_CAPS
from app.domain import Level, Outcome, Scope
from app.simulator import Simulator, SimulatorConfig, hostile, run_simulator
from app.simulator.__main__ import main as simulator_main
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken, RunSummary
from tests.sync.helpers import FAST_RETRY, assert_matches_server, local_catalogue

from .conftest import assert_clean_failure, fielddesk, read_only_query

# Seconds: short for the drip, so it fails fast; ample for everything else (a 2 GiB bomb
# is read up to the 64 MB cap, on a busy 2-core machine). The client's default is 120.
DRIP_DEADLINE = 0.5
DEADLINE = 60.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data" / "fielddesk.sqlite3") as opened:
        yield opened


def client(sim: Simulator, deadline: float = DEADLINE) -> FieldAgentClient:
    return FieldAgentClient(sim.graphql_url, StaticTokenProvider(sim.demo_token), deadline=deadline)


def sync(store: Store, sim: Simulator, deadline: float = DEADLINE) -> RunSummary:
    engine = SyncEngine(store=store, client_factory=lambda: client(sim, deadline), retry=FAST_RETRY)
    return engine.run(Scope.everything(), cancel=CancelToken(), on_event=lambda event: None)


def target_survey(sim: Simulator) -> str:
    return max(sim.dataset.survey_ids(), key=sim.dataset.mosaic_count)


def integrity(store: Store) -> str:
    path = Path(str(store.engine.url.database))
    return str(read_only_query(path, "PRAGMA integrity_check")[0][0])


# Each hostile answer: the fault that sends it, the error the client raises and the
# words its message must hold, and the words of what the sync reports for the scope.
BREACHES: dict[str, tuple[dict[str, Any], type[ApiError], str, str]] = {
    "drip": (
        {"kind": "trickle", "chunks": hostile.DRIP_CHUNKS, "interval": 0.05},
        DeadlineExceeded,
        f"within the {DRIP_DEADLINE:g} s deadline",
        f"within the {DRIP_DEADLINE:g} s deadline",
    ),
    "deep_json": (
        {"kind": "deep_json"},
        NotJson,
        "nested too deeply",
        "FieldAgent sent a response FieldDesk could not read",
    ),
    "gzip_bomb": (
        {"kind": "gzip_bomb"},
        ResponseTooLarge,
        "larger than the 67,108,864-byte cap once decompressed",
        "FieldAgent sent a response FieldDesk could not read",
    ),
    "duplicate_id": (
        {"kind": "duplicate_id"},
        BrokenPage,
        "the same id appears twice in one page",
        "could not read (field sync_mosaics.upserted[",
    ),
    "empty_hash": (
        {"kind": "bad_hash", "length": 0},
        BrokenPage,
        "content hash of 0 characters (field sync_mosaics.upserted[0].content_hash)",
        "could not read (field sync_mosaics.upserted[0].content_hash)",
    ),
    "long_hash": (
        {"kind": "bad_hash", "length": hostile.LONG_HASH},
        BrokenPage,
        "content hash of 10240 characters (field sync_mosaics.upserted[0].content_hash)",
        "could not read (field sync_mosaics.upserted[0].content_hash)",
    ),
}


@pytest.mark.parametrize("breach", list(BREACHES))
def test_a_hostile_answer_fails_its_scope_and_loses_nothing(
    breach: str, store: Store, simulator: Simulator
) -> None:
    fault, error, technical, reported = BREACHES[breach]
    deadline = DRIP_DEADLINE if error is DeadlineExceeded else DEADLINE
    assert sync(store, simulator).outcome is Outcome.COMPLETE
    before = local_catalogue(store)
    survey = target_survey(simulator)
    data = simulator.dataset
    data.add_mosaic(survey, name="arrived later")
    data.update_mosaic(data.mosaics_of(survey)[0]["sentera_id"], name="renamed later")
    params = dict(fault)
    armed = simulator.faults.add(
        params.pop("kind"), query="sync_mosaics", scope_id=survey, times=None, **params
    )

    with client(simulator, deadline) as bare, pytest.raises(error) as raised:
        bare.sync_mosaics(survey, list(store.local_hashes(Level.MOSAICS, survey).values()))
    assert technical in str(raised.value)

    summary = sync(store, simulator, deadline)
    # A drip past the deadline, like every other breach, fails its scope alone: the
    # server answers, only too slowly, so the rest of the run goes on.
    assert summary.outcome is Outcome.PARTIAL, summary.message
    [failure] = summary.scope_failures
    assert (failure.level, failure.scope_id) == (Level.MOSAICS, survey)
    assert reported in failure.message
    assert local_catalogue(store) == before  # nothing of the page, nothing lost
    assert integrity(store) == "ok"
    assert armed.fired >= 2  # the bare client's request and the sync's

    simulator.faults.clear()
    assert sync(store, simulator).outcome is Outcome.COMPLETE
    assert_matches_server(store, simulator)


def test_a_page_over_the_cap_is_stored_with_a_logged_warning(
    store: Store, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    # The documented policy (app.api.parse): every item of such a page is still valid,
    # only the server's paging is off, so the page is kept and the breach is logged.
    survey = target_survey(simulator)
    cap = PAGE_CAPS["sync_mosaics"]
    simulator.dataset.add_mosaics(survey, cap + 50 - simulator.dataset.mosaic_count(survey))
    armed = simulator.faults.add("over_cap", query="sync_mosaics", scope_id=survey, times=None)
    with caplog.at_level(logging.WARNING, logger="app.api.parse"):
        summary = sync(store, simulator)
    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert armed.fired == 1  # the whole scope came in the one oversized page
    assert f"{cap + 50} items in one page, more than the documented {cap}" in caplog.text
    assert len(store.local_hashes(Level.MOSAICS, survey)) == cap + 50
    assert_matches_server(store, simulator)


# -- hostile text on a terminal ---------------------------------------------------------

UNSAFE = ("\x1b", "\x07", "\r", "\u202e")


@pytest.fixture
def hostile_names() -> Iterator[Simulator]:
    with run_simulator(SimulatorConfig(size="tiny", seed=3, hostile_names=True)) as sim:
        yield sim


def test_fielddesk_prints_hostile_names_neutralised_and_json_exact(
    tmp_path: Path, hostile_names: Simulator
) -> None:
    account = hostile_names.hostile
    assert account is not None
    data = tmp_path / "data"
    synced = fielddesk("sync", data_dir=data, sim=hostile_names)
    # The GraphQL error's message is printed for its scope, its controls neutralised.
    assert_clean_failure(synced)
    out = synced.stdout + synced.stderr
    assert "Click here</a> to fix\\x1b[31m\\x07\\x0d\\u202e" in out, out
    assert not any(bad in out for bad in UNSAFE), out

    listings = {
        hostile.FIELD_NAME: ("fields",),
        hostile.SURVEY_NAME: ("surveys", "--field", account.field_id),
        hostile.MOSAIC_NAME: ("mosaics", "--survey", account.survey_id),
    }
    for name, args in listings.items():
        text = fielddesk("ls", *args, data_dir=data, sim=None)
        assert text.returncode == 0, text.stderr
        assert not any(bad in text.stdout for bad in UNSAFE), text.stdout
        shown = name.replace("\r", "\\x0d").replace("\x1b", "\\x1b").replace("\x07", "\\x07")
        assert shown.replace("\u202e", "\\u202e") in text.stdout, text.stdout
    exact = fielddesk("ls", *listings[hostile.MOSAIC_NAME], "--json", data_dir=data, sim=None)
    assert exact.returncode == 0, exact.stderr
    items = {item["sentera_id"]: item for item in json.loads(exact.stdout)}
    assert items[account.mosaic_id]["name"] == hostile.MOSAIC_NAME
    assert items[account.mosaic_id]["message"] == hostile.MOSAIC_MESSAGE


def test_the_simulator_command_line_arms_every_hostile_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = threading.Event()
    stop.set()  # print the banner, then stop at once
    args = ["--size", "tiny", "--port", "0", "--imagery-cache", str(tmp_path)]
    for kind in hostile.HOSTILE_KINDS:
        args += ["--hostile", kind]
    assert simulator_main(args, stop=stop) == 0
    banner = capsys.readouterr().out
    armed = [line.split(":", 1)[1].strip() for line in banner.splitlines() if "Fault armed" in line]
    assert sorted(armed) == sorted(
        f"{kind} on sync_mosaics"
        for kind in (
            "trickle",  # drip
            "deep_json",
            "gzip_bomb",
            "over_cap",
            "duplicate_id",
            "bad_hash",  # empty_hash
            "bad_hash",  # long_hash
            "graphql_error",  # names: the hostile error message
        )
    )
