"""How many requests the sync keeps in flight, and why: a status bar label.

The adaptive limiter (`app.sync.limiter`) moves the number as FieldAgent answers; the
user who wonders why a sync is slow (or fast) reads it here: "12 at a time" in the bar,
"12 requests at a time (raised: latency near its floor)" in its tooltip. The reasons
are FieldDesk's own words chosen from the change's `Cause`, never server text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.sync.limits import Cause, LimitChange
from app.ui.common.formatting import counted, format_count
from app.ui.common.plain import plain_label, plain_tooltip

_WHY = {
    Cause.START: "where every sync starts",
    Cause.RESUMED: "where the last sync left off",
    Cause.LATENCY_LOW: "latency near its floor",
    Cause.THROUGHPUT_UP: "more at once still brought answers faster",
    Cause.LATENCY_HIGH: "FieldAgent is answering more slowly",
    Cause.RATE_LIMITED: "FieldAgent asked to slow down",
    Cause.UNAVAILABLE: "FieldAgent was briefly unavailable",
    Cause.TIMEOUT: "a request timed out",
}


def _requests(count: int) -> str:
    return f"{counted(count, 'request')} at a time"


def limit_text(change: LimitChange) -> str:
    """ "12 requests at a time (raised: latency near its floor)"."""
    why = _WHY.get(change.cause, "")
    if change.limit > change.previous:
        why = f"raised: {why}"
    elif change.limit < change.previous:
        why = f"lowered: {why}"
    return f"{_requests(change.limit)} ({why})" if why else _requests(change.limit)


class LimitLabel:
    """The label; hidden until a sync reports its first limit, then kept after the run."""

    def __init__(self, parent: QWidget) -> None:
        self.label: QLabel = plain_label(parent=parent)
        self.label.setObjectName("sync-limit")
        self.label.hide()
        self.last: LimitChange | None = None

    def show(self, change: LimitChange) -> None:
        self.last = change
        self.label.setText(f"{format_count(change.limit)} at a time")
        tip = limit_text(change)
        if change.maximum:
            most = format_count(change.maximum)
            tip += f"\nAt most {most}, as set in Settings (Most requests in flight)."
        self.label.setToolTip(plain_tooltip(tip))
        self.label.show()

    def text(self) -> str:
        """The sentence the tooltip starts with ("" before any sync)."""
        return limit_text(self.last) if self.last else ""
