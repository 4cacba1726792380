"""Imagery offline against the simulator: real HTTP, real GeoTIFFs, a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.files.library import Library
from app.simulator import Simulator
from app.store import Store
from tests.sync.helpers import sync

# Small mosaics (tens of KB) keep the suite fast; the code paths are those of big files.
SCALE = 0.25


@pytest.fixture
def sim(simulator_factory: Callable[..., Simulator], tmp_path: Path) -> Simulator:
    return simulator_factory(imagery_cache_dir=tmp_path / "simcache", imagery_scale=SCALE)


@pytest.fixture
def store(tmp_path: Path, sim: Simulator) -> Iterator[Store]:
    with Store.open(tmp_path / "data" / "fielddesk.sqlite3") as opened:
        summary = sync(opened, sim)
        assert summary.outcome.value == "complete", summary.message
        yield opened


@pytest.fixture
def client(sim: Simulator) -> Iterator[FieldAgentClient]:
    with FieldAgentClient(sim.graphql_url, StaticTokenProvider(sim.demo_token)) as opened:
        yield opened


@pytest.fixture
def library(store: Store, tmp_path: Path) -> Library:
    return Library(store, tmp_path / "library")
