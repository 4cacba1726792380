"""FieldDesk's main window: catalogue tree, mosaics table, details, sync controls.

It opens from the local store alone (no network), so it is usable offline from the first
frame. Syncs run on the worker thread (`SyncController`); their ChangeSets are coalesced
and applied to the models in place (see `live.py`, `mosaic_model.py`). What the window
remembers lives in the `QSettings` it is given.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app import settings as options
from app.domain import ChangeSet, Scope, ScopeKind
from app.store import Store
from app.sync.worker import RunnerFactory, SyncController
from app.ui import settings as keys
from app.ui.background import BackgroundJobs
from app.ui.banner import Banner
from app.ui.catalogue import NodeData
from app.ui.connection_state import Connection
from app.ui.details import DetailsPane
from app.ui.filter_bar import FilterBar
from app.ui.icons import icon
from app.ui.live import ChangeCoalescer
from app.ui.mosaic_model import MosaicTableModel
from app.ui.problems import ProblemsDialog
from app.ui.status import SyncStatus
from app.ui.toolbar import MainToolbar
from app.ui.tree_model import CatalogueTreeModel
from app.ui.tree_proxy import CatalogueFilterProxy
from app.ui.views import MosaicTableView
from app.ui.window_account import SIGN_IN_ACTION, AccountMixin
from app.ui.window_parts import ClientFactory
from app.ui.window_query import QueryMixin
from app.ui.window_sync import SyncMixin
from app.ui.window_tree import TREE_REFRESH_MS, TreeMixin

if TYPE_CHECKING:
    from app.sync.retry import RetryPolicy

log = logging.getLogger(__name__)


class MainWindow(AccountMixin, SyncMixin, TreeMixin, QueryMixin, QMainWindow):
    # What the user asked for through the account menu or the banner; `AppSession`
    # answers them (a window without a session ignores them).
    sign_in_requested = Signal()
    sign_out_requested = Signal()
    settings_requested = Signal()

    def __init__(
        self,
        store: Store,
        *,
        settings: QSettings,
        client_factory: ClientFactory | None = None,
        runner_factory: RunnerFactory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self._client_factory = client_factory
        self._runner_override = runner_factory
        self.setWindowTitle("FieldDesk")
        self.setWindowIcon(icon("app"))
        self.jobs = BackgroundJobs(self)
        self.controller = SyncController(self._make_runner, self)
        self.coalescer = ChangeCoalescer(parent=self)
        self._connection = Connection.UNKNOWN
        self._connection_since: datetime | None = None
        self._connection_reason: str | None = None
        self._scope: NodeData | None = None
        self._scope_deleted = False
        self._tree_busy = False
        self._tree_dirty = False
        self._tree_timer = QTimer(self)
        self._tree_timer.setSingleShot(True)
        self._tree_timer.setInterval(TREE_REFRESH_MS)
        self._tree_timer.timeout.connect(self._tree_timer_fired)
        self._merging_tree = False
        self._live_current: str | None = None
        self._problems: ProblemsDialog | None = None
        self._default_splitter = True  # no saved splitter sizes: place them on first show
        self.sync_concurrency = options.CONCURRENCY.default  # scopes fetched at once
        self.sync_retry: RetryPolicy | None = None  # None: the engine's default

        self.toolbar = MainToolbar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self._build_centre()
        self.status = SyncStatus(self.statusBar(), store.last_successful_sync_at)
        self._connect()
        self._restore_settings()
        self.refresh_tree_now()
        self._restore_scope()
        self.show_stored_problems()
        self._update_sync_actions()

    # -- construction ---------------------------------------------------------------
    def _build_centre(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)

        left = QWidget(self.splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        self.tree_filter = QLineEdit(left)
        self.tree_filter.setPlaceholderText("Filter organizations, fields, surveys")
        self.tree_filter.setClearButtonEnabled(True)
        self.tree_filter.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.tree_model = CatalogueTreeModel(self)
        self.tree_proxy = CatalogueFilterProxy(self)
        self.tree_proxy.setSourceModel(self.tree_model)
        self.tree = QTreeView(left)
        self.tree.setMinimumWidth(150)
        self.tree.setModel(self.tree_proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setIconSize(QSize(16, 16))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        left_layout.addWidget(self.tree_filter)
        left_layout.addWidget(self.tree, 1)

        centre = QWidget(self.splitter)
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 6, 0, 6)
        self.banner = Banner(centre)
        self.filter_bar = FilterBar(centre)
        self.mosaics = MosaicTableModel(self.store, self.jobs, self)
        self.mosaics.survey_in_scope = self.tree_model.survey_in_scope
        self.table = MosaicTableView(centre)
        self.table.setModel(self.mosaics)
        self.table.apply_default_widths()
        self.centre_stack = QStackedWidget(centre)
        self.centre_stack.addWidget(self.table)
        self.centre_stack.addWidget(self._build_notice(centre))
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.filter_bar)
        centre_layout.addWidget(self.centre_stack, 1)

        self.details = DetailsPane(self.splitter)
        self.details.setMinimumWidth(170)
        for number, widget in enumerate((left, centre, self.details)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(number, (0, 1, 0)[number])
        self.setCentralWidget(self.splitter)

    def _build_notice(self, parent: QWidget) -> QWidget:
        """The page shown instead of the table when it has nothing to show, and why."""
        page = QWidget(parent)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.notice_icon = QLabel(page)
        self.notice_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice_title = QLabel(page)
        self.notice_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.notice_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.notice_title.setFont(font)
        self.notice_text = QLabel(page)
        self.notice_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice_text.setWordWrap(True)
        self.notice_button = QPushButton(page)
        self.notice_button.hide()
        self.notice_button.clicked.connect(self.filter_bar.clear)
        for widget in (self.notice_icon, self.notice_title, self.notice_text):
            layout.addWidget(widget)
        layout.addWidget(self.notice_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    def _connect(self) -> None:
        self.toolbar.sync_all.triggered.connect(lambda: self.start_sync(Scope.everything()))
        self.toolbar.sync_everything.triggered.connect(lambda: self.start_sync(Scope.everything()))
        self.toolbar.sync_organization.triggered.connect(
            lambda: self._sync_selected(ScopeKind.ORGANIZATION)
        )
        self.toolbar.sync_field.triggered.connect(lambda: self._sync_selected(ScopeKind.FIELD))
        self.toolbar.sync_survey.triggered.connect(lambda: self._sync_selected(ScopeKind.SURVEY))
        self.toolbar.cancel.triggered.connect(self.cancel_sync)
        self.toolbar.sign_in_action.triggered.connect(self.sign_in_requested)
        self.toolbar.sign_out_action.triggered.connect(self.sign_out_requested)
        self.toolbar.settings_action.triggered.connect(self.settings_requested)
        self.addAction(self.toolbar.settings_action)  # Ctrl+, with the menu closed
        self.banner.action_requested.connect(self._on_banner_action)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_filter)
        self.tree_filter.textChanged.connect(self._filter_tree)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current)
        self.filter_bar.changed.connect(self.reload_query)
        self.filter_bar.text.returnPressed.connect(self.filter_bar.flush)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._after_sort_click)
        self.mosaics.live_edit_started.connect(self._before_live_edit)
        self.mosaics.live_edit_finished.connect(self._after_live_edit)
        self.mosaics.mosaics_viewed.connect(self.refresh_tree)
        self.banner.details_requested.connect(self.show_problems)
        self.details.copied.connect(
            lambda text: self.statusBar().showMessage(f"Copied {text}", 3000)
        )
        self.controller.started.connect(self._on_sync_started)
        self.controller.progress.connect(self.status.update)
        self.controller.changes.connect(self._on_change)
        self.controller.finished.connect(self._on_sync_finished)
        self.coalescer.batch.connect(self._on_batch)

    def focus_filter(self) -> None:
        self.filter_bar.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.text.selectAll()

    def _on_banner_action(self, name: str) -> None:
        if name == SIGN_IN_ACTION:
            self.sign_in_requested.emit()

    # -- close ------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._default_splitter:  # first run: the extra width goes to the table
            self._default_splitter = False
            tree, details = 330, 320
            self.splitter.setSizes([tree, max(300, self.width() - tree - details), details])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        if self.controller.is_running:
            self.status.cancelling()
        self.controller.shutdown()
        self.jobs.wait(10_000)
        if self._problems is not None:
            self._problems.close()
        super().closeEvent(event)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue(keys.GEOMETRY, self.saveGeometry())
        s.setValue(keys.WINDOW_STATE, self.saveState())
        s.setValue(keys.SPLITTER, self.splitter.saveState())
        s.setValue(keys.TABLE_HEADER, self.table.horizontalHeader().saveState())
        s.setValue(keys.SORT_KEY, self.mosaics.query.sort.value)
        s.setValue(keys.SORT_DESCENDING, self.mosaics.query.descending)
        if self._scope is not None and not self._scope_deleted:
            s.setValue(keys.SCOPE, f"{self._scope.kind.value}:{self._scope.sentera_id or ''}")
        s.sync()

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = keys.read_bytes(s, keys.GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1380, 820)
        state = keys.read_bytes(s, keys.WINDOW_STATE)
        if state is not None:
            self.restoreState(state)
        splitter = keys.read_bytes(s, keys.SPLITTER)
        self._default_splitter = splitter is None or not self.splitter.restoreState(splitter)
        header = keys.read_bytes(s, keys.TABLE_HEADER)
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        self.restore_sort(
            keys.read_str(s, keys.SORT_KEY), keys.read_bool(s, keys.SORT_DESCENDING, True)
        )

    # -- live changes ---------------------------------------------------------------
    def _on_change(self, change: ChangeSet) -> None:
        self.status.add_changes(change)
        self.coalescer.add(change)

    def _on_batch(self, changes: list[ChangeSet]) -> None:
        self.status.show_counts()
        self._check_scope_deleted(changes)
        self.mosaics.apply_changes(changes)
        self._refresh_selected_details(changes)
        self.refresh_tree()

    def show_problems(self) -> None:
        if self._problems is None:
            self._problems = ProblemsDialog(self.store, self.tree_model.snapshot.names, self)
        else:
            self._problems.reload()
        self._problems.show()
        self._problems.raise_()
        self._problems.activateWindow()
