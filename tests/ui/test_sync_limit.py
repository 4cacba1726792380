"""The status bar shows how many requests the sync keeps in flight and why it changed:
a real sync over HTTP against a simulator that refuses more than three requests at
once, so the adaptive limit really moves, and the label follows every move."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from app.domain import Outcome
from app.sync.limiter import Cause, LimitChange
from app.sync.retry import RetryPolicy
from app.sync.worker import EngineFactory, SyncController
from app.ui.sync.limit import limit_text
from app.ui.window import MainWindow
from tests.ui.conftest import client_factory_for, run_sync


class _Follower(QObject):
    """Connected after the presenter: sees each change together with what the window
    shows once the presenter has handled it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.seen: list[tuple[LimitChange, str, str]] = []
        self._window = window
        window.controller.limit_changed.connect(self.on_limit)

    def on_limit(self, change: LimitChange) -> None:
        label = self._window.sync.status.limit.label
        self.seen.append((change, label.text(), label.toolTip()))


def test_the_status_bar_follows_the_limit_through_a_real_sync(
    qtbot: Any, make_window: Any, simulator_factory: Any, store: Any
) -> None:
    sim = simulator_factory(latency=0.05, max_in_flight=3, overload_retry_after=0, mosaics_cap=1)
    retry = RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.2)
    factory = EngineFactory(store, client_factory_for(sim), concurrency=16, retry=retry)
    window = make_window(runner_factory=factory)
    assert isinstance(window.controller, SyncController)
    label = window.sync.status.limit.label
    assert label.isHidden()  # nothing to say before a sync
    follower = _Follower(window)

    summary = run_sync(qtbot, window)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert sim.admission.stats().rejected > 0  # the server really pushed back
    changes = [change for change, _, _ in follower.seen]
    assert changes[0].cause is Cause.START and changes[0].limit == 4
    lowered = [c for c in changes if c.cause is Cause.RATE_LIMITED]
    assert lowered and all(c.limit < c.previous for c in lowered)
    for change, text, tip in follower.seen:  # the window said each one as it came
        assert text == f"{change.limit} at a time"
        assert tip.startswith(limit_text(change)) and "At most 16" in tip
    assert limit_text(lowered[0]) == (
        f"{lowered[0].limit} request{'s' if lowered[0].limit > 1 else ''} at a time "
        "(lowered: FieldAgent asked to slow down)"
    )
    last = changes[-1]
    assert label.isVisible() and label.text() == f"{last.limit} at a time"  # kept after the run
    assert window.sync.status.limit.text() == limit_text(last)


def test_limit_sentences_for_each_cause() -> None:
    raised = LimitChange(12, 8, "latency 1.1x its floor", Cause.LATENCY_LOW, 32)
    assert limit_text(raised) == "12 requests at a time (raised: latency near its floor)"
    cut = LimitChange(4, 8, "HTTP 429, paused 1 s", Cause.RATE_LIMITED, 32)
    assert limit_text(cut) == "4 requests at a time (lowered: FieldAgent asked to slow down)"
    one = LimitChange(1, 2, "timeout", Cause.TIMEOUT, 32)
    assert limit_text(one) == "1 request at a time (lowered: a request timed out)"
    resumed = LimitChange(20, 20, "resumed from the last run", Cause.RESUMED, 32)
    assert limit_text(resumed) == "20 requests at a time (where the last sync left off)"
    for cause in Cause:  # every cause has words of its own
        assert "()" not in limit_text(LimitChange(5, 4, "", cause, 8))
