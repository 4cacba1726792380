from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.simulator import Simulator
from tests.simulator.gql import GraphQL

# Small mosaics keep the suite fast; the generator is the same at every scale.
TEST_IMAGERY_SCALE = 0.5


@pytest.fixture
def simulator(simulator_factory: Callable[..., Simulator], tmp_path: Path) -> Simulator:
    """The tiny account, with its GeoTIFFs in this test's own folder."""
    return simulator_factory(
        imagery_cache_dir=tmp_path / "imagery", imagery_scale=TEST_IMAGERY_SCALE
    )


@pytest.fixture
def gql(simulator: Simulator) -> Iterator[GraphQL]:
    client = GraphQL(simulator)
    yield client
    client.close()
