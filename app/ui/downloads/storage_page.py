"""Settings, Storage: the library folder, the disk budget, what is used, "Free up space"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app import settings as options
from app.files.budget import GB
from app.files.library import Library
from app.ui.downloads.indicator import format_bytes


class StoragePage(QWidget):
    """Edits the library folder and the budget; `save()` writes them to the settings."""

    def __init__(self, library: Library, quota: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.location = QLineEdit(str(library.root))
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.location, 1)
        row.addWidget(choose)
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0.1, 100_000)
        self.budget.setDecimals(1)
        self.budget.setSuffix(" GB")
        self.budget.setValue(quota / GB)
        self.budget.setToolTip(
            "The most imagery FieldDesk keeps; files not kept offline make room first"
        )
        self.used = QLabel()
        self.used.setTextFormat(Qt.TextFormat.PlainText)
        self.free_up = QPushButton("Free up space")
        self.free_up.setToolTip("Remove imagery that is not kept offline")
        self.free_up.clicked.connect(self.free_up_space)
        form = QFormLayout(self)
        form.addRow("Imagery folder", row)
        form.addRow("Disk budget", self.budget)
        form.addRow("Space used", self.used)
        form.addRow("", self.free_up)
        self.refresh_usage()

    def refresh_usage(self) -> None:
        usage = self.library.usage()
        self.used.setText(
            f"{format_bytes(usage.pinned)} kept offline, {format_bytes(usage.cache)} other "
            f"imagery, {format_bytes(usage.partial)} in unfinished downloads"
        )

    def free_up_space(self) -> int:
        """Evict every file no pin keeps; returns how many went."""
        pinned = set(self.library.store.pinned_mosaic_ids())
        rows = [r for r in self.library.store.file_rows() if r.local_name is not None]
        gone = [r for r in rows if r.mosaic_id not in pinned]
        for row in gone:
            self.library.evict(row)
        self.refresh_usage()
        return len(gone)

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Imagery folder", self.location.text())
        if chosen:
            self.location.setText(chosen)

    def library_root(self) -> Path:
        return Path(self.location.text().strip() or str(self.library.root)).expanduser()

    def quota(self) -> int:
        return int(self.budget.value() * GB)

    def save(self, settings: QSettings) -> None:
        settings.setValue(options.LIBRARY_DIR.path, str(self.library_root()))
        settings.setValue(options.IMAGERY_BUDGET_GB.path, self.budget.value())
