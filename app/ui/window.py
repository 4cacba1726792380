"""FieldDesk's main window: the panes, put side by side and wired together.

    ┌ toolbar (SyncPresenter) ──────────────────────────────────────────────────────┐
    │ CataloguePane │ banner (SyncPresenter)            │ details (MosaicsPane)     │
    │  filter       │ MosaicsPane: filters, table/notice ├───────────────────────────┤
    │  tree         │                                   │ MapPane (app/ui/map)      │
    └ status bar (SyncPresenter) ───────────────────────────────────────────────────┘

Each pane owns its widgets and state; the window only builds them, places them, and
connects their signals (the catalogue's scope drives the mosaics and the map, the
table's selection draws its mosaic on the map, a click on a field in the map selects it
in the tree, the map's "Download" pins and fetches through the downloads presenter,
whose library the map reads its files from; the presenter's coalesced ChangeSets
update them). It opens from the local store alone (no network), so it is usable
offline from the first frame. The `SyncController` is handed in (the session builds it
with the engine's settings); what the window remembers lives in the `QSettings` it is
given.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from app.domain import ChangeSet, ScopeKind
from app.domain_files import Pin, PinKind
from app.files.events import OverallProgress
from app.store import Store
from app.sync.worker import SyncController
from app.ui.catalogue.model import ID_ROLE, KIND_ROLE
from app.ui.catalogue.pane import CataloguePane
from app.ui.catalogue.snapshot import CatalogueSnapshot, NodeData
from app.ui.common import settings as keys
from app.ui.common.icons import icon
from app.ui.common.tasks import STORE, TaskManager
from app.ui.dialogs.problems import ProblemsDialog
from app.ui.downloads.presenter import DownloadsPresenter
from app.ui.map.pane import MapPane
from app.ui.map.source import CurrentLibrary, StoreMapSource
from app.ui.mosaics.pane import MosaicsPane
from app.ui.sync.presenter import SyncPresenter

log = logging.getLogger(__name__)

CLOSE_WAIT_MS = 10_000  # store reads still running when the window closes


class MainWindow(QMainWindow):
    def __init__(
        self,
        store: Store,
        *,
        settings: QSettings,
        controller: SyncController,
        tasks: TaskManager | None = None,
        signed_in: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.controller = controller
        controller.setParent(self)  # one controller per window (and per store)
        self.tasks = tasks or TaskManager(self)
        self.problems_dialog: ProblemsDialog | None = None
        self._default_splitter = True  # no saved splitter sizes: place them on first show
        self.setWindowTitle("FieldDesk")
        self.setWindowIcon(icon("app"))

        self.catalogue = CataloguePane(store, self.tasks)
        self.mosaics = MosaicsPane(store, self.tasks)
        self.mosaics.set_survey_lookup(self.catalogue.model.survey_in_scope)
        # Imagery offline: pins, the downloads worker and its status (app/ui/downloads).
        # Built before the map, which reads its files from the library of the moment.
        self.downloads = DownloadsPresenter(
            store,
            client_factory=lambda: getattr(controller.runner_factory, "client_factory", None),
            tasks=self.tasks,
            parent=self,
        )
        self._download_again = False  # the map asked for a file while a pass was running
        library = CurrentLibrary(lambda: self.downloads.library)
        self.map = MapPane(StoreMapSource(store, library), self.tasks, settings)
        self.sync = SyncPresenter(
            controller, store, self.catalogue, status_bar=self.statusBar(), parent=self
        )
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.sync.toolbar)
        self._place_panes()
        self._connect()
        self._connect_downloads()
        self._restore_settings()
        self.catalogue.refresh_now()
        self.catalogue.restore_scope(keys.read_str(settings, keys.SCOPE))
        self.sync.show_stored_problems()
        self.sync.set_signed_in(signed_in)

    # -- construction ---------------------------------------------------------------
    def _place_panes(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        centre = QWidget(self.splitter)
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 6, 0, 6)
        centre_layout.addWidget(self.sync.banner)
        centre_layout.addWidget(self.mosaics, 1)
        # The right-hand column: the mosaic's details above, the map below (it gets
        # the height: a map is what the agronomist came to look at).
        self.side = QSplitter(Qt.Orientation.Vertical, self.splitter)
        self.side.setChildrenCollapsible(False)
        self.side.addWidget(self.mosaics.details)
        self.side.addWidget(self.map)
        self.side.setStretchFactor(0, 0)
        self.side.setStretchFactor(1, 1)
        self.statusBar().addPermanentWidget(self.map.readout)
        for number, widget in enumerate((self.catalogue, centre, self.side)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(number, (0, 1, 0)[number])
        self.setCentralWidget(self.splitter)

    def _connect(self) -> None:
        catalogue, mosaics, sync = self.catalogue, self.mosaics, self.sync
        self.addAction(sync.toolbar.settings_action)  # Ctrl+, with the menu closed
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(mosaics.focus_filter)
        catalogue.scope_changed.connect(mosaics.set_scope)
        catalogue.scope_changed.connect(lambda _scope: sync.update_actions())
        catalogue.scope_changed.connect(self._show_scope_on_map)
        catalogue.scope_deleted.connect(mosaics.show_scope_deleted)
        mosaics.mosaic_selected.connect(self.map.set_mosaic)
        self.map.field_clicked.connect(lambda field_id: catalogue.choose(ScopeKind.FIELD, field_id))
        self.map.message.connect(lambda text: self.statusBar().showMessage(text, 3000))
        catalogue.snapshot_applied.connect(self._on_snapshot)
        mosaics.mosaics_viewed.connect(catalogue.refresh)
        mosaics.message.connect(lambda text: self.statusBar().showMessage(text, 3000))
        self.controller.running_changed.connect(catalogue.set_throttled)
        self.controller.running_changed.connect(mosaics.set_syncing)
        self.controller.started.connect(lambda _scope: mosaics.update_page())
        sync.batch.connect(self._on_batch)
        sync.run_finished.connect(self._on_run_finished)
        sync.problems_requested.connect(self.show_problems)
        self.tasks.task_failed.connect(sync.report_task_failure)

    def _show_scope_on_map(self, scope: NodeData) -> None:
        """The map follows the tree: an organization's fields, zoomed to the field."""
        chain = self.catalogue.selected_chain()
        org = chain.get(ScopeKind.ORGANIZATION)
        field = chain.get(ScopeKind.FIELD)
        if scope.kind is ScopeKind.ORGANIZATION and scope.sentera_id is not None:
            org = (scope.sentera_id, scope.name)
        self.map.show_place(org[0] if org else None, field[0] if field else None)

    def _connect_downloads(self) -> None:
        downloads = self.downloads
        self.statusBar().addPermanentWidget(downloads.indicator)
        downloads.install_tree_menu(self.catalogue.tree, KIND_ROLE, ID_ROLE)
        downloads.install_table_menu(self.mosaics.table, self.mosaics.model.sentera_id)
        downloads.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.controller.finished.connect(downloads.after_sync)
        self.mosaics.model.offline = downloads.states.cell
        downloads.states.changed.connect(self.mosaics.model.offline_changed)
        downloads.states.reload()
        # The map's prompt: "Download" keeps that mosaic, "Keep offline" its field; the
        # map redraws when its file arrives and shows the pass's progress meanwhile.
        downloads.files_changed.connect(self.map.files_changed)
        downloads.controller.progress.connect(self._show_download_progress)
        downloads.controller.finished.connect(self._after_download_pass)
        self.map.set_downloader(self._download_from_map)

    def _download_from_map(self, mosaic_id: str, keep_field: bool) -> None:
        pin = Pin(PinKind.MOSAIC, mosaic_id)
        if keep_field:
            detail = self.store.mosaic(mosaic_id)
            if detail is not None:
                pin = Pin(PinKind.FIELD, detail.field_sentera_id)
        self.store.add_pin(pin)
        if self.downloads.start():
            return
        if self.downloads.controller.is_running:
            self._download_again = True  # this pass was planned without the new pin
        else:
            self.map.files_changed(frozenset({mosaic_id}))  # back to the prompt
            self.statusBar().showMessage("Sign in to download imagery.", 8000)

    def _show_download_progress(self, progress: OverallProgress) -> None:
        self.map.set_download_progress(progress.files_done, progress.files_total)

    def _after_download_pass(self, _summary: object) -> None:
        if self._download_again:
            self._download_again = False
            self.downloads.start()

    def _on_snapshot(self, snapshot: CatalogueSnapshot) -> None:
        self.mosaics.set_catalogue_empty(snapshot.total_mosaics == 0)

    def _on_batch(self, changes: list[ChangeSet]) -> None:
        self.catalogue.check_deleted(changes)
        self.mosaics.apply_changes(changes)
        self.catalogue.refresh()

    def _on_run_finished(self, _summary: object) -> None:
        self.catalogue.refresh(now=True)
        self.map.reload()  # outlines (and files) may have arrived
        self.mosaics.refresh_filter_values()  # new mosaic types or qualities may have arrived
        self.mosaics.update_page()

    def show_problems(self) -> None:
        if self.problems_dialog is None:
            names = self.catalogue.snapshot.names
            self.problems_dialog = ProblemsDialog(self.store, names, self)
        else:
            self.problems_dialog.reload()
        self.problems_dialog.show()
        self.problems_dialog.raise_()
        self.problems_dialog.activateWindow()

    # -- showing and closing ----------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._default_splitter:  # first run: the extra width goes to the table
            self._default_splitter = False
            tree, side = 300, max(420, int(self.width() * 0.42))
            self.splitter.setSizes([tree, max(300, self.width() - tree - side), side])
            self.side.setSizes([260, max(300, self.height() - 260)])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        if self.controller.is_running:
            self.sync.status.cancelling()
        self.controller.shutdown()
        self.map.shutdown()
        self.downloads.controller.shutdown()  # a .part stays; the next pass resumes it
        if not self.tasks.wait(CLOSE_WAIT_MS, STORE):
            log.warning("store reads were still running when the window closed")
        if self.problems_dialog is not None:
            self.problems_dialog.close()
        super().closeEvent(event)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue(keys.GEOMETRY, self.saveGeometry())
        s.setValue(keys.WINDOW_STATE, self.saveState())
        s.setValue(keys.SPLITTER, self.splitter.saveState())
        s.setValue(keys.TABLE_HEADER, self.mosaics.table.horizontalHeader().saveState())
        s.setValue(keys.SORT_KEY, self.mosaics.model.query.sort.value)
        s.setValue(keys.SORT_DESCENDING, self.mosaics.model.query.descending)
        s.setValue(keys.SIDE_SPLITTER, self.side.saveState())
        self.map.remember_field()
        scope = self.catalogue.saved_scope()
        if scope is not None:
            s.setValue(keys.SCOPE, scope)
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
        side = keys.read_bytes(s, keys.SIDE_SPLITTER)
        if side is not None:
            self.side.restoreState(side)
        header = keys.read_bytes(s, keys.TABLE_HEADER)
        if header is not None:
            self.mosaics.table.horizontalHeader().restoreState(header)
        self.mosaics.restore_sort(
            keys.read_str(s, keys.SORT_KEY), keys.read_bool(s, keys.SORT_DESCENDING, True)
        )
