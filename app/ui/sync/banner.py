"""A non-modal strip above the table for problems that need attention but not a dialog.

"3 mosaics could not be synced — Details", "Signed out: sign in to sync", "Offline —
showing data from 2 hours ago". Colours are mixed from the palette so the strip reads on
light and dark themes alike.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.ui.common.icons import icon, is_dark_palette
from app.ui.common.plain import plain_label


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_TINTS = {
    Severity.INFO: QColor("#3b82d6"),
    Severity.WARNING: QColor("#e0a028"),
    Severity.ERROR: QColor("#d64545"),
}


def _mix(base: QColor, tint: QColor, amount: float) -> QColor:
    return QColor(
        round(base.red() * (1 - amount) + tint.red() * amount),
        round(base.green() * (1 - amount) + tint.green() * amount),
        round(base.blue() * (1 - amount) + tint.blue() * amount),
    )


class Banner(QFrame):
    details_requested = Signal()
    action_requested = Signal(str)  # the action offered with the message ("sign-in")
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self._icon = QLabel(self)
        self._text = plain_label(parent=self)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details…", self)
        self.details_button.clicked.connect(self.details_requested)
        self.action: str = ""
        self.action_button = QPushButton(self)
        self.action_button.clicked.connect(lambda: self.action_requested.emit(self.action))
        self._close = QToolButton(self)
        self._close.setIcon(icon("close"))
        self._close.setAutoRaise(True)
        self._close.setToolTip("Dismiss")
        self._close.clicked.connect(self._dismiss)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.details_button)
        layout.addWidget(self._close)
        self.severity = Severity.INFO
        self.hide()

    @property
    def text(self) -> str:
        return self._text.text()

    def show_message(
        self,
        text: str,
        severity: Severity,
        *,
        details: bool = True,
        action: tuple[str, str] | None = None,
    ) -> None:
        """`action` is (name, button text): a button that emits `action_requested(name)`."""
        self.severity = severity
        self._text.setText(text)
        self.details_button.setVisible(details)
        self.action, label = action or ("", "")
        self.action_button.setText(label)
        self.action_button.setVisible(action is not None)
        self._icon.setPixmap(icon(severity.value).pixmap(QSize(20, 20), self.devicePixelRatioF()))
        palette = self.palette()
        base = QGuiApplication.palette().color(QPalette.ColorRole.Window)
        amount = 0.3 if is_dark_palette() else 0.18
        palette.setColor(QPalette.ColorRole.Window, _mix(base, _TINTS[severity], amount))
        self.setPalette(palette)
        self.show()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
