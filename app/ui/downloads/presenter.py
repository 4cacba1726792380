"""Imagery offline in the window: pins from context menus, the downloads worker, status.

`DownloadsPresenter` owns the `DownloadController` and the status bar indicator; it
appends its entries ("Keep offline", "Stop keeping offline", "Remove from this
computer") to the window's context menus through their hook, and the window hands it
the sync controller (a download pass follows every sync that ended while something is
pinned).
`files_changed` tells the panes which mosaics' local state may look different now.
Each pass takes turns from an adaptive limiter (the sync's, `app.sync.limiter`): up to
`MOST_DOWNLOADS` at once on a far host, fewer on one that answers 429/503; the host's
backoff, and what a pass learnt of it, carry over to the next pass of this window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMenu, QWidget

from app.domain_files import FileState, Pin, PinKind
from app.files.runner import PassFactory
from app.files.settings import resolve_library_dir, resolve_quota
from app.sync.backoff import ServerBackoff
from app.ui.downloads.controller import DownloadController
from app.ui.downloads.indicator import DownloadsIndicator
from app.ui.downloads.states import OfflineStates
from app.ui.downloads.storage_page import StoragePage

if TYPE_CHECKING:
    from app.files.events import CatalogueUpdated, DownloadSummary, FileFinished
    from app.files.library import Library
    from app.files.pacing import RequestLimiter
    from app.store import Store
    from app.ui.common.tasks import TaskManager

log = logging.getLogger(__name__)

# The most downloads in flight; the limiter starts at four (what used to be fixed).
MOST_DOWNLOADS = 8

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
        self.factory.concurrency = MOST_DOWNLOADS
        self.file_host = ServerBackoff()  # the signed links' host, for every pass
        self.factory.limiter_factory = self._limiter
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

    def _limiter(self, maximum: int) -> RequestLimiter:
        # Imported when a pass starts: the limiter brings the API's errors (and with them
        # the HTTP stack), which the window's first frame does not need.
        from app.sync.limiter import AdaptiveLimiter

        return AdaptiveLimiter(maximum, backoff=self.file_host, resume=True)

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

    def add_context_actions(self, menu: QMenu, kind: str, sentera_ids: Sequence[str]) -> None:
        """Append this layer's entries to the window's context menu (its hook).

        `kind` is what was right-clicked: "all", "organization", "field", "survey" or
        "mosaic" (the table's selection, `sentera_ids`). One menu per view: these
        entries follow the window's own, after a separator.
        """
        if kind == "mosaic":
            if sentera_ids:
                menu.addSeparator()
                self.add_table_actions(menu, list(sentera_ids))
            return
        pin_kind = _TREE_KINDS.get(kind)
        if pin_kind is None or (pin_kind is not PinKind.ALL and not sentera_ids):
            return
        menu.addSeparator()
        self.add_tree_actions(menu, pin_kind, "" if pin_kind is PinKind.ALL else sentera_ids[0])

    def tree_menu(self, kind: PinKind, target_id: str, parent: QWidget) -> QMenu:
        """A menu with only this layer's entries for a tree entry."""
        menu = QMenu(parent)
        self.add_tree_actions(menu, kind, target_id)
        return menu

    def add_tree_actions(self, menu: QMenu, kind: PinKind, target_id: str) -> None:
        if self.is_kept(kind, target_id):
            stop = menu.addAction("Stop keeping offline")
            stop.triggered.connect(lambda: self.stop_keeping(kind, target_id))
        else:
            label = "Keep all imagery offline" if kind is PinKind.ALL else "Keep offline"
            keep = menu.addAction(label)
            keep.triggered.connect(lambda: self.keep_offline(kind, target_id))

    def table_menu(self, mosaic_ids: list[str], parent: QWidget) -> QMenu:
        """A menu with only this layer's entries for the table's selected mosaics."""
        menu = QMenu(parent)
        self.add_table_actions(menu, mosaic_ids)
        return menu

    def add_table_actions(self, menu: QMenu, mosaic_ids: list[str]) -> None:
        keep = menu.addAction("Keep offline")
        keep.triggered.connect(lambda: self._keep_mosaics(mosaic_ids))
        remove = menu.addAction("Remove from this computer")
        remove.triggered.connect(lambda: self.remove_from_computer(mosaic_ids))

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
