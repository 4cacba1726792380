"""Help menu dialogs: About FieldDesk (version, licences), Keyboard shortcuts, and the
"Copy diagnostics" text a user pastes into a support request.

Diagnostics name versions, paths and states only: never a token, an account secret
or catalogue content.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.ui.common.icons import icon

# What FieldDesk ships inside it and under which licence (the bundle includes them).
_COMPONENTS = (
    ("Python", "Python Software Foundation License"),
    ("PySide6-Essentials", "LGPL-3.0 (Qt for Python; Qt itself under LGPL-3.0)"),
    ("httpx", "BSD-3-Clause"),
    ("SQLAlchemy", "MIT"),
    ("alembic", "MIT"),
    ("keyring", "MIT"),
    ("platformdirs", "MIT"),
    ("numpy", "BSD-3-Clause"),
    ("pyproj", "MIT (PROJ: MIT)"),
    ("rasterio", "BSD-3-Clause (GDAL: MIT)"),
    ("starlette", "BSD-3-Clause"),
    ("uvicorn", "BSD-3-Clause"),
    ("graphql-core", "MIT"),
)


def _version_of(name: str) -> str:
    if name == "Python":
        return platform.python_version()
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def licences_text() -> str:
    lines = [
        f"FieldDesk {__version__} — proprietary; © the FieldDesk authors.",
        "",
        "FieldDesk includes these components, each under its own licence:",
    ]
    lines += [f"  {name} {_version_of(name)}: {licence}" for name, licence in _COMPONENTS]
    lines += [
        "",
        "The LGPL lets you replace the Qt libraries in the FieldDesk folder with your own build.",
    ]
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About FieldDesk")
        self.setObjectName("about-dialog")
        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(64, 64))
        title = QLabel(f"<b>FieldDesk {__version__}</b>")  # our own text: rich text is safe
        title.setTextFormat(Qt.TextFormat.RichText)
        blurb = QLabel(
            "An offline-first desktop client for Sentera FieldAgent: your catalogue of "
            "organizations, fields, surveys and mosaics, on this computer."
        )
        blurb.setWordWrap(True)
        blurb.setTextFormat(Qt.TextFormat.PlainText)
        self.licences = QPlainTextEdit(licences_text())
        self.licences.setReadOnly(True)
        self.licences.setMinimumSize(480, 200)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(logo, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(blurb)
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)


class ShortcutsDialog(QDialog):
    """Every menu action that has a key, read from the actions themselves (never stale)."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [
            (
                a.text().replace("&", "").rstrip("…"),
                a.shortcut().toString(QKeySequence.SequenceFormat.NativeText),
            )
            for a in actions
            if not a.shortcut().isEmpty()
        ]
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (name, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumSize(360, 320)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)


def diagnostics_text(facts: Mapping[str, object]) -> str:
    """The support text: versions, platform, then the window's own `facts`."""
    lines = [
        f"FieldDesk {__version__}",
        f"Python {platform.python_version()} ({sys.executable})",
        f"Qt {qVersion()}, PySide6 {PySide6.__version__}",
        f"Platform: {platform.platform()}",
    ]
    lines += [f"{key}: {value}" for key, value in facts.items()]
    return "\n".join(lines)
