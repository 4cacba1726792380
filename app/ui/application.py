"""Starting the window: QApplication, the local store, the main window, the event loop.

The window is built from the store alone, so it opens instantly and offline; the server
and token only decide whether Sync is offered. A database FieldDesk cannot open (written
by a newer version, corrupt, unreadable) is explained in a dialog, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import config
from app.store import DB_FILENAME, Store
from app.store.errors import CorruptDatabaseError, NewerDatabaseError, StoreError
from app.sync.events import Outcome, RunSummary, SyncScope
from app.ui import settings as keys
from app.ui.icons import icon
from app.ui.toolbar import ConnectionState
from app.ui.window import MainWindow

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_MS = 120_000


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
    """The INI file the command line also reads (`app.config.settings_path`)."""
    return QSettings(str(config.settings_path()), QSettings.Format.IniFormat)


def build_window(
    store: Store,
    client_factory: Callable[[], Any] | None,
    settings: QSettings,
    *,
    account: str | None = None,
) -> MainWindow:
    """The main window over `store`; `client_factory` None means signed out."""
    window = MainWindow(store, settings=settings, client_factory=client_factory)
    window.set_account(account)
    window.controller.finished.connect(
        lambda _summary: QTimer.singleShot(0, calm_garbage_collector)
    )
    return window


def open_store(path: Path) -> Store | None:
    """Open the database, or explain in a dialog why not (None)."""
    try:
        return Store.open(path)
    except NewerDatabaseError as error:
        title, text = "FieldDesk is out of date", str(error)
    except CorruptDatabaseError as error:
        title, text = "The FieldDesk database is damaged", str(error)
    except StoreError as error:
        title, text = "FieldDesk cannot open its database", str(error)
    log.error("%s: %s", title, text)
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close)
    box.setInformativeText(f"Database: {path}")
    box.exec()
    return None


def run(
    *,
    data_dir: Path,
    server_url: str | None,
    token_provider: Any | None,
    demo: bool = False,
    account: str | None = None,
    settings: QSettings | None = None,
    on_window: Callable[[MainWindow], None] | None = None,
) -> int:
    """Show the window over the database in `data_dir` and run until it closes."""
    app = ensure_application()
    store = open_store(data_dir / DB_FILENAME)
    if store is None:
        return 1
    client_factory: Callable[[], Any] | None = None
    if server_url and token_provider is not None:
        from app.api.client import FieldAgentClient

        def client_factory() -> Any:
            return FieldAgentClient(server_url, token_provider)

    try:
        window = build_window(store, client_factory, settings or app_settings(), account=account)
        if demo:
            window.setWindowTitle("FieldDesk — demo")
        window.show()
        calm_garbage_collector()
        if on_window is not None:
            on_window(window)
        return app.exec()
    finally:
        store.close()


def _token_provider(server: str) -> Any | None:
    from app.api.auth import StaticTokenProvider

    token = os.environ.get("FIELDDESK_TOKEN")
    if token:
        return StaticTokenProvider(token)
    try:
        from app.account.session import (  # type: ignore[attr-defined]
            stored_token_provider,
        )
    except ImportError:
        return None
    return stored_token_provider(server)


def run_from_args(args: argparse.Namespace) -> int:
    """`fielddesk [--demo] [--server URL] [--data-dir DIR] [--smoke-test]`."""
    logging.basicConfig(level=logging.DEBUG if getattr(args, "debug", False) else logging.INFO)
    smoke = bool(getattr(args, "smoke_test", False))
    if smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with ExitStack() as stack:
        settings: QSettings | None = None
        if args.demo or smoke:
            from app.api.auth import StaticTokenProvider
            from app.simulator import Simulator, SimulatorConfig

            size = "tiny" if smoke else "demo"
            simulator = Simulator(SimulatorConfig(size=size, seed=1)).start()
            stack.callback(simulator.stop)
            server: str | None = simulator.graphql_url
            provider: Any | None = StaticTokenProvider(simulator.demo_token)
            account: str | None = "Demo account (simulator)"
            data_dir = Path(args.data_dir) if args.data_dir else config.default_data_dir(demo=True)
        else:
            server = config.resolve_server_url(args.server)
            provider = _token_provider(server)
            account = "FieldAgent" if provider is not None else None
            data_dir = config.resolve_data_dir(args.data_dir)
        if smoke:
            if not args.data_dir:
                data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            settings = QSettings(str(data_dir / "smoke.ini"), QSettings.Format.IniFormat)
        result: dict[str, RunSummary] = {}
        hook = _smoke_hook(result) if smoke else _online_hook(server, provider)
        code = run(
            data_dir=data_dir,
            server_url=server,
            token_provider=provider,
            demo=bool(args.demo),
            account=account,
            settings=settings,
            on_window=hook,
        )
        if smoke:
            summary = result.get("summary")
            ok = code == 0 and summary is not None and summary.outcome is Outcome.COMPLETE
            print(f"smoke test: {summary.message if summary else 'no sync result'}")
            return 0 if ok else 1
        return code


def _online_hook(server: str | None, provider: Any | None) -> Callable[[MainWindow], None]:
    def hook(window: MainWindow) -> None:
        if provider is None:
            window.set_connection_state(ConnectionState.UNKNOWN, None, "Not signed in")

    return hook


def _smoke_hook(result: dict[str, RunSummary]) -> Callable[[MainWindow], None]:
    """Start a sync as soon as the window shows; close it when the sync ends."""

    def hook(window: MainWindow) -> None:
        def finished(summary: RunSummary) -> None:
            result["summary"] = summary
            window.close()

        window.controller.finished.connect(finished)
        QTimer.singleShot(0, lambda: window.start_sync(SyncScope.everything()))
        QTimer.singleShot(SMOKE_TIMEOUT_MS, window.close)

    return hook
