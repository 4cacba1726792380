"""The details pane: every stored field of one mosaic, its survey and field, copyable ids.

Values are selectable text; each id has a copy button, because ids are what people paste
into support requests and FieldAgent's web search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.common.formatting import enum_label, format_area, format_count, format_datetime_long
from app.ui.common.icons import icon
from app.ui.common.plain import make_plain, plain_label, plain_tooltip

if TYPE_CHECKING:
    from app.store import MosaicDetail

NARROW_DETAILS = 300  # pixels: below this the details put labels above values


def _value_label(parent: QWidget) -> QLabel:
    label = plain_label(parent=parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)  # a wrapped value gets the lines it needs
    label.setSizePolicy(policy)
    return label


class _ElidedLabel(QLabel):
    """One line, shortened in the middle when narrow (ids differ at both ends); the full
    text is in the tooltip and is what `text()` returns and the copy button copies."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        make_plain(self)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(plain_tooltip(text))
        self._elide()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(
            self._full, Qt.TextElideMode.ElideMiddle, max(40, self.width())
        )
        super().setText(shown)


class _IdRow(QWidget):
    """An id in a monospace label with a copy button."""

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = _ElidedLabel(self)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(max(7.0, self.font().pointSizeF() - 1))
        self.label.setFont(mono)
        self.button = QToolButton(self)
        self.button.setIcon(icon("copy"))
        self.button.setAutoRaise(True)
        self.button.setToolTip("Copy")
        self.button.clicked.connect(self.copy)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)

    def set_value(self, value: str) -> None:
        self.label.setText(value)
        self.button.setAccessibleName(f"Copy {value}")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.label.text())
        self.copied.emit(self.label.text())


class DetailsPane(QScrollArea):
    copied = Signal(str)

    FIELDS = (
        ("survey", "Survey"),
        ("field", "Field"),
        ("organization", "Organization"),
        ("mosaic_type", "Type"),
        ("quality", "Quality"),
        ("image_status", "Image status"),
        ("captured_at", "Captured"),
        ("area", "Area"),
        ("image_count", "Images"),
        ("released", "Released"),
        ("is_from_sentera_sensor", "Sentera sensor"),
        ("message", "Message"),
        ("created", "Created"),
        ("updated", "Updated"),
        ("first_seen_at", "First synced here"),
        ("new", "New"),
    )
    IDS = (
        ("sentera_id", "Mosaic"),
        ("survey_sentera_id", "Survey"),
        ("field_sentera_id", "Field"),
        ("organization_sentera_id", "Organization"),
        ("created_by", "Created by"),
        ("updated_by", "Updated by"),
        ("content_hash", "Content hash"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._stack = QStackedWidget(self)
        self.placeholder = plain_label("Select a mosaic to see its details.", self._stack)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)
        self._stack.addWidget(self.placeholder)
        page = QWidget(self._stack)
        outer = QVBoxLayout(page)
        self.title = _value_label(page)
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title.setFont(title_font)
        outer.addWidget(self.title)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        # A narrow pane puts long values under their label instead of squeezing them.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._form = form
        self.values: dict[str, QLabel] = {}
        for key, title in self.FIELDS:
            self.values[key] = _value_label(page)
            form.addRow(f"{title}:", self.values[key])
        outer.addLayout(form)
        ids_title = QLabel("FieldAgent ids", page)
        ids_title.setFont(QFont(title_font.family(), -1, QFont.Weight.Bold))
        outer.addSpacing(8)
        outer.addWidget(ids_title)
        ids_form = QFormLayout()
        ids_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.ids: dict[str, _IdRow] = {}
        for key, title in self.IDS:
            row = _IdRow(page)
            row.copied.connect(self.copied)
            self.ids[key] = row
            ids_form.addRow(f"{title}:", row)
        outer.addLayout(ids_form)
        outer.addStretch(1)
        self._stack.addWidget(page)
        self.setWidget(self._stack)
        self._detail: MosaicDetail | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Narrow: each label above its value, so values keep the whole width."""
        super().resizeEvent(event)
        policy = (
            QFormLayout.RowWrapPolicy.WrapAllRows
            if self.viewport().width() < NARROW_DETAILS
            else QFormLayout.RowWrapPolicy.WrapLongRows
        )
        if self._form.rowWrapPolicy() != policy:
            self._form.setRowWrapPolicy(policy)

    @property
    def detail(self) -> MosaicDetail | None:
        return self._detail

    def show_message(self, text: str) -> None:
        self._detail = None
        self.placeholder.setText(text)
        self._stack.setCurrentIndex(0)

    def clear(self) -> None:
        self.show_message("Select a mosaic to see its details.")

    def show_detail(self, detail: MosaicDetail) -> None:
        self._detail = detail
        m = detail.mosaic
        self.title.setText(m.name)
        text = {
            "survey": detail.survey_name,
            "field": detail.field_name,
            "organization": detail.organization_name,
            "mosaic_type": enum_label(m.mosaic_type),
            "quality": enum_label(m.quality),
            "image_status": enum_label(m.image_status),
            "captured_at": format_datetime_long(m.captured_at),
            "area": format_area(m.area_value, m.area_unit) or "Not given",
            "image_count": format_count(m.image_count),
            "released": "Yes" if m.released else "No",
            "is_from_sentera_sensor": "Yes" if m.is_from_sentera_sensor else "No",
            "message": m.message or "No message",
            "first_seen_at": format_datetime_long(m.first_seen_at.isoformat()),
            "new": "Yes, arrived since you last looked" if m.is_new else "No",
            "created": format_datetime_long(m.created_at),
            "updated": format_datetime_long(m.updated_at),
        }
        for key, label in self.values.items():
            label.setText(text[key])
        ids = {
            "sentera_id": m.sentera_id,
            "survey_sentera_id": m.survey_sentera_id,
            "field_sentera_id": detail.field_sentera_id,
            "organization_sentera_id": detail.organization_sentera_id,
            "created_by": m.created_by or "Unknown",
            "updated_by": m.updated_by or "Unknown",
            "content_hash": m.content_hash,
        }
        for key, row in self.ids.items():
            row.set_value(ids[key])
        self._stack.setCurrentIndex(1)
