"""The running app's account, connection and sync-by-itself, wired to the main window.

`AppSession` lives on the main thread for the whole run and owns:
- the `TaskManager` every background step of the app runs in (probes, sign-in steps,
  revoking tokens, the window's store reads);
- the `EngineFactory` and `SyncController` of each window it builds a window for
  (`sync_controller(store)`): the engine gets the account's client factory and the
  preferred concurrency from here, never from the window;
- the `AccountManager` for the chosen server (keyring access stays on this thread; the
  sync worker only ever gets a token provider, inside the client factory);
- the `ConnectionMonitor` (started once the window shows: start-up never waits for
  the network) and the `AutoSync` scheduler of the attached window;
- the user's `Preferences`, applied live when the settings dialog is accepted.

It answers the window's requests (sign in, sign out, settings) and feeds the window's
sync presenter the account label, whether sync is possible and the connection state.

A run that ends signed out drops the dead sign-in and remembers its scope; signing in
again resumes it (the engine restarts from the committed hashes, so nothing already
synced is fetched twice). Removing the local data on sign-out is done safely by
closing the window: `application.run` then deletes the database once the store is
closed and opens the window again on an empty one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from keyring.backend import KeyringBackend
from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from app import config
from app import settings as options
from app.account.errors import SignInError
from app.account.session import AccountManager, OAuthSettings, SignOutResult
from app.account.token_store import RunOnlyKeyring, SignInMethod, StoredSignIn, TokenStore
from app.api.auth import OAuthTokens, TokenProvider
from app.api.client import FieldAgentClient
from app.api.errors import AuthError
from app.domain import Outcome, Scope
from app.sync.worker import ClientFactory, EngineFactory, SyncController
from app.ui.common.plain import make_plain
from app.ui.common.preferences import Preferences, load_preferences, save_preferences
from app.ui.common.tasks import NETWORK, TaskManager
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dialogs.signin import SignInDialog
from app.ui.session.autosync import AutoSync
from app.ui.session.connectivity import Connection, ConnectionMonitor, ConnectionStatus
from app.ui.session.parts import (
    MemoryKeyring,
    SessionTuning,
    remove_local_database,
    sign_out_message,
    sign_out_question,
)

if TYPE_CHECKING:
    from app.files.events import DownloadSummary
    from app.store import Store
    from app.sync.events import RunSummary
    from app.ui.window import MainWindow

log = logging.getLogger(__name__)

__all__ = ["AppSession", "MemoryKeyring", "SessionTuning", "remove_local_database"]


class AppSession(QObject):
    """Account, connection monitor, auto-sync and preferences of the running app."""

    account_changed = Signal()
    sign_out_finished = Signal(object)  # SignOutResult, once the server has been told

    def __init__(
        self,
        *,
        settings: QSettings,
        oauth: OAuthSettings,
        server_url: str | None = None,
        keyring_backend: KeyringBackend | RunOnlyKeyring | None = None,
        environ: Mapping[str, str] | None = None,
        tuning: SessionTuning | None = None,
        tasks: TaskManager | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._oauth = oauth
        self._backend = keyring_backend
        self._environ = environ
        self._tuning = tuning or SessionTuning()
        stored = load_preferences(settings)
        self._stored_server = stored.server_url
        self.preferences = self._tuned(stored)
        self.server_url = server_url or stored.server_url
        # The app makes the task manager before the session, for the window's first frame.
        self.tasks = tasks or TaskManager(self)
        self.manager = self._make_manager(self.server_url)
        self.monitor = ConnectionMonitor(
            self.server_url,
            self._probe_tokens,
            self.tasks,
            timings=self._tuning.probe,
            use_network_information=self._tuning.use_network_information,
            parent=self,
        )
        self.monitor.status_changed.connect(self._on_status)
        self.monitor.heard.connect(self._on_heard)
        self.engine: EngineFactory | None = None  # the attached window's
        self.window: MainWindow | None = None
        self.autosync: AutoSync | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.sign_out_box: QMessageBox | None = None
        self._resume: Scope | None = None
        self._remove_data = False
        self._close_after_revoke = False

    # -- building blocks ------------------------------------------------------------------

    def _tuned(self, preferences: Preferences) -> Preferences:
        return replace(
            preferences,
            auto=replace(
                preferences.auto,
                settle_ms=self._tuning.settle_ms,
                first_sync=self._tuning.first_sync and preferences.auto.first_sync,
            ),
        )

    def _make_manager(self, graphql_url: str) -> AccountManager:
        base = config.base_url_of(graphql_url)
        return AccountManager(
            base,
            TokenStore(base, backend=self._backend),
            self._oauth,
            dispatch=self.tasks.run_on_main,
            environ=self._environ,
        )

    def _probe_tokens(self) -> TokenProvider | None:
        """The monitor's token provider: None while signed out (it then only checks
        that the server answers)."""
        return self.manager.token_provider() if self.manager.signed_in else None

    def client_factory(self) -> ClientFactory | None:
        """How the sync worker makes API clients; None when signed out."""
        if not self.manager.signed_in:
            return None
        try:
            tokens = self.manager.token_provider()
        except AuthError:
            return None
        url = self.server_url
        deadline = options.REQUEST_DEADLINE.parse(
            self._settings.value(options.REQUEST_DEADLINE.path)
        )

        def make_client() -> FieldAgentClient:
            return FieldAgentClient(url, tokens, deadline=deadline)

        return make_client

    def accept_token(self, token: str, account: str | None) -> None:
        """Sign in with a token known to be good, without asking the server (the demo's
        simulator token, a smoke test's): nothing waits for the network at start-up."""
        tokens = OAuthTokens(token, None, None, account)
        self.manager.accept(StoredSignIn(tokens, SignInMethod.TOKEN))
        self._show_account()

    # -- the window ---------------------------------------------------------------------

    def sync_controller(self, store: Store) -> SyncController:
        """The sync controller for a window over `store` (pass it to `MainWindow`); its
        engine follows this session's account and preferences."""
        return SyncController(self.adopt_engine(EngineFactory(store)))

    def adopt_engine(self, engine: EngineFactory) -> EngineFactory:
        """Make `engine` follow this session's account, server and preferences.

        The app's first window is built before the session (the keyring and the HTTP
        stack load after its first paint), with an engine that cannot sync yet; the
        session takes it over here, before it attaches to that window.
        """
        engine.client_factory = self.client_factory()
        engine.concurrency = self.preferences.concurrency
        engine.retry = self._tuning.retry
        engine.server_url = self.server_url
        self.engine = engine
        return engine

    def attach(self, window: MainWindow) -> None:
        """Wire `window` to the account, the monitor and a scheduler of its own."""
        self.window = window
        sync = window.sync
        sync.sign_in_requested.connect(self.show_sign_in)
        sync.sign_out_requested.connect(self.confirm_sign_out)
        sync.settings_requested.connect(self.show_settings)
        window.controller.finished.connect(self._on_run_finished)
        self.autosync = AutoSync(
            window.controller,
            self.monitor,
            settings=self.preferences.auto,
            last_complete_sync=window.store.last_successful_sync_at,
            start_sync=sync.start_sync,
            parent=self,
        )
        window.controller.finished.connect(self.autosync.on_run_finished)
        # Any failed request says so at once, downloads included, not only a sync.
        window.downloads.controller.finished.connect(self._on_download_pass_finished)
        self.autosync.next_sync_changed.connect(sync.set_next_sync)
        self._show_account()
        status = self.monitor.status
        sync.set_connection_state(status.state, status.since, status.reason)
        sync.toolbar.show_last_heard(self.monitor.last_heard)
        self.autosync.apply_settings(self.preferences.auto)  # arms the timer if online

    def _on_download_pass_finished(self, summary: DownloadSummary) -> None:
        if summary.unreachable:
            self.monitor.report_unreachable(summary.message or "FieldAgent could not be reached.")

    def detach(self) -> None:
        """The window is closing: nothing of this session may touch it any more."""
        if self.autosync is not None:
            self.autosync.stop()
            self.autosync.deleteLater()
            self.autosync = None
        for dialog in (self.sign_in_dialog, self.settings_dialog, self.sign_out_box):
            if dialog is not None:
                dialog.close()
        self.window = None

    def start(self) -> None:
        """Begin watching the connection (call once the window is shown)."""
        self.monitor.start()

    def stop(self) -> None:
        self.monitor.stop()
        self.detach()

    def _show_account(self) -> None:
        factory = self.client_factory()
        if self.engine is not None:
            self.engine.client_factory = factory
        window = self.window
        if window is not None:
            manager = self.manager
            window.sync.set_signed_in(factory is not None)
            window.sync.set_account_label(
                manager.account_label if manager.signed_in else None,
                can_sign_out=not manager.uses_environment_token,
                notice=manager.storage_notice,
            )
        self.account_changed.emit()

    @Slot(object)
    def _on_status(self, status: ConnectionStatus) -> None:
        if status.state is Connection.SIGNED_OUT and self.manager.signed_in:
            # A probe found the sign-in refused (and not refreshable): drop it.
            self.manager.persist_worker_state()
            if not self.manager.signed_in:
                self._show_account()
        if self.window is not None:
            self.window.sync.set_connection_state(status.state, status.since, status.reason)

    @Slot(object)
    def _on_heard(self, when: object) -> None:
        if self.window is not None:
            self.window.sync.toolbar.show_last_heard(when)  # type: ignore[arg-type]

    @Slot(object)
    def _on_run_finished(self, summary: RunSummary) -> None:
        if summary.outcome in (Outcome.COMPLETE, Outcome.PARTIAL) and summary.requests:
            self.monitor.note_heard()  # a sync that got answers is news of the server
        if summary.outcome is Outcome.SIGNED_OUT:
            self.manager.persist_worker_state()  # forget tokens the server refused
            self._resume = summary.scope
            self._show_account()
        elif summary.outcome in (Outcome.COMPLETE, Outcome.PARTIAL):
            self._resume = None

    # -- signing in ---------------------------------------------------------------------

    @Slot()
    def show_sign_in(self) -> SignInDialog:
        """The sign-in dialog (window-modal, not blocking); a second call raises it."""
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.raise_()
            self.sign_in_dialog.activateWindow()
            return self.sign_in_dialog
        dialog = SignInDialog(
            self.manager,
            self.window,
            tasks=self.tasks,
            open_url=self._tuning.open_url,
            browser_timeout=self._tuning.browser_timeout,
        )
        dialog.accepted.connect(self._signed_in)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.sign_in_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: SignInDialog) -> None:
        if self.sign_in_dialog is dialog:
            self.sign_in_dialog = None
        dialog.deleteLater()

    @Slot()
    def _signed_in(self) -> None:
        log.info("signed in; checking the connection")
        self._show_account()
        self.monitor.recheck("Signed in; checking the connection…")
        scope, self._resume = self._resume, None
        if scope is not None and self.window is not None:
            log.info("resuming the sync the sign-out stopped")
            self.window.sync.start_sync(scope)

    # -- signing out --------------------------------------------------------------------

    @Slot()
    def confirm_sign_out(self) -> QMessageBox:
        """Ask first; the data on this computer stays unless the box is ticked."""
        box, sign_out = sign_out_question(self.window, config.base_url_of(self.server_url))

        def answered(_result: int) -> None:
            self.sign_out_box = None
            if box.clickedButton() is sign_out:
                self.sign_out(remove_local_data=box.checkBox().isChecked())
            box.deleteLater()

        box.finished.connect(answered)
        self.sign_out_box = box
        box.open()
        return box

    def sign_out(self, *, remove_local_data: bool = False) -> None:
        """Forget the sign-in now (main thread: the keyring), tell the server in the
        background (it may be slow or gone)."""
        window = self.window
        if window is not None and window.controller.is_running:
            window.sync.cancel_sync()  # its tokens are about to be revoked
        try:
            tokens = self.manager.forget()
        except SignInError as error:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Sign out",
                str(error),
                QMessageBox.StandardButton.Ok,
                window,
            )
            make_plain(box).exec()  # the keyring's own words, shown as they are
            return
        self._resume = None
        self._show_account()
        self.monitor.recheck("Signed out; checking the connection…")
        if window is not None:
            window.sync.show_message("Signing out…")
        if remove_local_data:
            self._remove_data = True
            self._close_after_revoke = True
        manager = self.manager

        def revoke() -> SignOutResult:
            revoked = manager.revoke(tokens)
            return SignOutResult(revoked=revoked, message=sign_out_message(tokens, revoked))

        self.tasks.run_in_background(revoke, self._on_revoked, pool=NETWORK)

    def _on_revoked(self, result: SignOutResult) -> None:
        log.info("sign-out finished (server told: %s)", result.revoked)
        if self.window is not None:
            self.window.sync.show_message(result.message, 10_000)
        self.sign_out_finished.emit(result)
        if self._close_after_revoke and self.window is not None:
            self._close_after_revoke = False
            self.window.close()  # application.run removes the data, then reopens

    def take_remove_data_request(self) -> bool:
        """True once after a sign-out that asked to remove the local data."""
        wanted, self._remove_data = self._remove_data, False
        return wanted

    # -- settings -----------------------------------------------------------------------

    @Slot()
    def show_settings(self) -> SettingsDialog:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return self.settings_dialog
        window = self.window
        storage = window.downloads.storage_page() if window is not None else None
        dialog = SettingsDialog(
            replace(self.preferences, server_url=self.server_url),
            window,
            data_dir=Path(window.store.path).parent if window is not None else None,
            oauth_configured=bool(self._oauth.client_id),
            storage=storage,
        )

        def finished(result: int) -> None:
            self.settings_dialog = None
            if result == SettingsDialog.DialogCode.Accepted:
                self.apply_preferences(dialog.preferences())
                if storage is not None and self.window is not None:
                    self.window.downloads.apply_storage(storage, self._settings)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def apply_preferences(self, preferences: Preferences) -> None:
        """Store and apply at once: the auto-sync timers, concurrency, the server."""
        new = self._tuned(preferences)
        server_changed = not _same_url(new.server_url, self.server_url)
        # A server given on the command line is not written to the settings unless
        # the user chose it here.
        stored = new if server_changed else replace(new, server_url=self._stored_server)
        save_preferences(self._settings, stored)
        self._stored_server = stored.server_url
        units_changed = new.unit_system != self.preferences.unit_system
        self.preferences = new
        if units_changed and self.window is not None:
            self.window.set_unit_system(new.unit_system)
        if self.engine is not None:
            self.engine.concurrency = new.concurrency
        if self.autosync is not None:
            self.autosync.apply_settings(new.auto)
        if server_changed:
            self._switch_server(new.server_url)

    def _switch_server(self, graphql_url: str) -> None:
        log.info("switching to the server at %s", config.base_url_of(graphql_url))
        self.server_url = graphql_url
        if self.engine is not None:
            self.engine.server_url = graphql_url
        self._resume = None
        self.manager = self._make_manager(graphql_url)
        self._show_account()
        self.monitor.set_server(graphql_url)


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/") == b.strip().rstrip("/")
