"""The menu bar: File, Edit, View, Sync, Help.

It holds actions and emits nothing of its own: each action is connected by the window
to the pane that does the work. Sync reuses the toolbar's actions (one action, one
state: disabling Sync disables it everywhere). View lists the panes and the table's
columns as check boxes; a column hidden here stays hidden (the header state is saved).
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHeaderView, QMenu, QMenuBar, QWidget

from app.ui.mosaics.columns import COLUMNS
from app.ui.sync.toolbar import MainToolbar

Key = QKeySequence.StandardKey


def _action(
    parent: QWidget, text: str, shortcut: QKeySequence | Key | str | None = None
) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    return action


class MenuBar:
    """Builds the window's menus; its actions are attributes for the window to connect."""

    def __init__(self, bar: QMenuBar, window: QWidget, toolbar: MainToolbar) -> None:
        self.bar = bar
        bar.setObjectName("menu-bar")
        # File
        self.export = _action(window, "&Export…", "Ctrl+E")
        self.export.setToolTip("Save the mosaics shown, or the selection, as CSV or GeoJSON")
        self.quit = _action(window, "&Quit", Key.Quit)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.file = bar.addMenu("&File")
        self.file.addAction(self.export)
        self.file.addSeparator()
        self.file.addAction(self.quit)
        # Edit
        self.copy = _action(window, "&Copy", Key.Copy)
        self.copy.setToolTip("Copy the selected mosaics as text (tab-separated)")
        self.find = _action(window, "&Find", Key.Find)
        self.edit = bar.addMenu("&Edit")
        self.edit.addAction(self.copy)
        self.edit.addAction(self.find)
        self.edit.addSeparator()
        toolbar.settings_action.setText("&Preferences…")
        self.edit.addAction(toolbar.settings_action)
        # View
        self.view = bar.addMenu("&View")
        self.show_catalogue = self._toggle(window, "&Catalogue", "Ctrl+1")
        self.show_details = self._toggle(window, "&Details", "Ctrl+2")
        self.view.addAction(self.show_catalogue)
        self.view.addAction(self.show_details)
        self.columns = self.view.addMenu("&Columns")
        self.column_actions: list[QAction] = []
        self.view.addSeparator()
        self.show_toolbar = toolbar.toggleViewAction()
        self.show_toolbar.setText("&Toolbar")
        self.view.addAction(self.show_toolbar)
        # Sync
        self.sync = bar.addMenu("&Sync")
        self.sync.addAction(toolbar.sync_all)
        self.sync.addSeparator()
        self.sync.addAction(toolbar.sync_everything)
        for action in (toolbar.sync_organization, toolbar.sync_field, toolbar.sync_survey):
            self.sync.addAction(action)
        self.sync.addSeparator()
        self.sync.addAction(toolbar.cancel)
        self.problems = _action(window, "Sync &problems and recent runs…")
        self.sync.addAction(self.problems)
        # Help
        self.shortcuts = _action(window, "&Keyboard shortcuts", Key.HelpContents)
        self.open_logs = _action(window, "Open &log folder")
        self.diagnostics = _action(window, "Copy &diagnostics")
        self.diagnostics.setToolTip("Copy versions, paths and states for a support request")
        self.about = _action(window, "&About FieldDesk")
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.help = bar.addMenu("&Help")
        for action in (self.shortcuts, self.open_logs, self.diagnostics):
            self.help.addAction(action)
        self.help.addSeparator()
        self.help.addAction(self.about)

    @staticmethod
    def _toggle(window: QWidget, text: str, shortcut: str) -> QAction:
        action = _action(window, text, shortcut)
        action.setCheckable(True)
        action.setChecked(True)
        return action

    def bind_columns(self, header: QHeaderView) -> None:
        """One check box per table column, kept in step with the header."""
        self.columns.clear()
        self.column_actions.clear()
        for number, column in enumerate(COLUMNS):
            action = QAction(column.title, self.columns)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(number))
            action.setEnabled(column.key != "name")  # the name always stays
            action.toggled.connect(lambda on, n=number: header.setSectionHidden(n, not on))
            self.columns.addAction(action)
            self.column_actions.append(action)

    def all_actions(self) -> list[QAction]:
        """Every action in the menus (for the shortcuts list)."""
        found: list[QAction] = []

        def walk(menu: QMenu) -> None:
            for action in menu.actions():
                submenu = action.menu()
                if isinstance(submenu, QMenu):
                    walk(submenu)
                elif not action.isSeparator():
                    found.append(action)

        for menu in (self.file, self.edit, self.view, self.sync, self.help):
            walk(menu)
        return found
