"""Imagery offline in the window: pins from context menus, the downloads worker, status.

`DownloadsPresenter` owns the `DownloadController` and the status bar indicator; the
window hands it the catalogue tree and the mosaics table (for their context menus:
"Keep offline", "Stop keeping offline", "Remove from this computer") and the sync
controller (a download pass follows every sync that ended while something is pinned).
`files_changed` tells the panes which mosaics' local state may look different now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPoint, QSettings, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QMenu, QWidget

from app.domain_files import FileState, Pin, PinKind
from app.files.events import CatalogueUpdated, DownloadSummary, FileFinished
from app.files.library import Library
from app.files.runner import PassFactory
from app.files.settings import resolve_library_dir, resolve_quota
from app.store import Store
from app.ui.common.tasks import TaskManager
from app.ui.downloads.controller import DownloadController
from app.ui.downloads.indicator import DownloadsIndicator
from app.ui.downloads.states import OfflineStates
from app.ui.downloads.storage_page import StoragePage

log = logging.getLogger(__name__)

_TREE_KINDS = {"all": PinKind.ALL, "organization": PinKind.ORGANIZATION,
               "field": PinKind.FIELD, "survey": PinKind.SURVEY}  # fmt: skip


class DownloadsPresenter(QObject):
    files_changed = Signal(object)  # frozenset[str] of mosaic ids, or None for "any"
    message = Signal(str)

    def __init__(
        self,
        store: Store,
        *,
        client_factory: Callable[[], Any],
        tasks: TaskManager,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._client_factory = client_factory  # -> the account's client factory, or None
        root = resolve_library_dir(None, store.path.parent)
        self.factory = PassFactory(store, root, resolve_quota(None, root))
        self.controller = DownloadController(self.factory, self)
        self.indicator = DownloadsIndicator()
        self.indicator.cancel_requested.connect(self.controller.cancel)
        self.controller.started.connect(self.indicator.started)
        self.controller.progress.connect(self.indicator.show_progress)
        self.controller.file_finished.connect(self._on_file_finished)
        self.controller.catalogue_updated.connect(self._on_catalogue_updated)
        self.controller.finished.connect(self._on_finished)
        self.states = OfflineStates(lambda: self.library, tasks, self)
        self.files_changed.connect(self.states.reload)

    @property
    def library(self) -> Library:
        return self.factory.library

    # -- running ------------------------------------------------------------------------

    def start(self, survey_id: str | None = None) -> bool:
        """A download pass now, if signed in, idle, and something is kept offline."""
        self.factory.client_factory = self._client_factory()
        if self.factory.client_factory is None or not self.store.pins():
            return False
        return self.controller.start(survey_id)

    def after_sync(self, _summary: object) -> None:
        self.start()

    def _on_file_finished(self, event: FileFinished) -> None:
        self.files_changed.emit(frozenset({event.mosaic_id}))

    def _on_catalogue_updated(self, event: CatalogueUpdated) -> None:
        self.files_changed.emit(event.mosaic_ids)

    def _on_finished(self, summary: DownloadSummary) -> None:
        self.indicator.show_summary(summary)
        self.files_changed.emit(None)
        if summary.message and not summary.cancelled:
            self.message.emit(summary.message)

    # -- pins ---------------------------------------------------------------------------

    def keep_offline(self, kind: PinKind, target_id: str) -> None:
        self.store.add_pin(Pin(kind, target_id))
        self.start()

    def stop_keeping(self, kind: PinKind, target_id: str) -> None:
        self.store.remove_pin(kind, target_id)
        self.files_changed.emit(None)

    def is_kept(self, kind: PinKind, target_id: str) -> bool:
        return any(p.kind is kind and p.target_id == target_id for p in self.store.pins())

    def remove_from_computer(self, mosaic_ids: list[str]) -> int:
        """Unpin these mosaics and delete their files; returns how many files went.

        A broader pin (their survey, say) would bring them back: the message says so.
        """
        removed = 0
        for mosaic_id in mosaic_ids:
            self.store.remove_pin(PinKind.MOSAIC, mosaic_id)
            if self.library.state(mosaic_id) in (FileState.PRESENT, FileState.PARTIAL):
                removed += int(self.library.remove(mosaic_id))
        still = set(mosaic_ids) & set(self.store.pinned_mosaic_ids())
        if still:
            self.message.emit(
                f"{len(still)} of these mosaics are kept offline with their survey, field or "
                "organization, and will download again; stop keeping that offline first."
            )
        self.files_changed.emit(frozenset(mosaic_ids))
        return removed

    # -- context menus ------------------------------------------------------------------

    def install_tree_menu(self, tree: QAbstractItemView, kind_role: int, id_role: int) -> None:
        def menu_at(point: QPoint) -> None:
            index = tree.indexAt(point)
            kind = _TREE_KINDS.get(str(index.data(kind_role))) if index.isValid() else None
            if kind is None:
                return
            target = "" if kind is PinKind.ALL else str(index.data(id_role) or "")
            self.tree_menu(kind, target, tree).popup(tree.viewport().mapToGlobal(point))

        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(menu_at)

    def tree_menu(self, kind: PinKind, target_id: str, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        if self.is_kept(kind, target_id):
            stop = menu.addAction("Stop keeping offline")
            stop.triggered.connect(lambda: self.stop_keeping(kind, target_id))
        else:
            label = "Keep all imagery offline" if kind is PinKind.ALL else "Keep offline"
            keep = menu.addAction(label)
            keep.triggered.connect(lambda: self.keep_offline(kind, target_id))
        return menu

    def install_table_menu(self, table: QAbstractItemView, id_of: Callable[[int], Any]) -> None:
        def menu_at(point: QPoint) -> None:
            rows = sorted({i.row() for i in table.selectionModel().selectedRows()})
            if not rows and table.indexAt(point).isValid():
                rows = [table.indexAt(point).row()]
            ids = [str(i) for i in (id_of(row) for row in rows) if i]
            if ids:
                self.table_menu(ids, table).popup(table.viewport().mapToGlobal(point))

        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(menu_at)

    def table_menu(self, mosaic_ids: list[str], parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        keep = menu.addAction("Keep offline")
        keep.triggered.connect(lambda: self._keep_mosaics(mosaic_ids))
        remove = menu.addAction("Remove from this computer")
        remove.triggered.connect(lambda: self.remove_from_computer(mosaic_ids))
        return menu

    def _keep_mosaics(self, mosaic_ids: list[str]) -> None:
        for mosaic_id in mosaic_ids:
            self.store.add_pin(Pin(PinKind.MOSAIC, mosaic_id))
        self.start()

    # -- settings -----------------------------------------------------------------------

    def storage_page(self) -> StoragePage:
        return StoragePage(self.library, self.factory.quota)

    def apply_storage(self, page: StoragePage, settings: QSettings) -> None:
        """The Settings dialog was accepted: keep the folder and budget, use them next."""
        page.save(settings)
        self.factory.library_root = page.library_root()
        self.factory.quota = page.quota()
