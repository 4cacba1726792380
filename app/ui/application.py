"""Starting the window: QApplication, the local store, the main window, the event loop.

The window is built from the store alone, so it opens instantly and offline. The
`AppSession` (sign-in, connection monitor, sync by itself, preferences) is built and
attached right after the window's first paint: it loads the keyring and the HTTP stack,
which that frame does not need, and starts probing only then. A database FieldDesk cannot open
(written by a newer version, corrupt, unreadable) is explained in a dialog, never a
traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import config
from app.domain_files import Pin
from app.launch import early, logs
from app.launch.crash import CrashHandler
from app.launch.first_window import after_first_paint, watch_first_window
from app.launch.shutdown import QuitGuard, quit_on_signals, shutdown
from app.launch.single_instance import SingleInstance, bring_to_front
from app.private_files import create_private_file, private_umask
from app.store.errors import CorruptDatabaseError, NewerDatabaseError, StoreError
from app.store.glance import Glance, OpeningStore
from app.store.paths import DB_FILENAME
from app.sync.worker import ClientFactory, EngineFactory, SyncController
from app.ui.common import settings as keys
from app.ui.common.icons import icon
from app.ui.common.plain import make_plain
from app.ui.common.tasks import NETWORK, TaskManager
from app.ui.dialogs.rebuild import open_for_window, show_read_only
from app.ui.window import MainWindow

if TYPE_CHECKING:
    # The session brings the keyring and the HTTP stack, which the first frame does not
    # need: `build_session` and `run` import them when they are called.
    from app.account.session import OAuthSettings
    from app.store import Store
    from app.ui.session.session import AppSession

log = logging.getLogger(__name__)

QUIT_WAIT_MS = 2_000


def calm_garbage_collector() -> None:
    """Keep full garbage collections short, so a sync never freezes the window.

    A sync allocates hundreds of thousands of short-lived objects; each full collection
    then walks every long-lived object too (modules, Qt wrappers, caches), holding the
    GIL for tens of milliseconds and stalling the UI thread. Freezing what exists after
    start-up and after each sync takes those out of the walk; collecting first keeps
    garbage from being frozen with them.
    """
    gc.collect()
    gc.freeze()


def ensure_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(keys.ORGANIZATION)
    app.setApplicationName(keys.APPLICATION)
    app.setApplicationDisplayName("FieldDesk")
    app.setDesktopFileName("fielddesk")
    app.setWindowIcon(icon("app"))
    return app


def app_settings() -> QSettings:
    """The INI file the command line also reads (`app.config.settings_path`).

    Created 0600 first: it may hold the OAuth client secret, and QSettings keeps an
    existing file's mode when it rewrites it.
    """
    path = config.settings_path()
    try:
        with private_umask():
            path.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(path)
    except OSError as error:
        log.warning("settings file %s: %s", path, error.strerror)
    return QSettings(str(path), QSettings.Format.IniFormat)


def build_window(
    store: Store,
    settings: QSettings,
    *,
    controller: SyncController | None = None,
    client_factory: ClientFactory | None = None,
    tasks: TaskManager | None = None,
    account: str | None = None,
    demo: bool = False,
) -> MainWindow:
    """The main window over `store`.

    The app hands in the session's `controller` (and signs in through the session);
    scripts without a session give a `client_factory` instead (None: signed out).
    `demo` keeps some imagery offline after the first sync (`keep_demo_imagery_offline`).
    """
    if controller is None:
        controller = SyncController(EngineFactory(store, client_factory))
    window = MainWindow(
        store,
        settings=settings,
        controller=controller,
        tasks=tasks,
        signed_in=client_factory is not None,
    )
    window.sync.show_account(account)
    window.controller.finished.connect(
        lambda _summary: QTimer.singleShot(0, calm_garbage_collector)
    )
    if demo:
        keep_demo_imagery_offline(window)
    return window


def keep_demo_imagery_offline(window: MainWindow) -> None:
    """The demo keeps its first organization's two newest surveys offline.

    A new user then sees a real mosaic on the map within a minute, without knowing
    about "Keep offline" yet. It happens after the first sync that brings the
    catalogue, and only while nothing is kept offline (a choice the user made since
    is left alone). Demo only: a real account's imagery is never fetched unasked.
    """

    from app.files.demo import recent_survey_pins

    done = False

    def after_sync(_summary: object) -> None:
        if not done:
            window.tasks.run_in_background(lambda: recent_survey_pins(window.store), keep)

    def keep(pins: list[Pin]) -> None:
        nonlocal done
        if done or not pins:
            return  # already settled, or nothing synced yet: try after the next sync
        done = True
        window.controller.finished.disconnect(after_sync)
        if window.store.pins():
            return  # the user chose what to keep offline
        for pin in pins:
            window.store.add_pin(pin)
        window.downloads.files_changed.emit(None)  # the table's offline column
        window.downloads.start()

    window.controller.finished.connect(after_sync)


def open_window_store(path: Path, *, cold_start: bool) -> Store | None:
    """The window's store; None when it cannot be opened (a dialog said why).

    On a cold start over a sound, current file, a store that answers the first frame
    from a glance (`app.store.glance`) and opens for real after the first paint
    (`finish_opening`): SQLAlchemy, the health check and the sync lock wait until the
    window is on screen. Anything else goes through `open_store` and its dialogs.
    """
    glance = Glance.take(path) if cold_start else None
    if glance is None:
        return open_store(path)
    # An OpeningStore has every method of a Store (those it does not answer itself go
    # to the store it opens), so the window takes it as one.
    return cast("Store", OpeningStore(glance))


# Imported on a worker after the first paint (see `run`): the store proper with
# SQLAlchemy, and the session's network and keyring stack.
PRELOADED_MODULES = ("app.store.store", "app.account.session", "httpx", "keyring")


def preload_modules() -> None:
    """Import what the session needs, off the UI thread. Nothing is created: a module
    that fails to load here fails again where it is used, and says so there."""
    for name in PRELOADED_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # reported where the module is first used
            log.debug("preloading %s failed", name, exc_info=True)


def finish_opening(store: Store) -> bool:
    """Open the store a first frame was drawn from; False (logged) when it cannot be."""
    if not isinstance(store, OpeningStore) or store.is_open:
        return True
    try:
        store.finish()
    except StoreError as error:
        log.warning("the local database could not be opened after the first frame: %s", error)
        return False
    return True


def open_store(path: Path) -> Store | None:
    """Open the database, or explain in a dialog why not (None)."""
    try:
        return open_for_window(path)  # a damaged file: the rebuild question
    except NewerDatabaseError as error:
        title, text = "FieldDesk is out of date", str(error)
    except CorruptDatabaseError as error:
        title, text = "The FieldDesk database is damaged", str(error)
    except StoreError as error:
        title, text = "FieldDesk cannot open its database", str(error)
    log.error("%s: %s", title, text)
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close)
    make_plain(box)  # the error may quote a path or SQLite's own words
    box.setInformativeText(f"Database: {path}")
    box.exec()
    return None


def build_session(
    settings: QSettings,
    *,
    server_url: str | None,
    token_provider: Any | None = None,
    demo: bool = False,
    account: str | None = None,
    oauth: OAuthSettings | None = None,
    tasks: TaskManager | None = None,
) -> AppSession:
    """The account, connection and auto-sync of this run.

    The demo and the smoke test hand in a token; it is kept in memory only (never in
    the user's keyring) and `FIELDDESK_TOKEN` does not apply to them.
    """
    from app.account.session import OAuthSettings
    from app.ui.session.session import AppSession, MemoryKeyring

    throwaway = demo or token_provider is not None
    session = AppSession(
        settings=settings,
        server_url=server_url,
        oauth=oauth or OAuthSettings(*config.oauth_client()),
        keyring_backend=MemoryKeyring() if throwaway else None,
        environ={} if throwaway else None,
        tasks=tasks,
    )
    if token_provider is not None:
        session.accept_token(token_provider.access_token(), account)
    return session


def run(
    *,
    data_dir: Path,
    server_url: str | None,
    token_provider: Any | None = None,
    demo: bool = False,
    account: str | None = None,
    settings: QSettings | None = None,
    on_window: Callable[[MainWindow], None] | None = None,
    oauth: OAuthSettings | None = None,
) -> int:
    """Show the window over the database in `data_dir` and run until it closes.

    `on_window` is called with the first window once its session is attached (after
    its first paint). `token_provider` (the demo, the smoke test) signs in with its
    token for this run only; otherwise the stored sign-in for the server is used, if
    any. A sign-out that asked to remove the local data closes the window; the
    database is deleted once the store is closed, and the window opens again on an
    empty one.
    """
    app = ensure_application()
    # One FieldDesk per data directory: a second launch brings this one forward.
    instance = SingleInstance(data_dir, parent=app)
    if not instance.claim(sys.argv[1:]):
        return 0
    settings = settings or app_settings()
    tasks = TaskManager(app)
    # The session (the keyring, the HTTP stack) is built after the first window's first
    # paint: a cold start shows the catalogue without waiting for them.
    session: AppSession | None = None
    reopen = False  # the first frame's store could not be opened after all
    preloaded = False  # the session's modules: loaded off the UI thread once

    def start_session(window: MainWindow, first: bool) -> None:
        nonlocal session, reopen, preloaded
        if window is not shown[-1] or not window.isVisible():
            return  # that window closed right after its first paint
        if not preloaded:
            # What comes next (SQLAlchemy and the store proper, the HTTP stack, the
            # keyring) is imported on a worker while the window stays live; the rest
            # of this function then runs without loading them on the UI thread. Any
            # free network thread will do: the store pool's may be waiting for the very
            # store this opens.
            preloaded = True
            carry_on = partial(start_session, window, first)
            tasks.run_in_background(
                preload_modules,
                lambda _none: carry_on(),
                on_error=lambda _error: carry_on(),  # logged there; opening says why
                pool=NETWORK,
            )
            return
        if not finish_opening(window.store):
            reopen = True  # the usual path, with its dialogs, says what is wrong
            window.close()
            QApplication.exit(0)
            return
        if session is None:
            session = build_session(
                settings,
                server_url=server_url,
                token_provider=token_provider,
                demo=demo,
                account=account,
                oauth=oauth,
                tasks=tasks,
            )
        engine = window.controller.runner_factory
        assert isinstance(engine, EngineFactory)
        session.adopt_engine(engine)
        session.attach(window)
        session.start()  # after the window: start-up never waits for the network
        # After the first frame too: a full collection of everything start-up made
        # delayed it by tens of milliseconds.
        calm_garbage_collector()
        if first and on_window is not None:
            on_window(window)  # a window wired to its session, as callers expect

    shown: list[MainWindow] = []
    instance.activation_requested.connect(
        lambda _args: bring_to_front(shown[-1]) if shown else None
    )
    try:
        while True:
            first = not shown
            store = open_window_store(data_dir / DB_FILENAME, cold_start=first and not reopen)
            if store is None:
                return 1
            reopen = False
            window: MainWindow | None = None
            try:
                window = build_window(store, settings, tasks=tasks, demo=demo)
                window.sync.toolbar.show_account_pending()  # until the session attaches
                shown.append(window)
                if demo:
                    # The display name ends every title (see MainWindow.set_title_note).
                    QApplication.setApplicationDisplayName("FieldDesk — demo")
                    window.set_title_note(None)
                show_read_only(window, store)
                QuitGuard(window, window.controller)  # closing during a sync finishes it first
                if first:
                    watch_first_window(window)
                after_first_paint(window, partial(start_session, window, first))
                window.show()
                code = app.exec()
            finally:
                if session is not None:
                    session.detach()
                stopped = shutdown(window.controller if window is not None else None, store)
            if reopen and code == 0:
                shown.clear()  # that window is gone; the next is a first window again
                if window is not None:
                    window.deleteLater()  # with its timers, which still read its store
                continue
            if code != 0 or session is None or not session.take_remove_data_request():
                return code
            if not stopped:
                log.warning("a sync was still running; the local data was not removed")
                return code
            from app.ui.session.session import remove_local_database

            remove_local_database(data_dir)  # the store is closed: nothing writes to it
    finally:
        if session is not None:
            session.stop()
        # Network steps (a probe, a revoke) get a moment to end; their threads never
        # keep FieldDesk from quitting.
        tasks.wait(QUIT_WAIT_MS, NETWORK)
        instance.close()


def run_from_args(args: argparse.Namespace) -> int:
    """`fielddesk [--demo] [--server URL] [--data-dir DIR]` (`--smoke-test` is handled by
    `app.smoke` before this is reached)."""
    log_dir = (
        Path(args.data_dir)
        if args.data_dir
        else config.default_data_dir(demo=True)
        if args.demo
        else config.resolve_data_dir(None)
    )
    setup = logs.configure_logging(log_dir, debug=bool(getattr(args, "debug", False)))
    logs.route_qt_messages(
        early.report_qt_failure
    )  # before the QApplication: a platform failure is explained
    quit_on_signals(ensure_application())
    CrashHandler(log_file=setup.log_file).install()
    with ExitStack() as stack:
        if args.demo:
            from app.account.session import OAuthSettings
            from app.api.auth import StaticTokenProvider
            from app.simulator import Simulator, SimulatorConfig

            # The demo account changes every half minute, so mosaics visibly arrive,
            # change and disappear.
            simulator = Simulator(SimulatorConfig(size="demo", seed=1, live_interval=30.0)).start()
            stack.callback(simulator.stop)
            server: str | None = simulator.graphql_url
            provider: Any | None = StaticTokenProvider(simulator.demo_token)
            account: str | None = simulator.demo_user_email
            # "Sign in with FieldAgent" works against the simulator too.
            oauth: OAuthSettings | None = OAuthSettings(
                simulator.oauth_client_id, simulator.oauth_client_secret
            )
            data_dir = Path(args.data_dir) if args.data_dir else config.default_data_dir(demo=True)
        else:
            server = config.resolve_server_url(args.server)
            provider, account, oauth = None, None, None
            data_dir = config.resolve_data_dir(args.data_dir)
        return run(
            data_dir=data_dir,
            server_url=server,
            token_provider=provider,
            demo=bool(args.demo),
            account=account,
            oauth=oauth,
        )
