"""The notice shown instead of a mosaic that is not on this computer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class MissingPrompt(QFrame):
    download_requested = Signal(str)  # mosaic id
    keep_offline_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapMissingPrompt")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.mosaic_id = ""
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # the mosaic's name is server text
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.reason = QLabel(self)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setWordWrap(True)
        self.download = QPushButton("Download", self)
        self.keep_offline = QPushButton("Keep offline", self)
        self.progress = QProgressBar(self)
        self.progress.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.download)
        buttons.addWidget(self.keep_offline)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        self.download.clicked.connect(lambda: self.download_requested.emit(self.mosaic_id))
        self.keep_offline.clicked.connect(lambda: self.keep_offline_requested.emit(self.mosaic_id))

    def show_missing(
        self, mosaic_id: str, name: str, *, available: bool, can_download: bool, why_not: str
    ) -> None:
        self.mosaic_id = mosaic_id
        self.title.setText(f"“{name}” is not on this computer.")
        if not available:
            self.reason.setText(
                "FieldAgent has no imagery for this mosaic yet, so there is nothing to download."
            )
        elif can_download:
            self.reason.setText(
                "Download it now to see it here, or keep it offline so it follows every sync."
            )
        else:
            self.reason.setText(why_not)
        for button in (self.download, self.keep_offline):
            button.setEnabled(available and can_download)
            button.setToolTip("" if can_download else why_not)
        self.progress.hide()
        self.show()
        self.raise_()

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.show()
