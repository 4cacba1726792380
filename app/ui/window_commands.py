"""What the menu bar and the context menus do: export, copy, the Help menu, opening
FieldAgent on the web. The window builds this beside its panes and connects it.

Work that reads many rows (an export) runs on the task manager's store pool; the
rest is instant. Nothing here holds state a pane owns: it asks the panes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app import config, settings
from app.domain import Scope, ScopeKind
from app.store import MosaicQuery
from app.ui.common.formatting import format_count, metric_units
from app.ui.context_menus import ContextTarget, mosaic_rows_text

if TYPE_CHECKING:
    # The dialogs (and the export writers) load when first asked for, not before the
    # window's first frame.
    from app.ui.dialogs.about import AboutDialog, ShortcutsDialog
    from app.ui.dialogs.export import ExportChoice, ExportDialog

log = logging.getLogger(__name__)

_STORE_KINDS = {
    "organization": ScopeKind.ORGANIZATION,
    "field": ScopeKind.FIELD,
    "survey": ScopeKind.SURVEY,
}


class WindowCommands(QObject):
    def __init__(self, window: Any) -> None:
        # The MainWindow (typed loosely: importing it here would be a cycle).
        super().__init__(window)
        self._window: Any = window
        self.export_dialog: ExportDialog | None = None
        self.about_dialog: AboutDialog | None = None
        self.server_url: Callable[[], str] = lambda: ""

    # -- export -------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        table = self._window.mosaics.table
        return sorted({index.row() for index in table.selectionModel().selectedRows()})

    def export(self, target: ContextTarget | None = None) -> ExportDialog:
        """Ask what to export and where; the file is written in the background."""
        window = self._window
        model = window.mosaics.model
        scope_ids: Sequence[str] | None = None
        if target is not None and target.kind in _STORE_KINDS and target.sentera_ids:
            query = MosaicQuery(
                scope=Scope(_STORE_KINDS[target.kind], target.sentera_ids[0]),
                sort=model.query.sort,
                descending=model.query.descending,
            )
            scope_ids = window.store.mosaic_ids(query)
            shown, title = len(scope_ids), f"in “{target.name}”"
        else:
            scope = window.catalogue.scope
            shown, title = model.rowCount(), f"in “{scope.name}”" if scope else "in the table"
        selected = [] if scope_ids is not None else self.selected_rows()
        from app.ui.dialogs.export import ExportDialog

        dialog = ExportDialog(shown=shown, selected=len(selected), title=title, parent=window)
        self.export_dialog = dialog

        def finished(result: int) -> None:
            self.export_dialog = None
            if result == ExportDialog.DialogCode.Accepted:
                choice = dialog.choice()
                if scope_ids is not None:
                    ids: Sequence[str] = scope_ids
                elif choice.selection:
                    ids = [model.sentera_id(row) or "" for row in selected]
                else:
                    ids = list(model.ids())
                self.write_export(list(ids), choice)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def write_export(self, ids: list[str], choice: ExportChoice) -> None:
        window = self._window
        store, metric = window.store, metric_units()
        window.statusBar().showMessage(f"Exporting {format_count(len(ids))} mosaics…")

        def done(count: int) -> None:
            window.statusBar().showMessage(
                f"Exported {format_count(count)} mosaics to {choice.path}", 10_000
            )

        def failed(error: Exception) -> None:
            window.statusBar().clearMessage()
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Export failed",
                f"FieldDesk could not write {choice.path}.",
                QMessageBox.StandardButton.Close,
                window,
            )
            box.setTextFormat(box.textFormat().PlainText)
            box.setInformativeText(str(getattr(error, "strerror", None) or error))
            box.open()

        from app.ui.dialogs.export import export_mosaics

        window.tasks.run_in_background(
            lambda: export_mosaics(store, ids, choice, metric=metric), done, on_error=failed
        )

    # -- edit -----------------------------------------------------------------------------
    def copy_selection(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        QGuiApplication.clipboard().setText(mosaic_rows_text(self._window.mosaics.table, rows))
        self._window.statusBar().showMessage(f"Copied {format_count(len(rows))} mosaics", 3000)

    # -- the web --------------------------------------------------------------------------
    def web_url(self) -> str:
        return settings.value_of(settings.WEB_URL, config.stored_settings())

    def open_web(self, _target: ContextTarget | None = None) -> None:
        """FieldAgent's web app. FieldAgent documents no address for one item, so this
        opens the app itself; the id is on the clipboard to find it there."""
        if _target is not None and _target.sentera_ids:
            QGuiApplication.clipboard().setText(_target.sentera_ids[0])
            self._window.statusBar().showMessage(
                "Opened FieldAgent on the web; the id is on the clipboard", 5000
            )
        QDesktopServices.openUrl(QUrl(self.web_url()))

    # -- help -----------------------------------------------------------------------------
    def about(self) -> AboutDialog:
        from app.ui.dialogs.about import AboutDialog

        dialog = AboutDialog(self._window)
        self.about_dialog = dialog
        dialog.open()
        return dialog

    def shortcuts(self) -> ShortcutsDialog:
        from app.ui.dialogs.about import ShortcutsDialog

        dialog = ShortcutsDialog(self._window.menus.all_actions(), self._window)
        dialog.open()
        return dialog

    def log_folder(self) -> Path | None:
        from app.launch import logs

        setup = logs.current_setup()
        return setup.log_dir if setup is not None else None

    def open_log_folder(self) -> None:
        folder = self.log_folder()
        if folder is None:
            self._window.statusBar().showMessage("No log file in this run", 5000)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def diagnostics(self) -> str:
        window = self._window
        status = window.sync.toolbar.connection_text.text() or "not checked yet"
        last = window.store.last_successful_sync_at()
        database = Path(window.store.path)
        try:
            size = f"{database.stat().st_size / 1e6:.1f} MB"
        except OSError as error:
            size = f"unreadable ({error.strerror})"
        facts = {
            "Server": self.server_url() or config.resolve_server_url(None),
            "Database": f"{database} ({size})",
            "Log folder": self.log_folder() or "none",
            "Connection": status,
            "Last complete sync": last.isoformat() if last else "never",
            "Sync running": "yes" if window.controller.is_running else "no",
            "Screen": _screen_text(window),
        }
        from app.ui.dialogs.about import diagnostics_text

        return diagnostics_text(facts)

    def copy_diagnostics(self) -> None:
        QGuiApplication.clipboard().setText(self.diagnostics())
        self._window.statusBar().showMessage(
            "Diagnostics copied: paste them into your support request", 5000
        )


def _screen_text(window: Any) -> str:
    screen = window.screen()
    if screen is None:
        return "unknown"
    area = screen.availableGeometry()
    return (
        f"{area.width()}×{area.height()} available at {screen.devicePixelRatio():g}× "
        f"(window {window.width()}×{window.height()})"
    )
