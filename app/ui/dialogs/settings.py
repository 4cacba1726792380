"""Preferences: grouped pages (Sync, Account, Storage, Display), the platform's buttons.

A page is any widget; `add_page(title, widget)` appends one, and the list on the left
grows with it: the downloads presenter's imagery page (folder and disk budget) is handed
in as `storage` and becomes the "Imagery" page. Labels are plain sentences and every
choice says what it does in its tooltip.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QLocale, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app import settings as options
from app.api.errors import InvalidServerUrl
from app.api.transport import check_server_url
from app.ui.common.plain import plain_label
from app.ui.common.preferences import Preferences
from app.units import UnitChoice


def locale_is_metric(locale: QLocale | None = None) -> bool:
    system = (locale or QLocale()).measurementSystem()
    return system == QLocale.MeasurementSystem.MetricSystem


class SettingsDialog(QDialog):
    """Edits a `Preferences`; `preferences()` returns the result after `accept`."""

    def __init__(
        self,
        preferences: Preferences,
        parent: QWidget | None = None,
        *,
        data_dir: Path | None = None,
        oauth_configured: bool = True,
        storage: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferences-dialog")
        self._original = preferences
        self.storage = storage
        self.pages = QListWidget(self)
        self.pages.setObjectName("preferences-pages")
        self.pages.setIconSize(QSize(20, 20))
        self.pages.setMaximumWidth(170)
        self.stack = QStackedWidget(self)
        self.pages.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.problem = plain_label(wrap=True)
        self.problem.setObjectName("settings-problem")
        self.problem.hide()

        style = self.style()
        self.add_page(
            "Sync",
            self._sync_page(preferences),
            icon=style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload),
        )
        self.add_page(
            "Account",
            self._account_page(preferences, oauth_configured),
            icon=style.standardIcon(QStyle.StandardPixmap.SP_DirHomeIcon),
        )
        self.add_page(
            "Storage",
            self._storage_page(data_dir),
            icon=style.standardIcon(QStyle.StandardPixmap.SP_DriveHDIcon),
        )
        self.add_page(
            "Display",
            self._display_page(preferences),
            icon=style.standardIcon(QStyle.StandardPixmap.SP_DesktopIcon),
        )
        if storage is not None:
            self.add_page(
                "Imagery",
                storage,
                icon=style.standardIcon(QStyle.StandardPixmap.SP_DirIcon),
            )
        self.pages.setCurrentRow(0)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.pages)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    # -- pages ---------------------------------------------------------------------------
    def add_page(self, title: str, page: QWidget, *, icon: QIcon | None = None) -> None:
        """Append a page (and its entry in the list on the left)."""
        page.setObjectName(f"preferences-page-{title.lower().replace(' ', '-')}")
        item = QListWidgetItem(icon or QIcon(), title)
        self.pages.addItem(item)
        self.stack.addWidget(page)

    def page_titles(self) -> list[str]:
        return [self.pages.item(row).text() for row in range(self.pages.count())]

    def _sync_page(self, preferences: Preferences) -> QWidget:
        self.on_reconnect = QCheckBox("Sync when the connection comes back")
        self.on_reconnect.setChecked(preferences.auto.on_reconnect)
        self.on_start = QCheckBox("Sync when FieldDesk starts")
        self.on_start.setChecked(preferences.auto.on_start)
        self.periodic = QSpinBox()
        self.periodic.setRange(0, 24 * 60)
        self.periodic.setSuffix(" minutes")
        self.periodic.setSpecialValueText("Never")
        self.periodic.setValue(round(preferences.auto.periodic_minutes))
        self.periodic.setToolTip("Sync by itself this often while online (0: never)")
        self.concurrency = QSpinBox()
        bounds = options.CONCURRENCY
        self.concurrency.setRange(int(bounds.low or 1), int(bounds.high or bounds.default))
        self.concurrency.setValue(preferences.concurrency)
        self.concurrency.setToolTip(
            "The most requests a sync keeps in flight; it finds how many the server "
            "answers without slowing, up to this"
        )
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.on_reconnect)
        form.addRow(self.on_start)
        form.addRow("Sync by itself every:", self.periodic)
        form.addRow("Most requests in flight:", self.concurrency)
        return page

    def _account_page(self, preferences: Preferences, oauth_configured: bool) -> QWidget:
        self.server = QLineEdit(preferences.server_url)
        self.server.setPlaceholderText("https://api.sentera.com/graphql")
        # Wide enough to read a whole URL, local ports included.
        self.server.setMinimumWidth(self.server.fontMetrics().horizontalAdvance("x" * 42))
        self.server.setToolTip("The FieldAgent address: its base URL or its /graphql endpoint")
        self.server.textChanged.connect(self._validate)
        browser = (
            "Browser sign-in is available."
            if oauth_configured
            else "Browser sign-in needs FieldDesk's OAuth client registration: set "
            "FIELDDESK_OAUTH_CLIENT_ID and FIELDDESK_OAUTH_CLIENT_SECRET, or client_id "
            "and client_secret under [oauth] in the settings file. Email and password, "
            "or a pasted access token, work without it."
        )
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("FieldAgent server:", self.server)
        form.addRow(plain_label(browser, wrap=True))
        form.addRow(
            plain_label("Your sign-in is kept in the system keyring, never in a file.", wrap=True)
        )
        return page

    def _storage_page(self, data_dir: Path | None) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        where = str(data_dir) if data_dir is not None else "the platform's user data folder"
        self.data_location = plain_label(where, wrap=True)
        self.data_location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Data location:", self.data_location)
        if data_dir is not None:
            open_folder = QPushButton("Open folder")
            open_folder.clicked.connect(
                lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(data_dir)))
            )
            form.addRow("", open_folder)
        form.addRow(
            plain_label(
                "To keep the data elsewhere, start FieldDesk with --data-dir FOLDER or set "
                "FIELDDESK_DATA_DIR.",
                wrap=True,
            )
        )
        return page

    def _display_page(self, preferences: Preferences) -> QWidget:
        self.units = QComboBox()
        local = "metric" if locale_is_metric() else "US customary"
        for text, choice in (
            (f"Automatic (from your region: {local})", UnitChoice.AUTO),
            ("Metric (hectares)", UnitChoice.METRIC),
            ("US customary (acres)", UnitChoice.US),
        ):
            self.units.addItem(text, choice.value)
        self.units.setCurrentIndex(max(0, self.units.findData(preferences.unit_system.value)))
        self.units.setToolTip("Every area is converted to this unit, whatever FieldAgent sent")
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Units for areas:", self.units)
        form.addRow(
            plain_label(
                "Dates and times follow your system's region settings and time zone "
                f"({QLocale().name()}).",
                wrap=True,
            )
        )
        return page

    # -- result ----------------------------------------------------------------------------
    def _validate(self) -> bool:
        url = self.server.text().strip()
        try:
            check_server_url(url)
        except InvalidServerUrl as error:
            self.problem.setText(error.user_message)
            self.problem.show()
            ok = False
        else:
            self.problem.hide()
            ok = True
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(ok)
        return ok

    def accept(self) -> None:
        if self._validate():
            super().accept()

    def preferences(self) -> Preferences:
        return Preferences(
            server_url=self.server.text().strip(),
            concurrency=self.concurrency.value(),
            auto=replace(
                self._original.auto,
                on_reconnect=self.on_reconnect.isChecked(),
                on_start=self.on_start.isChecked(),
                periodic_minutes=float(self.periodic.value()),
            ),
            unit_system=UnitChoice(str(self.units.currentData())),
        )
