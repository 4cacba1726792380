"""Export…: the mosaics shown (filtered and sorted as on screen) or the selection, to a
CSV file for spreadsheets or a GeoJSON file for GIS tools.

The dialog only asks; `export_mosaics` writes the file and runs on the task manager's
store pool (it reads the store in blocks), so a large export never freezes the window.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.export import FieldPlace, mosaics_csv, write_geojson
from app.ui.common.formatting import format_count

if TYPE_CHECKING:
    from app.domain import Mosaic
    from app.store import Store

CSV, GEOJSON = "csv", "geojson"
_SUFFIX = {CSV: ".csv", GEOJSON: ".geojson"}
BLOCK = 2000


@dataclass(frozen=True, slots=True)
class ExportChoice:
    selection: bool  # the selected mosaics rather than all shown
    kind: str  # CSV or GEOJSON
    path: Path


class ExportDialog(QDialog):
    def __init__(
        self,
        *,
        shown: int,
        selected: int,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export mosaics")
        self.setObjectName("export-dialog")
        self.all_rows = QRadioButton(f"All {format_count(shown)} mosaics shown ({title})")
        self.all_rows.setToolTip("With the current filters, in the order of the table")
        self.selected_rows = QRadioButton(f"The {format_count(selected)} selected")
        self.selected_rows.setEnabled(selected > 0)
        (self.selected_rows if selected > 1 else self.all_rows).setChecked(True)
        rows = QButtonGroup(self)
        rows.addButton(self.all_rows)
        rows.addButton(self.selected_rows)

        self.csv = QRadioButton("CSV, for Excel and other spreadsheets")
        self.geojson = QRadioButton("GeoJSON, for QGIS and other GIS (at each field's location)")
        self.csv.setChecked(True)
        kinds = QButtonGroup(self)
        kinds.addButton(self.csv)
        kinds.addButton(self.geojson)
        self.csv.toggled.connect(self._fix_suffix)

        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        ) or str(Path.home())
        self.path = QLineEdit(str(Path(folder) / "FieldDesk mosaics.csv"))
        self.path.setMinimumWidth(self.path.fontMetrics().horizontalAdvance("x" * 44))
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(self.browse)

        which = QVBoxLayout()
        which.addWidget(self.all_rows)
        which.addWidget(self.selected_rows)
        form_kind = QVBoxLayout()
        form_kind.addWidget(self.csv)
        form_kind.addWidget(self.geojson)
        form = QFormLayout()
        form.addRow("Mosaics:", which)
        form.addRow("Format:", form_kind)
        form.addRow("Save as:", where)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def kind(self) -> str:
        return CSV if self.csv.isChecked() else GEOJSON

    def choice(self) -> ExportChoice:
        return ExportChoice(
            self.selected_rows.isChecked(), self.kind(), Path(self.path.text().strip())
        )

    def _fix_suffix(self) -> None:
        path = Path(self.path.text().strip() or "FieldDesk mosaics")
        self.path.setText(str(path.with_suffix(_SUFFIX[self.kind()])))

    def _browse(self) -> None:
        kind = self.kind()
        filters = "CSV (*.csv)" if kind == CSV else "GeoJSON (*.geojson *.json)"
        chosen, _ = QFileDialog.getSaveFileName(self, "Export mosaics", self.path.text(), filters)
        if chosen:
            self.path.setText(chosen)


def export_mosaics(store: Store, ids: Sequence[str], choice: ExportChoice, *, metric: bool) -> int:
    """Write the mosaics `ids` (in that order) as chosen; returns how many. Any thread."""

    def mosaics() -> Iterator[Mosaic]:
        for start in range(0, len(ids), BLOCK):
            block = ids[start : start + BLOCK]
            found = {m.sentera_id: m for m in store.mosaics_by_id(list(block))}
            yield from (found[i] for i in block if i in found)

    choice.path.parent.mkdir(parents=True, exist_ok=True)
    if choice.kind == CSV:
        return mosaics_csv(choice.path, mosaics(), metric=metric)
    fields = {f.sentera_id: f for f in store.fields()}
    places: dict[str, FieldPlace] = {}
    for survey in store.surveys():
        field = fields.get(survey.field_sentera_id)
        if field is not None:
            places[survey.sentera_id] = FieldPlace(
                field.name, field.farm, field.latitude, field.longitude
            )
    return write_geojson(choice.path, mosaics(), places, metric=metric)
