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
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QVBoxLayout, QWidget

from app.domain import ChangeSet, ScopeKind
from app.domain_files import Pin, PinKind
from app.ui.catalogue.pane import CataloguePane
from app.ui.common import settings as keys
from app.ui.common.connection_state import Connection
from app.ui.common.formatting import set_unit_choice
from app.ui.common.icons import icon
from app.ui.common.tasks import STORE, TaskManager
from app.ui.context_menus import ContextMenus, ContextTarget, mosaic_target, tree_target
from app.ui.dialogs.problems import ProblemsDialog
from app.ui.downloads.presenter import DownloadsPresenter
from app.ui.map.pane import MapPane
from app.ui.map.source import CurrentLibrary, StoreMapSource
from app.ui.menubar import MenuBar
from app.ui.mosaics.pane import MosaicsPane
from app.ui.sync.presenter import SyncPresenter
from app.ui.window_commands import WindowCommands
from app.units import UNIT_SYSTEM_KEY, UnitChoice, parse_choice

if TYPE_CHECKING:
    from app.files.events import OverallProgress
    from app.store import Store
    from app.sync.worker import SyncController
    from app.ui.catalogue.snapshot import CatalogueSnapshot, NodeData

log = logging.getLogger(__name__)

CLOSE_WAIT_MS = 10_000  # store reads still running when the window closes
DEFAULT_SIZE = (1380, 820)  # the first window, shrunk to fit smaller screens
MINIMUM_SIZE = (760, 480)


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
        self._default_columns = True  # no saved table header: fit columns on first show
        self._first_show = True
        self.set_title_note(None)
        self.setWindowIcon(icon("app"))
        self.setMinimumSize(*MINIMUM_SIZE)
        set_unit_choice(parse_choice(settings.value(UNIT_SYSTEM_KEY, UnitChoice.AUTO.value)))

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
        self.menus = MenuBar(self.menuBar(), self, self.sync.toolbar)
        self.commands = WindowCommands(self)
        self.context_menus = ContextMenus(
            can_sync=lambda: self.sync.can_sync()[0],
            online=lambda: self.sync.connection is Connection.ONLINE,
            parent=self,
        )
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
        for widget in (self.catalogue, centre, self.side):
            self.splitter.addWidget(widget)
        # After all three are in: the table takes extra width, the tree and details keep
        # theirs (set per index while adding, it landed on the wrong pane).
        for number, stretch in enumerate((0, 1, 0)):
            self.splitter.setStretchFactor(number, stretch)
        self.setCentralWidget(self.splitter)

    def _connect(self) -> None:
        catalogue, mosaics, sync = self.catalogue, self.mosaics, self.sync
        self.addAction(sync.toolbar.settings_action)  # Ctrl+, with the menu closed
        self._connect_menus()
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
        # One context menu per view: the downloads' entries go into the window's menus.
        self.context_menus.context_actions.connect(
            lambda menu, target: downloads.add_context_actions(
                menu, target.kind, target.sentera_ids
            )
        )
        downloads.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.controller.finished.connect(downloads.after_sync)
        self.mosaics.model.offline = downloads.states.cell
        downloads.states.changed.connect(self.mosaics.model.offline_changed)
        self.catalogue.model.offline = downloads.states.survey_mark
        downloads.states.surveys_changed.connect(self.catalogue.model.offline_changed)
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

    def _connect_menus(self) -> None:
        menus, commands, context = self.menus, self.commands, self.context_menus
        menus.export.triggered.connect(lambda: commands.export())
        menus.quit.triggered.connect(self.close)
        menus.copy.triggered.connect(commands.copy_selection)
        menus.find.triggered.connect(self.mosaics.focus_filter)
        menus.show_catalogue.toggled.connect(self.catalogue.setVisible)
        menus.show_details.toggled.connect(self.side.setVisible)
        menus.problems.triggered.connect(self.show_problems)
        menus.shortcuts.triggered.connect(commands.shortcuts)
        menus.open_logs.triggered.connect(commands.open_log_folder)
        menus.diagnostics.triggered.connect(commands.copy_diagnostics)
        menus.about.triggered.connect(commands.about)
        menus.bind_columns(self.mosaics.table.horizontalHeader())
        tree = self.catalogue.tree

        def tree_target_at(pos: QPoint) -> ContextTarget | None:
            index = tree.indexAt(pos).siblingAtColumn(0)
            tip = index.data(Qt.ItemDataRole.ToolTipRole) if index.isValid() else None
            return tree_target(index, str(tip or ""))

        self.tree_target_at = tree_target_at
        context.attach(tree, tree_target_at)
        model = self.mosaics.model

        def survey_of(sentera_id: str) -> str | None:
            row = model.row_of(sentera_id)
            snapshot = model.snapshot(row) if row is not None else None
            return snapshot.survey_sentera_id if snapshot is not None else None

        self.table_target_at = mosaic_target(self.mosaics.table, survey_of)
        context.attach(self.mosaics.table, self.table_target_at)
        context.sync_requested.connect(self.sync.start_sync)
        context.export_requested.connect(commands.export)
        context.open_web_requested.connect(commands.open_web)
        context.copied.connect(lambda what: self.statusBar().showMessage(f"Copied {what}", 3000))

    # -- what the session or the user changes ------------------------------------------
    def set_title_note(self, note: str | None) -> None:
        """The title: "FieldDesk", or "<note> — FieldDesk".

        The platform adds the application's display name to a title that does not end
        with it already; ending every title with it keeps it from appearing twice
        ("FieldDesk — demo — FieldDesk").
        """
        name = QGuiApplication.applicationDisplayName() or "FieldDesk"
        self.setWindowTitle(f"{note} — {name}" if note else name)

    def set_unit_system(self, choice: UnitChoice) -> None:
        """Show every area in `choice` from now on (the rows are formatted again)."""
        set_unit_choice(choice)
        self.mosaics.model.reload()
        self.mosaics.reload_query()

    def _on_snapshot(self, snapshot: CatalogueSnapshot) -> None:
        self.mosaics.set_catalogue_empty(not snapshot.has_mosaics)

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
            width = self.width()
            # The tree keeps survey names readable; the details re-flow when narrow.
            tree = min(340, max(270, width * 27 // 100))
            # The right-hand column holds the details and the map: on a small screen the
            # table keeps what it needs; each pixel beyond goes 3:2 to the map side.
            side = min(600, max(210, 210 + (width - 1024) * 3 // 5))
            self.splitter.setSizes([tree, max(300, width - tree - side), side])
            self.side.setSizes([260, max(300, self.height() - 260)])
        if self._default_columns:
            self._default_columns = False
            # Once the table is on screen with its real width (it may start behind
            # the "no mosaics yet" page).
            self.mosaics.table.fit_when_shown(self._columns_fitted)
        if self._first_show:
            self._first_show = False
            self.fit_to_screen()  # now that the frame's size is known

    def _columns_fitted(self, hidden: list[int]) -> None:
        if hidden:
            self.menus.bind_columns(self.mosaics.table.horizontalHeader())

    def fit_to_screen(self) -> None:
        """Keep the whole window, status bar included, inside the screen's available
        area (a restored size from a bigger monitor, or the default on a small one)."""
        area = _available_area(self)
        if area is None:
            return
        frame = self.frameGeometry()
        extra_w = max(0, frame.width() - self.width())
        extra_h = max(0, frame.height() - self.height())
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))
        frame = self.frameGeometry()
        x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
        y = min(max(frame.y(), area.top()), area.bottom() + 1 - frame.height())
        if (x, y) != (frame.x(), frame.y()):
            self.move(max(x, area.left()), max(y, area.top()))

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
            area = _available_area(self)
            width, height = DEFAULT_SIZE
            if area is not None:  # 90 % of a small screen, centred
                self.resize(
                    min(width, area.width() * 9 // 10), min(height, area.height() * 9 // 10)
                )
                center = area.center()
                self.move(center.x() - self.width() // 2, center.y() - self.height() // 2)
            else:
                self.resize(width, height)
        self.fit_to_screen()
        state = keys.read_bytes(s, keys.WINDOW_STATE)
        if state is not None:
            self.restoreState(state)
        splitter = keys.read_bytes(s, keys.SPLITTER)
        self._default_splitter = splitter is None or not self.splitter.restoreState(splitter)
        side = keys.read_bytes(s, keys.SIDE_SPLITTER)
        if side is not None:
            self.side.restoreState(side)
        header = keys.read_bytes(s, keys.TABLE_HEADER)
        if header is not None and self.mosaics.table.horizontalHeader().restoreState(header):
            self._default_columns = False
            self.menus.bind_columns(self.mosaics.table.horizontalHeader())
        self.mosaics.restore_sort(
            keys.read_str(s, keys.SORT_KEY), keys.read_bool(s, keys.SORT_DESCENDING, True)
        )


def _available_area(window: QWidget) -> QRect | None:
    """The available area (without panels and docks) of the window's screen."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None or QApplication.instance() is None:
        return None
    area = screen.availableGeometry()
    return area if area.isValid() and not area.isEmpty() else None
