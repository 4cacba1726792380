"""The sign-in dialog, driven for real: offscreen Qt, the simulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.account.session import AccountManager, OAuthSettings
from app.account.token_store import RunOnlyKeyring, SignInMethod, TokenStore
from app.simulator import Simulator
from app.ui.common.tasks import NETWORK
from app.ui.dialogs import signin as signin_dialog
from app.ui.dialogs.signin import SignInDialog
from tests.account.helpers import oauth_for, play_browser


@pytest.fixture
def token_store(simulator: Simulator) -> TokenStore:
    return TokenStore(simulator.base_url, backend=RunOnlyKeyring())


@pytest.fixture
def manager(simulator: Simulator, token_store: TokenStore) -> AccountManager:
    return AccountManager(simulator.base_url, token_store, oauth_for(simulator), environ={})


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path: Path) -> Iterator[Path]:
    """Any QSettings written during a test land here, where the leak check looks."""
    where = tmp_path / "settings"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(where))
    yield where


def the_browser(url: QUrl) -> bool:
    play_browser(bytes(url.toEncoded().data()).decode())
    return True


def no_browser(url: QUrl) -> bool:
    return True  # "opened", but the user never signs in


def make_dialog(qtbot: QtBot, manager: AccountManager, **kwargs: object) -> SignInDialog:
    dialog = SignInDialog(manager, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def finish(qtbot: QtBot, dialog: SignInDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=15_000)


def test_browser_sign_in_is_the_default(
    qtbot: QtBot, manager: AccountManager, token_store: TokenStore, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, manager, open_url=the_browser)
    assert dialog.way_browser.isChecked()
    assert dialog.sign_in_button.isDefault()
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    stored = token_store.load()
    assert stored is not None and stored.method is SignInMethod.BROWSER
    assert manager.signed_in
    # Nothing of the sign-in went to a settings, config or data file.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert stored.tokens.access_token.encode() not in content
            assert str(stored.tokens.refresh_token).encode() not in content


def test_paste_an_access_token(
    qtbot: QtBot, simulator: Simulator, manager: AccountManager, token_store: TokenStore
) -> None:
    dialog = make_dialog(qtbot, manager, open_url=no_browser)
    dialog.way_token.click()
    assert dialog.pages.currentIndex() == signin_dialog.TOKEN
    qtbot.keyClicks(dialog.token_edit, simulator.demo_token)
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        dialog.sign_in_button.click()
    stored = token_store.load()
    assert stored is not None and stored.method is SignInMethod.TOKEN
    assert dialog.token_edit.text() == ""


def test_email_and_password_works(
    qtbot: QtBot, simulator: Simulator, manager: AccountManager, token_store: TokenStore
) -> None:
    dialog = make_dialog(qtbot, manager, open_url=no_browser)
    assert dialog.way_password.text() == "Email and password"
    dialog.way_password.click()
    qtbot.keyClicks(dialog.email_edit, simulator.demo_user_email)
    qtbot.keyClicks(dialog.password_edit, simulator.demo_user_password)
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        dialog.sign_in_button.click()
    stored = token_store.load()
    assert stored is not None and stored.method is SignInMethod.PASSWORD
    assert dialog.password_edit.text() == ""


def test_wrong_password_is_shown_inline(
    qtbot: QtBot, simulator: Simulator, manager: AccountManager
) -> None:
    dialog = make_dialog(qtbot, manager, open_url=no_browser)
    dialog.way_password.click()
    qtbot.keyClicks(dialog.email_edit, simulator.demo_user_email)
    qtbot.keyClicks(dialog.password_edit, "not-the-password")
    dialog.sign_in_button.click()
    assert dialog.busy and not dialog.sign_in_button.isEnabled()
    finish(qtbot, dialog)
    assert "email or password is not correct" in dialog.error.text()
    assert dialog.isVisible() and dialog.sign_in_button.isEnabled()
    assert not manager.signed_in


def test_server_down_is_shown_inline(
    qtbot: QtBot, simulator: Simulator, manager: AccountManager
) -> None:
    simulator.stop()
    dialog = make_dialog(qtbot, manager, open_url=no_browser)
    dialog.way_password.click()
    qtbot.keyClicks(dialog.email_edit, simulator.demo_user_email)
    qtbot.keyClicks(dialog.password_edit, simulator.demo_user_password)
    dialog.sign_in_button.click()
    finish(qtbot, dialog)
    assert "cannot be reached" in dialog.error.text()
    assert dialog.isVisible()


def test_cancel_stops_waiting_for_the_browser_then_closes(
    qtbot: QtBot, manager: AccountManager
) -> None:
    dialog = make_dialog(qtbot, manager, open_url=no_browser, browser_timeout=120)
    dialog.sign_in_button.click()
    assert dialog.busy and dialog.status.isVisible()
    assert "web browser" in dialog.status.text()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.busy and dialog.error.text() == ""
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.tasks.busy(NETWORK), timeout=15_000)  # the wait ended
    with qtbot.waitSignal(dialog.rejected):
        dialog.cancel_button.click()
    assert not manager.signed_in


def test_a_browser_that_never_returns_times_out(qtbot: QtBot, manager: AccountManager) -> None:
    dialog = make_dialog(qtbot, manager, open_url=no_browser, browser_timeout=0.3)
    dialog.sign_in_button.click()
    finish(qtbot, dialog)
    assert "did not come back" in dialog.error.text()
    assert dialog.sign_in_button.isEnabled()


def test_no_browser_shows_the_address_to_open(qtbot: QtBot, manager: AccountManager) -> None:
    dialog = make_dialog(qtbot, manager, open_url=lambda url: False, browser_timeout=120)
    dialog.sign_in_button.click()
    address = dialog.address.toPlainText()
    assert "/oauth/authorize?" in address and "client_id=" in address
    assert dialog.address.isVisible() and dialog.address.isReadOnly()
    # All of it is readable: wrapped inside the box, no sideways scrolling.
    assert dialog.address.horizontalScrollBar().maximum() == 0
    qtbot.waitUntil(lambda: dialog.address.verticalScrollBar().maximum() == 0)
    dialog.copy_address.click()
    assert QGuiApplication.clipboard().text() == address
    dialog.cancel_button.click()
    assert not dialog.address.isVisible()
    qtbot.waitUntil(lambda: not dialog.tasks.busy(NETWORK), timeout=15_000)


def test_without_an_oauth_client_email_and_password_is_the_default(
    qtbot: QtBot, simulator: Simulator, token_store: TokenStore
) -> None:
    manager = AccountManager(simulator.base_url, token_store, OAuthSettings("", ""), environ={})
    dialog = make_dialog(qtbot, manager, open_url=the_browser)
    assert not dialog.way_browser.isEnabled()
    assert dialog.way_password.isChecked()
    assert dialog.pages.currentIndex() == signin_dialog.PASSWORD
    assert dialog.browser_unavailable.isVisible()
    assert "FIELDDESK_OAUTH_CLIENT_ID" in dialog.browser_unavailable.text()
    assert dialog.browser_unavailable.textFormat() == Qt.TextFormat.PlainText
    assert "recommended" not in dialog.way_browser.text()
    qtbot.keyClicks(dialog.email_edit, simulator.demo_user_email)
    qtbot.keyClicks(dialog.password_edit, simulator.demo_user_password)
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        dialog.sign_in_button.click()
    assert manager.signed_in


def test_the_run_only_notice_is_shown(qtbot: QtBot, simulator: Simulator) -> None:
    store = TokenStore(simulator.base_url, backend=RunOnlyKeyring())
    manager = AccountManager(simulator.base_url, store, oauth_for(simulator), environ={})
    dialog = make_dialog(qtbot, manager)
    assert dialog.storage_notice.isVisible()
    assert "until FieldDesk closes" in dialog.storage_notice.text()
