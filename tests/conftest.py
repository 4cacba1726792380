"""Shared fixtures: a running FieldAgent simulator on loopback.

`simulator` is a fresh tiny account (seed 1) per test; `simulator_factory(**config)`
starts one with any `SimulatorConfig` settings. Both are stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.simulator import Simulator, SimulatorConfig


@pytest.fixture
def simulator_factory() -> Iterator[Callable[..., Simulator]]:
    started: list[Simulator] = []

    def start(**config: Any) -> Simulator:
        config.setdefault("size", "tiny")
        config.setdefault("seed", 1)
        simulator = Simulator(SimulatorConfig(**config)).start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def simulator(simulator_factory: Callable[..., Simulator]) -> Simulator:
    return simulator_factory()
