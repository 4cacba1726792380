"""The page shown instead of the mosaics table when it has nothing to show, and why."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.common.icons import icon
from app.ui.common.plain import plain_label


class NoticePage(QWidget):
    """An icon, a title, a sentence and at most one button (its one action: clearing
    the filters, connected by the pane)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = plain_label(parent=self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.text = plain_label(parent=self)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.hide()
        for widget in (self.icon, self.title, self.text):
            layout.addWidget(widget)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def show_notice(self, icon_name: str, title: str, text: str, *, button: str = "") -> None:
        self.icon.setPixmap(icon(icon_name).pixmap(QSize(48, 48), self.devicePixelRatioF()))
        self.title.setText(title)
        self.text.setText(text)
        self.button.setVisible(bool(button))
        if button:
            self.button.setText(button)
