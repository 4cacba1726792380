"""The sign-in dialog: the browser, a pasted access token, or email and password.

The browser sign-in needs FieldDesk's OAuth client registration; without one it is
disabled, says why and how to configure it, and email and password (how FieldAgent
Desktop signs in) is the default. When the browser cannot be opened, the address is
shown whole, wrapped and selectable, with a Copy button.

Every network step runs in the task manager's network pool so the window never
freezes, also when the server is down; only `AccountManager.accept` (the keyring write) runs on the
main thread, after the background step succeeds. Errors appear in the dialog itself,
in the words of `app.account.errors`; nothing here opens a message box.

The browser is opened through `QDesktopServices.openUrl`, injectable so tests can play
the browser themselves.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QGuiApplication, QKeyEvent, QResizeEvent, QShowEvent, QTextOption
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.account.errors import SignInCancelled, SignInError
from app.account.loopback import DEFAULT_TIMEOUT, BrowserSignIn
from app.account.session import AccountManager
from app.account.token_store import StoredSignIn
from app.ui.common.browser import open_url_without_secrets
from app.ui.common.plain import plain_label
from app.ui.common.tasks import NETWORK, TaskManager

log = logging.getLogger(__name__)

__all__ = ["SignInDialog"]

BROWSER, TOKEN, PASSWORD = 0, 1, 2
NO_CLIENT = (
    "Not available yet: browser sign-in needs FieldDesk's OAuth client registration "
    "with Sentera. To use it, set FIELDDESK_OAUTH_CLIENT_ID and "
    "FIELDDESK_OAUTH_CLIENT_SECRET, or client_id and client_secret under [oauth] in the "
    "settings file."
)


class _AddressBox(QPlainTextEdit):
    """A read-only, selectable address, wrapped anywhere (a URL has no spaces) and
    exactly as tall as its lines, so none of it hides behind a scroll bar."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("signInAddress")
        self.setReadOnly(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._fit)  # once laid out at its real width

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        lines = max(2, round(self.document().documentLayout().documentSize().height()))
        margins = self.contentsMargins()
        height = lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()
        self.setFixedHeight(height + 2 * round(self.document().documentMargin()) + 2)


class SignInDialog(QDialog):
    """Modal sign-in for `manager`'s server; `exec()` returns Accepted once signed in."""

    def __init__(
        self,
        manager: AccountManager,
        parent: QWidget | None = None,
        *,
        tasks: TaskManager | None = None,
        open_url: Callable[[QUrl], bool] = open_url_without_secrets,
        browser_timeout: float = DEFAULT_TIMEOUT,
        browser_available: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self._manager = manager
        # Without a registered client the authorize URL would carry an empty client_id.
        self._browser_ok = (
            manager.oauth_configured if browser_available is None else browser_available
        )
        self._open_url = open_url
        self._browser_timeout = browser_timeout
        self.tasks = tasks or TaskManager(self)
        self._flow: BrowserSignIn | None = None
        self._attempt = 0  # the attempt whose answer is awaited (0: none)
        self._attempts = 0
        self.setWindowTitle("Sign in to FieldAgent")
        self.setMinimumWidth(460)
        self._build()
        self._set_busy(None)

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        heading = QLabel(f"Sign in to FieldAgent at <b>{html.escape(self._manager.server_url)}</b>")
        heading.setWordWrap(True)
        layout.addWidget(heading)

        self.way_browser = QRadioButton(
            "Sign in with FieldAgent in your web browser (recommended)"
            if self._browser_ok
            else "Sign in with FieldAgent in your web browser"
        )
        self.way_token = QRadioButton("Paste an access token")
        self.way_password = QRadioButton("Email and password")
        self._ways = QButtonGroup(self)
        self.pages = QStackedWidget()
        pages = [self._browser_page(), self._token_page(), self._password_page()]
        radios = [self.way_browser, self.way_token, self.way_password]
        for index, (radio, page) in enumerate(zip(radios, pages, strict=True)):
            self._ways.addButton(radio, index)
            self.pages.addWidget(page)
            layout.addWidget(radio)
        self.browser_unavailable = plain_label(NO_CLIENT, wrap=True)
        self.browser_unavailable.setObjectName("browserUnavailable")
        self.browser_unavailable.setContentsMargins(22, 0, 0, 4)
        self.browser_unavailable.setVisible(not self._browser_ok)
        layout.insertWidget(layout.indexOf(self.way_browser) + 1, self.browser_unavailable)
        self.way_browser.setEnabled(self._browser_ok)
        (self.way_browser if self._browser_ok else self.way_password).setChecked(True)
        self.pages.setCurrentIndex(BROWSER if self._browser_ok else PASSWORD)
        layout.addWidget(self.pages)

        self.status = plain_label(wrap=True)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.error = plain_label(wrap=True)
        self._build_address()
        layout.addWidget(self.address_box)
        self.error.setObjectName("signInError")
        self.error.setStyleSheet("color: #b00020;")
        for widget in (self.status, self.busy_bar, self.error):
            layout.addWidget(widget)
        notice = self._manager.storage_notice
        self.storage_notice = plain_label(f"{notice}." if notice else "")
        self.storage_notice.setWordWrap(True)
        self.storage_notice.setVisible(bool(notice))
        layout.addWidget(self.storage_notice)

        self.buttons = QDialogButtonBox()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in_button.clicked.connect(self.start_sign_in)
        self.cancel_button.clicked.connect(self._cancel_clicked)
        layout.addWidget(self.buttons)
        self._ways.idToggled.connect(self._way_toggled)

    def _build_address(self) -> None:
        """The sign-in address when no browser opened: all of it, wrapped, selectable."""
        self.address_box = QWidget()
        box = QVBoxLayout(self.address_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.address = _AddressBox()
        self.copy_address = QPushButton("Copy")
        self.copy_address.setAutoDefault(False)  # Enter still means "Sign in"
        self.copy_address.setToolTip("Copy the sign-in address, to paste into a browser")
        self.copy_address.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.address.toPlainText())
        )
        row = QHBoxLayout()
        row.addWidget(self.address, 1)
        row.addWidget(self.copy_address, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(row)
        self.address_box.hide()

    def _browser_page(self) -> QWidget:
        label = QLabel(
            "FieldDesk opens FieldAgent's sign-in page in your web browser. "
            "Sign in there, then come back here."
        )
        label.setWordWrap(True)
        return label

    def _token_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Access token from your organization")
        form.addRow("Access token:", self.token_edit)
        return page

    def _password_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        hint = plain_label("The email and password you use for FieldAgent.", wrap=True)
        form.addRow(hint)
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("name@example.com")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Email:", self.email_edit)
        form.addRow("Password:", self.password_edit)
        return page

    @Slot(int, bool)
    def _way_toggled(self, way: int, checked: bool) -> None:
        if checked:
            self.pages.setCurrentIndex(way)
            self.error.clear()
            first_field = {TOKEN: self.token_edit, PASSWORD: self.email_edit}.get(way)
            if first_field is not None:
                first_field.setFocus()

    # -- running a sign-in ----------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._attempt != 0

    @Slot()
    def start_sign_in(self) -> None:
        if self.busy:
            return
        self.error.clear()
        way = self._ways.checkedId()
        manager = self._manager
        work: Callable[[], StoredSignIn]
        if way == TOKEN:
            token = self.token_edit.text()
            work = lambda: manager.check_token(token)  # noqa: E731
            waiting = "Checking the access token…"
        elif way == PASSWORD:
            email, password = self.email_edit.text(), self.password_edit.text()
            work = lambda: manager.check_password(email, password)  # noqa: E731
            waiting = "Signing in…"
        else:
            flow = manager.begin_browser_sign_in()
            self._flow = flow
            timeout = self._browser_timeout
            work = lambda: manager.finish_browser_sign_in(flow, timeout)  # noqa: E731
            waiting = "Waiting for you to sign in in your web browser…"
            if not self._open_url(QUrl(flow.authorize_url)):
                waiting = (
                    "FieldDesk could not open a web browser. Open this address in one "
                    "to sign in, then come back here:"
                )
                self.address.setPlainText(flow.authorize_url)
                self.address_box.show()
        self._attempts += 1
        attempt = self._attempt = self._attempts
        self._set_busy(waiting)
        self.tasks.run_in_background(
            work,
            lambda result: self._step_done(attempt, result),
            on_error=lambda error: self._step_failed(attempt, error),
            pool=NETWORK,
        )

    def _finish_attempt(self, attempt: int) -> bool:
        """End `attempt` if it is the one awaited; False for one already given up on."""
        if attempt != self._attempt:
            return False
        self._attempt, self._flow = 0, None
        self._set_busy(None)
        self.address_box.hide()
        return True

    def _step_failed(self, attempt: int, error: Exception) -> None:
        if not self._finish_attempt(attempt) or isinstance(error, SignInCancelled):
            return
        if isinstance(error, SignInError):
            self.show_error(str(error))
            return
        raise error  # a bug, not a sign-in problem: the crash handler reports it

    def _step_done(self, attempt: int, result: StoredSignIn) -> None:
        if not self._finish_attempt(attempt):
            return
        try:
            self._manager.accept(result)
        except SignInError as exc:
            self.show_error(str(exc))
            return
        self.password_edit.clear()
        self.token_edit.clear()
        self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)

    @Slot()
    def _cancel_clicked(self) -> None:
        if not self.busy:
            self.reject()
            return
        self._abandon()
        self._set_busy(None)

    def _abandon(self) -> None:
        """Stop waiting: a browser wait ends at once; an HTTP call's answer is ignored."""
        if self._flow is not None:
            self._flow.cancel()
        self._attempt, self._flow = 0, None
        self.address_box.hide()

    def reject(self) -> None:
        self._abandon()
        super().reject()

    def _set_busy(self, message: str | None) -> None:
        busy = message is not None
        self.status.setText(message or "")
        self.status.setVisible(busy)
        self.busy_bar.setVisible(busy)
        self.sign_in_button.setEnabled(not busy)
        for widget in (self.way_token, self.way_password, self.pages):
            widget.setEnabled(not busy)
        self.way_browser.setEnabled(not busy and self._browser_ok)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Escape while waiting stops the attempt but keeps the dialog, like Cancel.
        if event.key() == Qt.Key.Key_Escape and self.busy:
            self._cancel_clicked()
            return
        super().keyPressEvent(event)
