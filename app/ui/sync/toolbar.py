"""The main toolbar: Sync (with a scope menu), Cancel, the connection light, the account.

The connection and account widgets only display state given to them; detecting
connectivity and signing in belong to other parts of the app (`session.AppSession`),
which call the window's `set_connection_state` / `set_account_label`. The account
button's menu (Sign in…, Sign out…, Settings…) only emits actions; the window turns
them into its `sign_in_requested`, `sign_out_requested` and `settings_requested`.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from app.ui.common.connection_state import Connection
from app.ui.common.formatting import format_clock_time, format_datetime
from app.ui.common.icons import icon
from app.ui.common.plain import plain_label, plain_tooltip

# The window speaks of the same states the connection monitor reports.
ConnectionState = Connection

# state -> (icon, label in the toolbar, first line of the tooltip)
_CONNECTION_LOOK = {
    Connection.UNKNOWN: ("unknown-connection", "", "Connection not checked yet"),
    Connection.ONLINE: ("online", "Online", "FieldAgent can be reached"),
    Connection.OFFLINE: (
        "offline",
        "Offline",
        "This computer has no network connection; showing the data on this computer",
    ),
    Connection.UNREACHABLE: (
        "offline",
        "Server unreachable",
        "FieldAgent does not answer; FieldDesk keeps checking",
    ),
    Connection.SIGNED_OUT: ("warning", "Signed out", "FieldAgent answers, but you are signed out"),
}


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
        self.connection_text = plain_label(parent=self)
        self.connection_text.setContentsMargins(2, 0, 6, 0)
        self.addWidget(self.connection)
        self.addWidget(self.connection_text)
        self.addSeparator()
        self._build_account()
        self._last_heard: datetime | None = None
        self._shown: tuple[Connection, datetime | None, str | None] = (
            ConnectionState.UNKNOWN,
            None,
            None,
        )
        self.show_connection(ConnectionState.UNKNOWN, None, None)
        self.show_account(None)

    def _build_account(self) -> None:
        self.sign_in_action = QAction("Sign in…", self)
        self.sign_in_action.setToolTip("Sign in to FieldAgent")
        self.sign_out_action = QAction("Sign out…", self)
        self.sign_out_action.setToolTip("Forget the sign-in on this computer")
        self.settings_action = QAction("Settings…", self)
        # Ctrl+, everywhere (the platforms' own "Preferences" key is empty on most Linux
        # desktops); on macOS Qt shows it as ⌘,.
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.account_menu = QMenu(self)
        self.account_menu.setObjectName("account-menu")
        self.account_notice = QAction("", self)
        self.account_notice.setEnabled(False)
        self.account_notice.setVisible(False)
        self.account_menu.addAction(self.account_notice)
        self.account_menu.addAction(self.sign_in_action)
        self.account_menu.addAction(self.sign_out_action)
        self.account_menu.addSeparator()
        self.account_menu.addAction(self.settings_action)
        self.account = QToolButton(self)
        self.account.setObjectName("account-button")
        self.account.setIcon(icon("account"))
        self.account.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.account.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.account.setMenu(self.account_menu)
        self.account.setAutoRaise(True)
        self.addWidget(self.account)

    def show_last_heard(self, when: datetime | None) -> None:
        """When FieldAgent last answered, for the connection tooltip."""
        self._last_heard = when
        self.show_connection(*self._shown)

    def show_connection(
        self, state: Connection, since: datetime | None, reason: str | None
    ) -> None:
        self._shown = (state, since, reason)
        name, text, tip = _CONNECTION_LOOK[state]
        self.connection.setPixmap(icon(name).pixmap(QSize(18, 18), self.devicePixelRatioF()))
        self.connection_text.setText(text)
        if since is not None:
            tip += f"\nSince {format_datetime(since.isoformat())}"
        if reason:
            tip += f"\n{reason}"
        heard = self._last_heard
        if heard is not None:
            tip += f"\nLast heard from FieldAgent: {format_clock_time(heard)}"
        elif state is not Connection.UNKNOWN:
            tip += "\nNot heard from FieldAgent since FieldDesk started"
        for widget in (self.connection, self.connection_text):
            widget.setToolTip(plain_tooltip(tip))
        self.connection.setAccessibleName(f"Connection: {text or 'unknown'}")

    def show_account_pending(self) -> None:
        """The account is not known yet (the app reads the keyring after its first
        paint): neither "Sign in" nor "Sign out" is offered until it is."""
        self.account.setText("")
        self.account.setToolTip("")
        self.account.setAccessibleName("Account: checking")
        self.account_notice.setVisible(False)
        self.sign_in_action.setVisible(False)
        self.sign_out_action.setVisible(False)

    def show_account(
        self,
        text: str | None,
        *,
        label: str | None = None,
        can_sign_out: bool | None = None,
        notice: str | None = None,
    ) -> None:
        """`text` is the account's name (None: signed out); `label` replaces the whole
        wording ("Using the access token from FIELDDESK_TOKEN")."""
        signed_in = text is not None or label is not None
        shown = label or (f"Signed in as {text}" if text else "Not signed in")
        self.account.setText(shown)
        tip = shown if signed_in else "Not signed in: sign in to FieldAgent to sync"
        if notice:
            tip += f"\n{notice}."
        self.account.setToolTip(plain_tooltip(tip))
        self.account.setAccessibleName(f"Account: {shown}")
        self.account_notice.setText(notice or "")
        self.account_notice.setVisible(bool(notice))
        self.sign_in_action.setVisible(not signed_in)
        self.sign_out_action.setVisible(signed_in)
        self.sign_out_action.setEnabled(signed_in if can_sign_out is None else can_sign_out)
