"""Settings: when to sync by itself, which server, most requests in flight; Storage.

The Storage page (the imagery folder and disk budget) is built by the downloads
presenter and handed in; with it the dialog shows two tabs.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import settings as options
from app.api.errors import InvalidServerUrl
from app.api.transport import check_server_url
from app.ui.common.plain import plain_label
from app.ui.common.preferences import Preferences


class SettingsDialog(QDialog):
    """Edits a `Preferences`; `preferences()` returns the result after `accept`."""

    def __init__(
        self,
        preferences: Preferences,
        parent: QWidget | None = None,
        *,
        storage: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.storage = storage
        self.setWindowTitle("FieldDesk Settings")
        self._original = preferences

        self.on_reconnect = QCheckBox("Sync when the connection comes back")
        self.on_reconnect.setChecked(preferences.auto.on_reconnect)
        self.on_start = QCheckBox("Sync when FieldDesk starts")
        self.on_start.setChecked(preferences.auto.on_start)
        self.periodic = QSpinBox()
        self.periodic.setRange(0, 24 * 60)
        self.periodic.setSuffix(" min")
        self.periodic.setSpecialValueText("Never")
        self.periodic.setValue(round(preferences.auto.periodic_minutes))
        self.periodic.setToolTip("Sync by itself this often while online (0: never)")

        self.server = QLineEdit(preferences.server_url)
        self.server.setPlaceholderText("https://api.sentera.com/graphql")
        # Wide enough to read a whole URL, local ports included.
        self.server.setMinimumWidth(self.server.fontMetrics().horizontalAdvance("x" * 42))
        self.server.textChanged.connect(self._validate)
        self.concurrency = QSpinBox()
        bounds = options.CONCURRENCY
        self.concurrency.setRange(int(bounds.low or 1), int(bounds.high or bounds.default))
        self.concurrency.setValue(preferences.concurrency)
        self.concurrency.setToolTip(
            "The most requests a sync keeps in flight; it finds how many the server "
            "answers without slowing, up to this"
        )
        self.problem = plain_label()
        self.problem.setObjectName("settings-problem")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form = QFormLayout()
        form.addRow(self.on_reconnect)
        form.addRow(self.on_start)
        form.addRow("Sync every", self.periodic)
        form.addRow("FieldAgent server", self.server)
        form.addRow("Most requests in flight", self.concurrency)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if storage is None:
            layout.addLayout(form)
        else:
            sync_page = QWidget()
            sync_page.setLayout(form)
            self.tabs = QTabWidget()
            self.tabs.addTab(sync_page, "Sync")
            self.tabs.addTab(storage, "Storage")
            layout.addWidget(self.tabs)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

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
        )
