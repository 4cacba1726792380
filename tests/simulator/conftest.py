from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.simulator import Simulator
from tests.simulator.gql import GraphQL


@pytest.fixture
def gql(simulator: Simulator) -> Iterator[GraphQL]:
    client = GraphQL(simulator)
    yield client
    client.close()
