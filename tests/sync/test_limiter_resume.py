"""A run starts where the previous run against the same server left the limit, on a
fake clock: clamped to the new maximum, with the refusal ceiling it learnt, and not
when what it learnt is old or when the caller did not ask to resume."""

from __future__ import annotations

from app.sync.backoff import ServerBackoff
from app.sync.limiter import AdaptiveLimiter, Cause, Drop, LimitChange, Tuning
from tests.sync.limiter_helpers import FakeClock, full_round

FLOOR = 0.05


def make(
    clock: FakeClock, backoff: ServerBackoff, maximum: int = 32, *, resume: bool = True
) -> AdaptiveLimiter:
    return AdaptiveLimiter(
        maximum,
        backoff=backoff,
        clock=clock,
        wait=clock.wait,
        tuning=Tuning(window=1),
        resume=resume,
    )


def climbed(clock: FakeClock, backoff: ServerBackoff, rounds: int = 4) -> AdaptiveLimiter:
    """A first run that grew its limit for `rounds` round trips at the latency floor."""
    first = make(clock, backoff)
    for _ in range(rounds):
        full_round(first, clock, FLOOR)
    return first


def test_the_next_run_starts_at_the_limit_the_last_one_reached() -> None:
    clock, backoff = FakeClock(), ServerBackoff(clock=FakeClock())
    first = climbed(clock, backoff)
    assert first.start.cause is Cause.START and first.start.limit == 4
    reached = first.limit
    assert reached > 10

    clock.advance(60)  # the user syncs again a minute later
    second = make(clock, backoff)
    assert second.limit == reached
    assert second.start == LimitChange(
        reached, reached, "resumed from the last run", Cause.RESUMED, 32
    )
    # Still climbing from there: it had seen no congestion, and the floor came along,
    # so one round at that latency is enough to judge.
    changes: list[LimitChange] = []
    second.on_change(changes.append)
    full_round(second, clock, FLOOR)
    assert second.limit > reached and changes[0].cause is Cause.LATENCY_LOW


def test_the_carried_limit_is_clamped_to_the_new_maximum() -> None:
    clock, backoff = FakeClock(), ServerBackoff(clock=FakeClock())
    climbed(clock, backoff, rounds=8)
    assert backoff.learned is not None and backoff.learned.limit == 32
    smaller = make(clock, backoff, maximum=6)  # the user lowered the setting meanwhile
    assert smaller.limit == 6 and smaller.start.limit == 6


def test_a_refusal_is_remembered_as_a_ceiling() -> None:
    clock, backoff = FakeClock(), ServerBackoff(clock=FakeClock())
    first = climbed(clock, backoff)
    at = first.limit
    slots = [first.acquire() for _ in range(at)]
    clock.advance(FLOOR)
    slots[-1].dropped(Drop.RATE_LIMITED)  # the one that made `at` requests in flight
    for slot in slots[:-1]:
        slot.success()
    assert first.limit == at // 2

    second = make(clock, backoff)
    assert second.limit == at // 2  # not the level that was refused
    for _ in range(10):  # back up quickly, to just below the refusal, no further
        full_round(second, clock, FLOOR)
    assert second.limit == at - 1


def test_without_resume_or_after_an_hour_it_starts_small_again() -> None:
    clock, backoff = FakeClock(), ServerBackoff(clock=FakeClock())
    climbed(clock, backoff)
    assert make(clock, backoff, resume=False).limit == 4
    clock.advance(Tuning().resume_for + 1)
    stale = make(clock, backoff)
    assert stale.limit == 4 and stale.start.cause is Cause.START


def test_a_fixed_limit_neither_resumes_nor_teaches() -> None:
    clock, backoff = FakeClock(), ServerBackoff(clock=FakeClock())
    fixed = AdaptiveLimiter.fixed(3, backoff=backoff, clock=clock, wait=clock.wait)
    for _ in range(5):
        full_round(fixed, clock, FLOOR)
    assert backoff.learned is None
    climbed(clock, backoff)
    assert AdaptiveLimiter.fixed(3, backoff=backoff, clock=clock).limit == 3


def test_what_is_kept_is_only_numbers() -> None:
    clock, backoff = FakeClock(), ServerBackoff(clock=FakeClock())
    climbed(clock, backoff)
    learned = backoff.learned
    assert learned is not None
    values = [learned.limit, learned.floor, learned.ceiling, learned.probing, learned.at]
    assert all(v is None or isinstance(v, (int, float, bool)) for v in values)
