"""The adaptive limiter on a fake clock: when it grows, when it backs off, its bounds."""

from __future__ import annotations

import pytest

from app.api.errors import (
    ApiError,
    AuthError,
    NetworkError,
    RateLimited,
    RequestTimeout,
    ServerError,
    ServerUnavailable,
)
from app.sync.backoff import ServerBackoff
from app.sync.limiter import AdaptiveLimiter, Drop, LimitChange, Tuning, report_error
from tests.sync.limiter_helpers import FakeClock, full_round

FLOOR = 0.05


def make(clock: FakeClock, maximum: int = 32, initial: int = 4) -> AdaptiveLimiter:
    """A limiter that judges every full round (one round trip) by itself: the default
    window of at least 8 answers would make the tests count rounds instead."""
    tuning = Tuning(window=1)
    return AdaptiveLimiter(maximum, initial=initial, clock=clock, wait=clock.wait, tuning=tuning)


def grow_to(limiter: AdaptiveLimiter, clock: FakeClock, at_least: int) -> None:
    for _ in range(50):
        if limiter.limit >= at_least:
            return
        full_round(limiter, clock, FLOOR)
    raise AssertionError(f"the limit stayed at {limiter.limit}")


def test_starts_at_the_initial_limit_and_grows_while_latency_stays_at_its_floor() -> None:
    clock = FakeClock()
    limiter = make(clock)
    changes: list[LimitChange] = []
    limiter.on_change(changes.append)
    assert limiter.limit == 4
    limits = []
    for _ in range(8):
        full_round(limiter, clock, FLOOR)
        limits.append(limiter.limit)
    assert limits == sorted(limits) and limits[-1] == 32
    assert limits[0] == 6  # slow start: half as much again per round trip
    assert all(c.limit > c.previous and "floor" in c.reason for c in changes)


def test_does_not_grow_when_the_limit_is_not_what_holds_requests_back() -> None:
    clock = FakeClock()
    limiter = make(clock)
    for _ in range(20):
        full_round(limiter, clock, FLOOR, count=2)  # only two scopes to sync
    assert limiter.limit == 4


@pytest.mark.parametrize("reason", list(Drop))
def test_a_drop_halves_the_limit_once_per_round(reason: Drop) -> None:
    clock = FakeClock()
    limiter = make(clock)
    grow_to(limiter, clock, 13)
    before = limiter.limit
    changes: list[LimitChange] = []
    limiter.on_change(changes.append)
    slots = [limiter.acquire() for _ in range(before)]
    clock.advance(FLOOR)
    for slot in slots[:3]:  # three refusals of requests sent at the same limit
        slot.dropped(reason)
    for slot in slots[3:]:
        slot.success()
    assert limiter.limit == before // 2
    assert len(changes) == 1 and str(reason) in changes[0].reason
    assert limiter.drops == 3


def test_latency_far_above_its_floor_shrinks_the_limit() -> None:
    clock = FakeClock()
    limiter = make(clock)
    grow_to(limiter, clock, 20)
    before = limiter.limit
    changes: list[LimitChange] = []
    limiter.on_change(changes.append)
    full_round(limiter, clock, FLOOR * 3)
    assert limiter.limit == int(before * Tuning().latency_factor)
    assert "latency 3.0x" in changes[-1].reason
    full_round(limiter, clock, FLOOR * 3)
    assert limiter.limit < int(before * Tuning().latency_factor)


def test_moderately_higher_latency_holds_the_limit() -> None:
    clock = FakeClock()
    limiter = make(clock)
    grow_to(limiter, clock, 9)
    before = limiter.limit
    for _ in range(5):
        full_round(limiter, clock, FLOOR * 1.8)
    assert limiter.limit == before


def test_never_above_the_maximum() -> None:
    clock = FakeClock()
    limiter = make(clock, maximum=5, initial=9)
    assert limiter.limit == 5
    peak = 0
    for _ in range(30):
        full_round(limiter, clock, FLOOR)
        peak = max(peak, limiter.limit, limiter.peak_in_flight)
    assert peak == 5


def test_never_below_one_and_a_limit_of_one_still_serves() -> None:
    clock = FakeClock()
    limiter = make(clock)
    grow_to(limiter, clock, 20)
    for _ in range(10):  # each refusal is of a request sent after the last decrease
        limiter.acquire().dropped(Drop.UNAVAILABLE)
    assert limiter.limit == 1
    slot = limiter.acquire()
    assert slot.in_flight == 1
    slot.success()


def test_after_a_refusal_it_creeps_up_to_that_level_only_after_the_probe_interval() -> None:
    clock = FakeClock()
    limiter = make(clock, initial=7)
    slots = [limiter.acquire() for _ in range(7)]
    clock.advance(FLOOR)
    slots[-1].dropped(Drop.RATE_LIMITED)  # the seventh in flight was refused
    for slot in slots[:-1]:
        slot.success()
    assert limiter.limit == 3
    for _ in range(20):  # many round trips, well within the probe interval
        full_round(limiter, clock, FLOOR)
    assert limiter.limit == 6
    clock.advance(Tuning().probe_interval)
    full_round(limiter, clock, FLOOR)
    assert limiter.limit == 7
    # Refused there again: the next probe waits twice as long.
    slots = [limiter.acquire() for _ in range(7)]
    clock.advance(FLOOR)
    slots[-1].dropped(Drop.RATE_LIMITED)
    for slot in slots[:-1]:
        slot.success()
    for _ in range(10):
        full_round(limiter, clock, FLOOR)
    clock.advance(Tuning().probe_interval * 1.5)
    full_round(limiter, clock, FLOOR)
    assert limiter.limit == 6
    clock.advance(Tuning().probe_interval)
    full_round(limiter, clock, FLOOR)
    assert limiter.limit == 7


def test_a_request_that_fails_for_other_reasons_frees_its_slot_without_learning() -> None:
    clock = FakeClock()
    limiter = make(clock, initial=1)
    with pytest.raises(ConnectionError), limiter.acquire():
        raise ConnectionError("refused")
    assert limiter.in_flight == 0 and limiter.limit == 1
    with limiter.acquire() as slot:
        clock.advance(FLOOR)
    assert slot.in_flight == 1 and limiter.in_flight == 0


def test_reporting_twice_counts_once() -> None:
    clock = FakeClock()
    limiter = make(clock)
    slot = limiter.acquire()
    slot.dropped(Drop.TIMEOUT)
    slot.success()
    slot.ignore()
    assert limiter.in_flight == 0 and limiter.drops == 1


def test_a_fixed_limit_never_moves_but_honours_pauses() -> None:
    clock = FakeClock()
    backoff = ServerBackoff(clock=clock)
    limiter = AdaptiveLimiter.fixed(4, backoff=backoff, wait=clock.wait)
    for _ in range(10):
        full_round(limiter, clock, FLOOR)
    limiter.acquire().dropped(Drop.RATE_LIMITED, retry_after=3)
    assert limiter.limit == 4
    paused_until = clock() + 3
    limiter.acquire().success()
    assert clock() >= paused_until


def test_the_floor_is_relearnt_when_the_route_gets_slower() -> None:
    clock = FakeClock()
    limiter = make(clock)
    grow_to(limiter, clock, 13)
    before = limiter.limit
    # The link becomes four times slower for good: first the limit backs off, then the
    # new floor is learnt and the limit grows again.
    rounds = 0
    while clock() < 2000 and limiter.limit <= before:
        full_round(limiter, clock, FLOOR * 4)
        rounds += 1
    assert limiter.limit > before
    assert rounds > 1


@pytest.mark.parametrize(
    ("error", "drop", "pause"),
    [
        (RateLimited("429", retry_after=3), True, 3),
        (RateLimited("429"), True, 0),
        (ServerUnavailable("503", status=503, retry_after=7), True, 7),
        (ServerUnavailable("503", status=503), True, 0),
        # a broken server, not a busy one: no drop, but its Retry-After is honoured
        (ServerError("500", status=500, retry_after=7), False, 7),
        (ServerError("502", status=502), False, 0),
        (RequestTimeout("slow"), True, 0),
        (NetworkError("refused"), False, 0),
        (AuthError("401", status=401), False, 0),
    ],
)
def test_api_errors_map_to_drops_and_pauses(error: ApiError, drop: bool, pause: float) -> None:
    clock = FakeClock()
    limiter = make(clock, initial=8)
    slot = limiter.acquire()
    clock.advance(FLOOR)
    report_error(slot, error)
    assert limiter.in_flight == 0
    assert limiter.drops == int(drop)
    assert limiter.limit == (4 if drop else 8)
    assert limiter.backoff.remaining() == pause


def test_small_rounds_are_judged_together_and_one_fast_answer_sets_no_floor() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(32, initial=4, clock=clock, wait=clock.wait)
    full_round(limiter, clock, FLOOR)
    assert limiter.limit == 4  # four answers are not yet a window
    full_round(limiter, clock, FLOOR)
    assert limiter.limit == 6
    # One answer far faster than the rest does not make the others look congested.
    slots = [limiter.acquire() for _ in range(6)]
    slots[0].success(FLOOR / 10)
    for slot in slots[1:]:
        slot.success(FLOOR * 1.2)
    full_round(limiter, clock, FLOOR * 1.2)
    assert limiter.limit == 9


def test_a_few_queued_requests_do_not_stop_growth_but_many_shrink_it() -> None:
    """Vegas's queue estimate: at a small limit, latency 1.8x its floor is under two
    requests queued (a saturated server kept busy); at a large one it is many."""
    clock = FakeClock()
    limiter = make(clock)
    full_round(limiter, clock, FLOOR)  # sets the floor, 4 -> 6
    full_round(limiter, clock, FLOOR * 1.8)
    assert limiter.limit == 9
    grow_to(limiter, clock, 30)
    before = limiter.limit
    full_round(limiter, clock, FLOOR * 2.5)
    assert limiter.limit < before


def test_keeps_growing_while_throughput_rises_even_if_latency_does() -> None:
    """A busy client machine: latency grows with the limit, but so does throughput
    (as the square root of the limit here). Latency alone would stop at about 13."""
    clock = FakeClock()
    limiter = make(clock)
    peak = 0
    for _ in range(30):
        limit = limiter.limit
        full_round(limiter, clock, FLOOR * max(1.0, limit / 4) ** 0.5)
        peak = max(peak, limiter.limit)
    assert peak >= 20


def test_a_saturated_server_holds_the_limit_a_little_above_its_knee() -> None:
    """A server that answers 100 requests per second whatever the load: above five in
    flight, requests only queue. The limit settles above the knee and well below 32."""
    clock = FakeClock()
    limiter = make(clock)
    seen = []
    for _ in range(60):
        limit = limiter.limit
        full_round(limiter, clock, max(FLOOR, limit / 100))
        seen.append(limiter.limit)
    assert max(seen) <= 14
    assert min(seen[10:]) >= 5
