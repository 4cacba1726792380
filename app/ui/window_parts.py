"""What the parts of the main window share: its widgets, models and state, declared once.

`MainWindow` is split by concern (`window_tree` shows the catalogue, `window_query` the
mosaics, `window_sync` syncs); the mixins derive from this class so each can rely on the
others' widgets and on the few methods they call across the split, and type checkers can
see all of it (for them it is a QMainWindow; at run time it is a plain mixin)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QStackedWidget, QTreeView

from app.store import Store
from app.sync.worker import RunnerFactory, SyncController
from app.ui.background import BackgroundJobs
from app.ui.banner import Banner
from app.ui.catalogue import NodeData
from app.ui.connection_state import Connection
from app.ui.details import DetailsPane
from app.ui.filter_bar import FilterBar
from app.ui.live import ChangeCoalescer
from app.ui.mosaic_model import MosaicTableModel
from app.ui.status import SyncStatus
from app.ui.toolbar import MainToolbar
from app.ui.tree_model import CatalogueTreeModel
from app.ui.tree_proxy import CatalogueFilterProxy
from app.ui.views import MosaicTableView

ClientFactory = Callable[[], object]

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow as _Widget

    from app.sync.retry import RetryPolicy
else:
    # At run time the parts are plain mixins: making each of them a QMainWindow subclass
    # gives shiboken a diamond over a Qt class, and it then hands out bad pointers.
    _Widget = object


class WindowParts(_Widget):
    store: Store
    settings: QSettings
    jobs: BackgroundJobs
    controller: SyncController
    coalescer: ChangeCoalescer
    toolbar: MainToolbar
    banner: Banner
    filter_bar: FilterBar
    mosaics: MosaicTableModel
    table: MosaicTableView
    tree_model: CatalogueTreeModel
    tree_proxy: CatalogueFilterProxy
    tree: QTreeView
    tree_filter: QLineEdit
    details: DetailsPane
    status: SyncStatus
    centre_stack: QStackedWidget
    notice_icon: QLabel
    notice_title: QLabel
    notice_text: QLabel
    notice_button: QPushButton

    _client_factory: ClientFactory | None
    _runner_override: RunnerFactory | None
    sync_concurrency: int
    sync_retry: RetryPolicy | None
    _connection: Connection
    _connection_since: datetime | None
    _connection_reason: str | None
    _scope: NodeData | None
    _scope_deleted: bool
    _live_current: str | None
    _tree_timer: QTimer
    _tree_busy: bool
    _tree_dirty: bool
    _merging_tree: bool

    # Implemented by one part, called by the other.
    def refresh_tree(self, *, now: bool = False) -> None:
        raise NotImplementedError

    def set_scope(self, data: NodeData) -> None:
        raise NotImplementedError

    def update_centre_page(self) -> None:
        raise NotImplementedError

    def refresh_filter_values(self) -> None:
        raise NotImplementedError

    def show_stored_problems(self) -> bool:
        raise NotImplementedError

    def _update_sync_actions(self) -> None:
        raise NotImplementedError

    def show_sign_in_banner(self, text: str) -> None:
        raise NotImplementedError
