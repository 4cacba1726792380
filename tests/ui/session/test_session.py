"""The running app's glue, for real: a window, its `AppSession`, the simulator on
loopback, a real store file, the real sync worker and the real connection monitor.

Sign-ins are kept in an in-memory keyring backend (`MemoryKeyring`); the real Secret
Service is exercised by the `keyring`-marked test at the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QPushButton

from app import config
from app import settings as options
from app.account.session import OAuthSettings
from app.account.token_store import SERVICE_NAME
from app.domain import Level, Outcome, Scope
from app.domain_files import Pin, PinKind
from app.simulator import Simulator
from app.store import DB_FILENAME, Store
from app.sync.events import RunSummary
from app.sync.retry import RetryPolicy
from app.ui.common.formatting import format_clock_time
from app.ui.common.preferences import SYNC_ON_RECONNECT, load_preferences
from app.ui.common.tasks import NETWORK
from app.ui.session.connectivity import Connection, ProbeTimings
from app.ui.session.session import AppSession, MemoryKeyring, SessionTuning, remove_local_database
from app.ui.window import MainWindow
from tests.ui.conftest import settle

WAIT = 20_000  # ms: upper bounds for waitUntil, never fixed sleeps
TUNING = SessionTuning(
    probe=ProbeTimings(online_interval=300, first_backoff=100, max_backoff=400),
    settle_ms=50,
    retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05),
    use_network_information=False,
    browser_timeout=10,
    # These tests start their syncs themselves (one test below checks the first sync).
    first_sync=False,
)


class App:
    """A window and its session, as `application.run` wires them."""

    def __init__(self, session: AppSession, window: MainWindow) -> None:
        self.session = session
        self.window = window
        self.summaries: list[RunSummary] = []
        window.controller.finished.connect(self.summaries.append)

    @property
    def state(self) -> Connection:
        return self.session.monitor.status.state

    def wait_for(self, qtbot: Any, state: Connection) -> None:
        qtbot.waitUntil(lambda: self.state is state, timeout=WAIT)

    def wait_for_runs(self, qtbot: Any, count: int) -> RunSummary:
        qtbot.waitUntil(lambda: len(self.summaries) >= count, timeout=WAIT)
        return self.summaries[count - 1]


@pytest.fixture
def make_app(qtbot: Any, store: Store, settings: QSettings) -> Iterator[Callable[..., App]]:
    made: list[App] = []

    def make(sim: Simulator, *, token: str | None = None, **kwargs: Any) -> App:
        session = AppSession(
            settings=settings,
            oauth=OAuthSettings(sim.oauth_client_id, sim.oauth_client_secret),
            server_url=sim.graphql_url,
            keyring_backend=kwargs.pop("keyring_backend", MemoryKeyring()),
            environ={},
            tuning=kwargs.pop("tuning", TUNING),
        )
        if token is not None:
            session.accept_token(token, sim.demo_user_email)
        window = MainWindow(store, settings=settings, controller=session.sync_controller(store))
        qtbot.addWidget(window)
        session.attach(window)
        window.show()
        qtbot.waitExposed(window)
        session.start()
        app = App(session, window)
        made.append(app)
        return app

    yield make
    for app in made:
        app.session.stop()
        app.window.close()


def click_button(box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text() == text)
    assert isinstance(button, QPushButton)
    button.click()


def test_signed_out_then_sign_in_with_a_pasted_token(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator
) -> None:
    app = make_app(simulator)
    bar = app.window.sync.toolbar
    assert not bar.sync_all.isEnabled()
    assert bar.sync_all.toolTip() == "Signed out: sign in to sync"
    assert bar.account.text() == "Not signed in"
    assert bar.sign_in_action.isVisible() and not bar.sign_out_action.isVisible()
    app.wait_for(qtbot, Connection.SIGNED_OUT)  # the server answers; we are not signed in
    assert bar.connection_text.text() == "Signed out"

    bar.sign_in_action.trigger()  # the account menu's "Sign in…"
    dialog = app.session.sign_in_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.way_token.click()
    dialog.token_edit.setText(simulator.demo_token)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    assert bar.account.text() == f"Signed in as {simulator.demo_user_email}"
    assert bar.sync_all.isEnabled()
    app.wait_for(qtbot, Connection.ONLINE)
    assert bar.connection_text.text() == "Online"
    assert bar.sync_all.isEnabled()
    assert bar.sign_out_action.isVisible() and not bar.sign_in_action.isVisible()
    assert not app.summaries  # signing in alone does not sync (sync on start is off)


def test_a_refused_token_stops_the_sync_then_signing_in_resumes_it(
    qtbot: Any,
    make_app: Callable[..., App],
    simulator: Simulator,
    settings: QSettings,
    store: Store,
) -> None:
    settings.setValue(options.CONCURRENCY.path, 1)  # one survey at a time: a known cut point
    settings.setValue(SYNC_ON_RECONNECT, False)  # only the resume may start the second run
    app = make_app(simulator, token=simulator.demo_token)
    app.wait_for(qtbot, Connection.ONLINE)
    # The 4th mosaics page gets a 401 and the pasted token dies: it cannot be refreshed.
    simulator.faults.add("expire_token", query="sync_mosaics", after=3, invalidate=True, times=None)
    assert app.window.sync.start_sync(Scope.everything())
    first = app.wait_for_runs(qtbot, 1)
    assert first.outcome is Outcome.SIGNED_OUT
    kept = store.counts().mosaics
    assert 0 < kept < simulator.dataset.counts()["mosaics"]  # synced pages stay
    banner = app.window.sync.banner
    assert banner.isVisible() and banner.text.startswith("Signed out — sign in to continue")
    assert banner.action_button.isVisible() and banner.action_button.text() == "Sign in"
    assert app.window.sync.toolbar.account.text() == "Not signed in"
    assert app.window.sync.toolbar.sync_all.toolTip() == "Signed out: sign in to sync"
    settle(qtbot, app.window)
    assert app.window.mosaics.model.rowCount() == kept

    simulator.faults.clear()
    simulator.request_log.clear()
    banner.action_button.click()  # "Sign in" on the banner
    dialog = app.session.sign_in_dialog
    assert dialog is not None
    dialog.way_password.setChecked(True)
    dialog.email_edit.setText(simulator.demo_user_email)
    dialog.password_edit.setText(simulator.demo_user_password)
    dialog.sign_in_button.click()

    resumed = app.wait_for_runs(qtbot, 2)  # started by itself after the sign-in
    assert resumed.outcome is Outcome.COMPLETE and resumed.scope == first.scope
    assert store.counts().mosaics == simulator.dataset.counts()["mosaics"]
    fetched = sum(c.upserted for c in simulator.request_log.for_query("sync_mosaics"))
    assert fetched == simulator.dataset.counts()["mosaics"] - kept  # nothing fetched twice
    assert not banner.isVisible() or not banner.text.startswith("Signed out")


def test_unreachable_then_back_and_a_sync_starts_by_itself(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator, store: Store
) -> None:
    app = make_app(simulator, token=simulator.demo_token)
    bar = app.window.sync.toolbar
    app.wait_for(qtbot, Connection.ONLINE)
    assert not app.summaries  # online at start: no sync unless "sync on start" is on

    simulator.stop()
    app.wait_for(qtbot, Connection.UNREACHABLE)
    assert bar.connection_text.text() == "Server unreachable"
    assert "Since" in bar.connection.toolTip()
    assert not bar.sync_all.isEnabled()
    assert bar.sync_all.toolTip().startswith("FieldAgent does not answer since ")

    simulator.start()  # same port
    summary = app.wait_for_runs(qtbot, 1)
    assert app.state is Connection.ONLINE and bar.connection_text.text() == "Online"
    assert summary.outcome is Outcome.COMPLETE
    assert store.counts().mosaics == simulator.dataset.counts()["mosaics"]


def test_a_run_cut_off_by_the_network_says_so_and_continues(
    qtbot: Any, make_app: Callable[..., App], simulator_factory: Callable[..., Simulator]
) -> None:
    sim = simulator_factory(mosaics_cap=300)
    survey = sim.dataset.survey_ids()[0]
    sim.dataset.add_mosaics(survey, 1_200)
    app = make_app(sim, token=sim.demo_token)
    app.wait_for(qtbot, Connection.ONLINE)
    sim.faults.add(
        kind="close_connection", query="sync_mosaics", scope_id=survey, after=2, times=None
    )
    assert app.window.sync.start_sync(Scope.everything())
    cut = app.wait_for_runs(qtbot, 1)
    assert cut.outcome is Outcome.INTERRUPTED
    banner = app.window.sync.banner
    assert banner.text.startswith("Interrupted — will continue when back online")
    kept = len(app.window.store.local_hashes(Level.MOSAICS, survey))

    sim.faults.clear()  # the network is back
    resumed = app.wait_for_runs(qtbot, 2)
    assert resumed.outcome is Outcome.COMPLETE
    assert kept > 0 and len(app.window.store.local_hashes(Level.MOSAICS, survey)) == (
        sim.dataset.mosaic_count(survey)
    )


def test_a_download_pass_that_cannot_reach_fieldagent_shows_it_offline_at_once(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator
) -> None:
    app = make_app(simulator, token=simulator.demo_token)
    app.wait_for(qtbot, Connection.ONLINE)
    assert app.window.sync.start_sync(Scope.everything())
    assert app.wait_for_runs(qtbot, 1).outcome is Outcome.COMPLETE
    app.window.store.add_pin(Pin(PinKind.SURVEY, simulator.dataset.survey_ids()[0]))
    seen: list[Connection] = []
    app.session.monitor.status_changed.connect(lambda status: seen.append(status.state))
    # Only the file catalogue's requests are cut: the monitor's own probe still answers,
    # so nothing but the download pass can make the state change.
    simulator.faults.add(kind="close_connection", query="sync_files", times=None)

    with qtbot.waitSignal(app.window.downloads.controller.finished, timeout=WAIT) as done:
        assert app.window.downloads.start()

    assert done.args[0].unreachable and not done.args[0].complete
    qtbot.waitUntil(lambda: Connection.UNREACHABLE in seen, timeout=WAIT)


def test_settings_change_the_periodic_interval_live(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator, settings: QSettings
) -> None:
    app = make_app(simulator, token=simulator.demo_token)
    app.wait_for(qtbot, Connection.ONLINE)
    label = app.window.sync.status.next_sync
    auto = app.session.autosync
    assert auto is not None
    qtbot.waitUntil(lambda: auto.next_sync_at is not None, timeout=WAIT)
    first = auto.next_sync_at
    assert first is not None and first > datetime.now(UTC) + timedelta(minutes=25)
    assert label.isVisible() and label.text() == f"Next sync at {format_clock_time(first)}"

    qtbot.keyClick(app.window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = app.session.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.server.text() == simulator.graphql_url
    dialog.periodic.setValue(2)
    dialog.concurrency.setValue(3)
    dialog.accept()

    sooner = auto.next_sync_at
    assert sooner is not None and sooner <= datetime.now(UTC) + timedelta(minutes=2, seconds=1)
    assert label.text() == f"Next sync at {format_clock_time(sooner)}"
    assert app.session.engine is not None and app.session.engine.concurrency == 3
    saved = load_preferences(settings)
    assert saved.auto.periodic_minutes == 2 and saved.concurrency == 3
    # The server came from the command line and was not edited: it is not stored.
    assert saved.server_url == config.DEFAULT_SERVER_URL

    app.session.show_settings().periodic.setValue(0)  # "Never"
    app.session.show_settings().accept()
    assert auto.next_sync_at is None and not label.isVisible()


def test_sign_out_keeps_the_data_and_revokes_the_token(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator, store: Store
) -> None:
    app = make_app(simulator, token=simulator.demo_token)
    app.wait_for(qtbot, Connection.ONLINE)
    assert app.window.sync.start_sync(Scope.everything())
    app.wait_for_runs(qtbot, 1)
    synced = store.counts().mosaics

    app.window.sync.toolbar.sign_out_action.trigger()
    box = app.session.sign_out_box
    assert box is not None and not box.checkBox().isChecked()
    with qtbot.waitSignal(app.session.sign_out_finished, timeout=WAIT) as blocker:
        click_button(box, "Sign out")
    assert blocker.args[0].revoked
    assert simulator.auth.user_for(simulator.demo_token) is None  # the server forgot it
    assert app.window.sync.toolbar.account.text() == "Not signed in"
    assert not app.window.sync.toolbar.sync_all.isEnabled()
    assert store.counts().mosaics == synced and app.window.mosaics.model.rowCount() == synced
    assert not app.session.take_remove_data_request()
    assert app.window.isVisible()


def test_sign_out_with_the_server_gone_forgets_at_once_and_says_so(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator
) -> None:
    app = make_app(simulator, token=simulator.demo_token)
    app.wait_for(qtbot, Connection.ONLINE)
    simulator.stop()
    with qtbot.waitSignal(app.session.sign_out_finished, timeout=WAIT) as blocker:
        app.session.sign_out()
        # Forgotten on the spot (the keyring, on this thread); the revoke is still out.
        assert not app.session.manager.signed_in
        assert app.window.sync.toolbar.account.text() == "Not signed in"
        assert app.session.tasks.busy(NETWORK)
    assert not blocker.args[0].revoked
    assert "could not be told" in app.window.statusBar().currentMessage()


def test_sign_out_and_remove_the_data_closes_then_the_database_goes(
    qtbot: Any,
    make_app: Callable[..., App],
    simulator: Simulator,
    store: Store,
    tmp_path: Path,
) -> None:
    app = make_app(simulator, token=simulator.demo_token)
    assert app.window.sync.start_sync(Scope.everything())
    app.wait_for_runs(qtbot, 1)
    box = app.session.confirm_sign_out()
    box.checkBox().setChecked(True)
    click_button(box, "Sign out")
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=WAIT)
    assert app.session.take_remove_data_request()
    assert not app.session.take_remove_data_request()  # once

    # What application.run does next: the store is closed, then the files go.
    app.session.detach()
    store.close()
    remove_local_database(tmp_path)
    assert not (tmp_path / DB_FILENAME).exists()
    reopened = Store.open(tmp_path / DB_FILENAME)
    try:
        assert reopened.counts().mosaics == 0
    finally:
        reopened.close()


def test_the_demo_keyring_is_never_chosen_by_keyring_itself() -> None:
    import keyring

    assert not MemoryKeyring.viable
    assert not isinstance(keyring.get_keyring(), MemoryKeyring)
    backend = MemoryKeyring()
    backend.set_password(SERVICE_NAME, "https://example.com", "secret")
    assert backend.get_password(SERVICE_NAME, "https://example.com") == "secret"


@pytest.mark.keyring
def test_signing_in_and_out_in_the_window_uses_the_system_keyring(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator
) -> None:
    from keyring.backends import SecretService

    try:
        backend = SecretService.Keyring()
        backend.get_password(SERVICE_NAME, "probe")
    except Exception as exc:
        reason = f"no Secret Service is reachable ({type(exc).__name__}: {exc})"
        if os.environ.get("FIELDDESK_REQUIRE_KEYRING"):
            pytest.fail(reason)
        pytest.skip(f"{reason}; run under .ci/with-keyring")
    app = make_app(simulator, keyring_backend=backend)
    assert app.session.manager.storage_notice is None
    dialog = app.session.show_sign_in()
    dialog.way_token.setChecked(True)
    dialog.token_edit.setText(simulator.demo_token)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.sign_in_button.click()
    assert backend.get_password(SERVICE_NAME, simulator.base_url) is not None
    with qtbot.waitSignal(app.session.sign_out_finished, timeout=WAIT):
        click_button(app.session.confirm_sign_out(), "Sign out")
    assert backend.get_password(SERVICE_NAME, simulator.base_url) is None


def test_a_catalogue_never_synced_is_fetched_as_soon_as_fieldagent_answers(
    qtbot: Any, make_app: Callable[..., App], simulator: Simulator, store: Store
) -> None:
    from dataclasses import replace

    app = make_app(simulator, token=simulator.demo_token, tuning=replace(TUNING, first_sync=True))

    first = app.wait_for_runs(qtbot, 1)

    assert first.outcome is Outcome.COMPLETE
    assert store.counts().mosaics == simulator.dataset.counts()["mosaics"]
    # Once something was synced, starting again does not sync by itself (on_start is off).
    again = make_app(simulator, token=simulator.demo_token, tuning=replace(TUNING, first_sync=True))
    again.wait_for(qtbot, Connection.ONLINE)
    # An absence, proven by order: a start timer would have been armed (0 ms) when ONLINE
    # arrived, and Qt fires equal timers in the order they were armed; two turns of ours
    # armed after it have run only once it has had its turn (and its sync its start).
    later: list[bool] = []
    QTimer.singleShot(0, lambda: QTimer.singleShot(0, lambda: later.append(True)))
    qtbot.waitUntil(lambda: bool(later), timeout=WAIT)
    assert again.window.controller.is_running is False
    assert again.summaries == []
