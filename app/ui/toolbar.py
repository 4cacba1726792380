"""The main toolbar: Sync (with a scope menu), Cancel, the connection light, the account.

The connection and account widgets only display state given to them; detecting
connectivity and signing in belong to other parts of the app, which call the window's
`set_connection_state` / `set_account`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from app.ui.formatting import format_datetime
from app.ui.icons import icon


class ConnectionState(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"


class MainToolbar(QToolBar):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("Main toolbar", parent)
        self.setObjectName("main-toolbar")
        self.setMovable(False)
        self.setIconSize(QSize(20, 20))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        self.sync_all = QAction(icon("sync"), "Sync", self)
        self.sync_all.setShortcut(QKeySequence("Ctrl+R"))
        self.sync_all.setToolTip("Sync everything with FieldAgent (Ctrl+R)")
        self.sync_everything = QAction("Sync everything", self)
        self.sync_organization = QAction(icon("organization"), "Sync this organization", self)
        self.sync_field = QAction(icon("field"), "Sync this field", self)
        self.sync_survey = QAction(icon("survey"), "Sync this survey", self)
        menu = QMenu(self)
        menu.addAction(self.sync_everything)
        menu.addSeparator()
        for action in (self.sync_organization, self.sync_field, self.sync_survey):
            menu.addAction(action)
        self.sync_button = QToolButton(self)
        self.sync_button.setDefaultAction(self.sync_all)
        self.sync_button.setMenu(menu)
        self.sync_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.sync_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addWidget(self.sync_button)

        self.cancel = QAction(icon("cancel"), "Cancel", self)
        self.cancel.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel.setToolTip("Stop the sync after the page in flight (Esc)")
        self.cancel.setEnabled(False)
        self.addAction(self.cancel)

        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)

        self.connection = QLabel(self)
        self.connection.setObjectName("connection-indicator")
        self.connection_text = QLabel(self)
        self.addWidget(self.connection)
        self.addWidget(self.connection_text)
        self.addSeparator()
        self.account_icon = QLabel(self)
        self.account_icon.setPixmap(icon("account").pixmap(QSize(18, 18), self.devicePixelRatioF()))
        self.account = QLabel(self)
        self.account.setObjectName("account-label")
        self.account.setContentsMargins(0, 0, 6, 0)
        self.addWidget(self.account_icon)
        self.addWidget(self.account)
        self.show_connection(ConnectionState.UNKNOWN, None, None)
        self.show_account(None)

    def show_connection(
        self, state: ConnectionState, since: datetime | None, reason: str | None
    ) -> None:
        names = {
            ConnectionState.ONLINE: ("online", "Online"),
            ConnectionState.OFFLINE: ("offline", "Offline"),
            ConnectionState.UNKNOWN: ("unknown-connection", ""),
        }
        name, text = names[state]
        self.connection.setPixmap(icon(name).pixmap(QSize(18, 18), self.devicePixelRatioF()))
        self.connection_text.setText(text)
        tip = {
            ConnectionState.ONLINE: "FieldAgent can be reached",
            ConnectionState.OFFLINE: "FieldAgent cannot be reached; showing local data",
            ConnectionState.UNKNOWN: "Connection not checked yet",
        }[state]
        if since is not None:
            tip += f"\nSince {format_datetime(since.isoformat())}"
        if reason:
            tip += f"\n{reason}"
        for widget in (self.connection, self.connection_text):
            widget.setToolTip(tip)
        self.connection.setAccessibleName(f"Connection: {text or 'unknown'}")

    def show_account(self, text: str | None) -> None:
        self.account.setText(f"Signed in as {text}" if text else "Not signed in")
