"""The simulator pushes back: a cap on requests in flight answered with 429 and
Retry-After, and latency that grows with load. Real HTTP from real threads; the tests
wait on the server's own counters, never on the clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from app.simulator import Simulator, SimulatorConfig
from app.simulator.__main__ import main, parse_args
from tests.simulator.gql import GraphQL, query_text

USER = query_text("user")
JOIN = 30.0


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll the simulator's counters until `condition` holds (bounded, not a timing test)."""
    deadline = time.monotonic() + JOIN
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)


def in_background(sim: Simulator, count: int) -> tuple[list[threading.Thread], list[int]]:
    """`count` requests sent at once from their own threads; their statuses, when done."""
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(count)

    def send() -> None:
        caller = GraphQL(sim)
        try:
            barrier.wait()
            status = caller.post(USER).status_code
        finally:
            caller.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, statuses


def test_requests_beyond_the_cap_get_429_with_retry_after(
    simulator_factory: Callable[..., Simulator],
) -> None:
    # The base latency only keeps the first three in flight while the test asks again.
    sim = simulator_factory(latency=2.0, max_in_flight=3, overload_retry_after=4)
    threads, statuses = in_background(sim, 3)
    wait_for(lambda: sim.admission.stats().in_flight == 3, "three requests in flight")
    caller = GraphQL(sim)
    try:
        refused = [caller.post(USER) for _ in range(5)]
    finally:
        caller.close()
    for thread in threads:
        thread.join(JOIN)
    assert [r.status_code for r in refused] == [429] * 5
    assert all(r.headers["Retry-After"] == "4" for r in refused)
    assert "Too many requests" in refused[0].json()["errors"][0]["message"]
    assert statuses == [200, 200, 200]
    stats = sim.admission.stats()
    assert (stats.admitted, stats.rejected, stats.peak_in_flight) == (3, 5, 3)
    logged = [r for r in sim.request_log if r.status == 429]
    assert len(logged) == 5 and all(r.faults == ("admission",) for r in logged)


def test_a_burst_from_many_threads_is_cut_down_to_the_cap(
    simulator_factory: Callable[..., Simulator],
) -> None:
    sim = simulator_factory(latency=0.5, max_in_flight=4)
    threads, statuses = in_background(sim, 16)
    for thread in threads:
        thread.join(JOIN)
    stats = sim.admission.stats()
    assert len(statuses) == 16 and set(statuses) <= {200, 429}
    assert statuses.count(429) == stats.rejected > 0
    assert statuses.count(200) == stats.admitted
    assert stats.peak_in_flight <= 4 and stats.in_flight == 0


def test_latency_grows_with_the_requests_in_flight(
    simulator_factory: Callable[..., Simulator],
) -> None:
    sim = simulator_factory(latency=1.0, latency_per_request=0.25)
    threads, statuses = in_background(sim, 3)
    wait_for(lambda: sim.admission.stats().in_flight == 3, "three requests in flight")
    caller = GraphQL(sim)
    try:
        assert caller.post(USER).status_code == 200  # arrived with three others
    finally:
        caller.close()
    for thread in threads:
        thread.join(JOIN)
    stats = sim.admission.stats()
    # The first three arrived with 0, 1 and 2 others in flight, the fourth with 3.
    assert stats.added_seconds == pytest.approx(0.25 * (0 + 1 + 2 + 3))
    assert stats.rejected == 0 and statuses == [200, 200, 200]


def test_no_cap_and_no_load_latency_by_default(simulator: Simulator) -> None:
    threads, statuses = in_background(simulator, 8)
    for thread in threads:
        thread.join(JOIN)
    assert statuses == [200] * 8
    assert simulator.admission.stats().added_seconds == 0


def test_command_line_flags_reach_the_config() -> None:
    args = parse_args(
        ["--max-in-flight", "6", "--overload-retry-after", "2", "--latency-per-request", "0.01"]
    )
    assert (args.max_in_flight, args.overload_retry_after, args.latency_per_request) == (
        6,
        2,
        0.01,
    )
    assert parse_args([]).max_in_flight is None


def test_bad_settings_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="max_in_flight"):
        SimulatorConfig(max_in_flight=0)
    with pytest.raises(ValueError, match="negative"):
        SimulatorConfig(latency_per_request=-1)
    assert main(["--port", "0", "--size", "tiny", "--max-in-flight", "0"]) == 2
    assert "max_in_flight" in capsys.readouterr().err


def test_refusals_are_plain_json_an_http_client_can_read(
    simulator_factory: Callable[..., Simulator],
) -> None:
    sim = simulator_factory(latency=2.0, max_in_flight=1)
    threads, _ = in_background(sim, 1)
    wait_for(lambda: sim.admission.stats().in_flight == 1, "one request in flight")
    response = httpx.post(sim.graphql_url, json={"query": USER}, timeout=10)
    for thread in threads:
        thread.join(JOIN)
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/json")
