"""The status bar's downloads indicator: overall progress, rate, time left, the outcome."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from app.files.events import DownloadSummary, OverallProgress


def format_bytes(count: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{int(count)} B"


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f" · {seconds:.0f} s left"
    return f" · {seconds / 60:.0f} min left"


class DownloadsIndicator(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # messages may quote the server
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(120)
        self.bar.setTextVisible(False)
        self.cancel = QToolButton()
        self.cancel.setText("Stop")
        self.cancel.setToolTip("Stop downloading imagery (what is here stays)")
        self.cancel.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.bar.hide()
        self.cancel.hide()
        self.hide()

    def started(self) -> None:
        self.label.setText("Imagery: checking what to download…")
        self.label.setToolTip("")
        self.bar.setValue(0)
        self.bar.show()
        self.cancel.show()
        self.show()

    def show_progress(self, event: OverallProgress) -> None:
        fraction = event.bytes_done / event.bytes_total if event.bytes_total else 1.0
        self.bar.setValue(int(1000 * fraction))
        self.label.setText(
            f"Imagery: {event.files_done}/{event.files_total} files · "
            f"{format_bytes(event.bytes_done)} of {format_bytes(event.bytes_total)} · "
            f"{format_bytes(event.rate)}/s{_eta(event.eta_seconds)}"
        )

    def show_summary(self, summary: DownloadSummary) -> None:
        self.bar.hide()
        self.cancel.hide()
        if summary.cancelled:
            self.label.setText("Imagery: downloads stopped; they resume next time")
        elif summary.complete:
            self.label.setText(f"Imagery offline: all {summary.present} files here")
        else:
            self.label.setText(f"Imagery: {summary.present} of {summary.wanted} files here")
        self.label.setToolTip(summary.message or "")
        self.setVisible(summary.wanted > 0 or summary.message is not None)
