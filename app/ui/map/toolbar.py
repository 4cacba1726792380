"""The map's toolbar: zoom, colour, opacity, histogram, compare and the "More" menu.

Only widgets and actions; the pane connects them (so this stays a picture of the bar).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMenu, QSlider, QToolBar, QToolButton, QWidget

from app.imagery.ramps import SPECS
from app.imagery.stretch import LABELS, Stretch


class MapToolBar(QToolBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Map", parent)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.zoom_in_action = self.addAction("+")
        self.zoom_in_action.setToolTip("Zoom in (+, wheel, double-click)")
        self.zoom_out_action = self.addAction("−")
        self.zoom_out_action.setToolTip("Zoom out (−, wheel)")
        self.field_action = self.addAction("Field")
        self.field_action.setToolTip("Zoom to the field (Home)")
        self.mosaic_action = self.addAction("Mosaic")
        self.mosaic_action.setToolTip("Zoom to the whole mosaic")
        self.addSeparator()
        self.ramp_box = QComboBox(self)
        self.ramp_box.setToolTip("Colour ramp (index and thermal mosaics)")
        self.ramp_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for ramp, spec in SPECS.items():
            self.ramp_box.addItem(spec.label, ramp.value)
        self.stretch_box = QComboBox(self)
        self.stretch_box.setToolTip("Stretch: which values the colours span")
        for stretch, label in LABELS.items():
            self.stretch_box.addItem(label, stretch.value)
        self.stretch_box.setCurrentIndex(self.stretch_box.findData(Stretch.PERCENT_2_98.value))
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(100)
        self.opacity.setMaximumWidth(90)
        self.opacity.setToolTip("Opacity of the mosaic")
        self.addWidget(self.ramp_box)
        self.addWidget(self.stretch_box)
        self.addWidget(self.opacity)
        self.addSeparator()
        self.histogram_action = self.addAction("Histogram")
        self.compare_action = self.addAction("Compare")
        self.compare_action.setCheckable(True)
        self.compare_action.setToolTip(
            "Another mosaic of this field beside this one, pan and zoom locked"
        )
        self.compare_box = QComboBox(self)
        self.compare_box.setMinimumContentsLength(14)
        self.compare_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.compare_box_action = self.addWidget(self.compare_box)
        self.compare_box_action.setVisible(False)
        self.more_button = QToolButton(self)
        self.more_button.setText("More")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.addWidget(self.more_button)
        menu = QMenu(self.more_button)
        self.save_action = menu.addAction("Save GeoTIFF as…")
        self.open_action = menu.addAction("Open in default GIS app")
        self.copy_action = menu.addAction("Copy coordinates")
        self.export_action = menu.addAction("Export field boundary as GeoJSON…")
        self.more_button.setMenu(menu)
