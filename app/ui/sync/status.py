"""The status bar: how old the data is, what a running sync is doing, what the last one did.

"Last synced 12 minutes ago" comes from the store's run log, so it is right after a
restart, and a timer keeps the wording current. The progress bar fills from the engine's
`Progress.fraction` (scopes done plus the current scopes' pages, weighted by level), the
stage label names what is being fetched ("Mosaics in North Farm: 1,200 left") and the
limit label how many requests are in flight and why (`limit.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar, QWidget

from app.domain import ChangeSet, Level, Outcome
from app.sync.events import Progress, RunSummary
from app.sync.limits import LimitChange
from app.ui.common.formatting import (
    counted,
    format_clock_time,
    format_count,
    format_datetime_long,
    relative_age,
)
from app.ui.common.plain import plain_label, plain_tooltip
from app.ui.sync.limit import LimitLabel

AGE_REFRESH_MS = 30_000
_LEVEL_NAMES = {
    Level.ORGANIZATIONS: "Organizations",
    Level.FIELDS: "Fields",
    Level.SURVEYS: "Surveys",
    Level.MOSAICS: "Mosaics",
}


def stage_text(progress: Progress) -> str:
    """ "Mosaics in North Farm: 1,200 left" (what the engine reported, in words)."""
    level = _LEVEL_NAMES.get(progress.level, str(progress.level).capitalize())
    where = f" in {progress.scope_label}" if progress.scope_label else ""
    left = f": {format_count(progress.remaining_count)} left" if progress.remaining_count else ""
    scopes = ""
    if progress.scopes_total > 1:
        scopes = f" ({format_count(progress.scopes_done)} of {format_count(progress.scopes_total)})"
    return f"{level}{where}{left}{scopes}"


class RunCounts:
    """What changed during one run, per level, counted from its ChangeSets as they
    arrive. The label speaks of mosaics (what the table shows); the tooltip has every
    level, so "4,000 new" is never read as 4,444 with the tree's items mixed in."""

    def __init__(self) -> None:
        # level -> [new, changed, removed]
        self.by_level: dict[Level, list[int]] = {level: [0, 0, 0] for level in Level}

    def add(self, change: ChangeSet) -> None:
        counts = self.by_level[change.level]
        counts[0] += len(change.inserted)
        counts[1] += len(change.updated)
        counts[2] += len(change.deleted)
        self.by_level[Level.SURVEYS][2] += len(change.cascaded_surveys)
        self.by_level[Level.MOSAICS][2] += len(change.cascaded_mosaics)

    def text(self) -> str:
        if not any(any(counts) for counts in self.by_level.values()):
            return "No changes"
        new, changed, removed = self.by_level[Level.MOSAICS]
        if not (new or changed or removed):
            return "No mosaic changes"
        return (
            f"{counted(new, 'new mosaic')} · {format_count(changed)} changed · "
            f"{format_count(removed)} removed"
        )

    def tooltip(self) -> str:
        """Every level with a change, a line each."""
        return "\n".join(
            f"{_LEVEL_NAMES[level]}: {format_count(new)} new, {format_count(changed)} "
            f"changed, {format_count(removed)} removed"
            for level, (new, changed, removed) in self.by_level.items()
            if new or changed or removed
        )


_OUTCOME_TEXT = {
    Outcome.COMPLETE: "Sync complete",
    Outcome.PARTIAL: "Sync finished with problems",
    Outcome.CANCELLED: "Sync cancelled",
    Outcome.INTERRUPTED: "Sync interrupted: FieldAgent could not be reached",
    Outcome.SIGNED_OUT: "Sync stopped: signed out",
    Outcome.FAILED: "Sync failed",
}


class SyncStatus:
    """Owns the status bar widgets; the window feeds it sync events."""

    def __init__(self, bar: QStatusBar, last_synced: Callable[[], datetime | None]) -> None:
        self._last_synced = last_synced
        self.age = plain_label(parent=bar)
        self.stage = plain_label(parent=bar)
        # The stage text changes ten times a second during a sync; a label that does not
        # ask for a new size each time spares the whole window a relayout.
        self.stage.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.stage.setMinimumWidth(120)
        self.progress = QProgressBar(bar)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(220)
        self.progress.setMaximumHeight(14)
        self.progress.hide()
        self.counts = plain_label(parent=bar)
        self.counts.setMinimumWidth(self.counts.fontMetrics().horizontalAdvance("0" * 44))
        self.next_sync = plain_label(parent=bar)
        self.next_sync.setObjectName("next-sync")
        self._next_separator = _separator(bar)
        bar.addWidget(self.age)
        bar.addWidget(self._next_separator)
        bar.addWidget(self.next_sync)
        bar.addWidget(_separator(bar))
        bar.addWidget(self.stage, 1)
        self.limit = LimitLabel(bar)
        bar.addPermanentWidget(self.limit.label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.counts)
        self.run_counts = RunCounts()
        self._timer = QTimer(bar)
        self._timer.setInterval(AGE_REFRESH_MS)
        self._timer.timeout.connect(self.refresh_age)
        self._timer.start()
        self.refresh_age()
        self.show_next_sync(None)

    def refresh_age(self) -> None:
        when = self._last_synced()
        if when is None:
            self.age.setText("Never synced")
            self.age.setToolTip("Nothing has been synced completely on this computer yet")
        else:
            self.age.setText(f"Last synced {relative_age(when)}")
            self.age.setToolTip(f"Last complete sync: {format_datetime_long(when.isoformat())}")

    def show_next_sync(self, when: datetime | None) -> None:
        """ "Next sync at 14:30" while periodic sync is armed; hidden otherwise."""
        visible = when is not None
        if when is not None:
            self.next_sync.setText(f"Next sync at {format_clock_time(when)}")
            self.next_sync.setToolTip(
                "FieldDesk syncs by itself while online; change how often in Settings (Ctrl+,)"
            )
        self.next_sync.setVisible(visible)
        self._next_separator.setVisible(visible)

    def age_phrase(self) -> str:
        """ "2 hours ago" or "" — for the offline banner."""
        when = self._last_synced()
        return "" if when is None else relative_age(when)

    def started(self, what: str) -> None:
        self.run_counts = RunCounts()
        self.stage.setText(f"Syncing {what}…")
        self.progress.setRange(0, 0)  # busy until the first progress arrives
        self.progress.show()
        self.counts.setText("")

    def update(self, progress: Progress) -> None:
        self.stage.setText(stage_text(progress))
        if progress.fraction is None:
            self.progress.setRange(0, 0)
            return
        # QProgressBar.setValue repaints synchronously, and that repaint flushes every
        # pending update of the window (the whole table during a sync). With updates
        # off it only stores the value; turning them on again queues a normal update.
        self.progress.setUpdatesEnabled(False)
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(progress.fraction * 1000))
        self.progress.setUpdatesEnabled(True)

    def show_limit(self, change: LimitChange) -> None:
        """The requests in flight moved (or a run started with its first limit)."""
        self.limit.show(change)

    def add_changes(self, change: ChangeSet) -> None:
        """Count a committed page; the label follows on `show_counts` (once per batch)."""
        self.run_counts.add(change)

    def show_counts(self) -> None:
        self.counts.setText(self.run_counts.text())
        self.counts.setToolTip(plain_tooltip(self.run_counts.tooltip()))

    def cancelling(self) -> None:
        self.stage.setText("Cancelling after the current page…")

    def finished(self, summary: RunSummary) -> None:
        self.progress.hide()
        headline = _OUTCOME_TEXT.get(summary.outcome, "Sync finished")
        if summary.outcome is Outcome.COMPLETE and not summary.up_to_date:
            headline = "Sync finished; some items could not be synced"
        self.stage.setText(headline)
        self.stage.setToolTip(plain_tooltip(summary.message))
        self.counts.setText(f"Last sync: {self.run_counts.text()}")
        self.counts.setToolTip(plain_tooltip(self.run_counts.tooltip()))
        self.refresh_age()


def _separator(parent: QWidget) -> QLabel:
    label = QLabel("·", parent)
    label.setEnabled(False)
    return label
