"""The map's memory per field, in the window-state QSettings (not user settings).

For each field: where the map looked (centre as lon/lat, so it survives a change of
map CRS, and metres per pixel), and the colouring chosen. Stored as one plain string
per field so a damaged value is simply ignored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from PySide6.QtCore import QSettings

from app.imagery.ramps import Ramp
from app.imagery.stretch import Stretch

GROUP = "map/fields"
SPLITTER = "map/splitter"


@dataclass(frozen=True, slots=True)
class FieldView:
    lon: float
    lat: float
    res: float
    ramp: str | None = None
    stretch: str | None = None
    opacity: float = 1.0

    @property
    def ramp_value(self) -> Ramp | None:
        return Ramp(self.ramp) if self.ramp in set(Ramp) else None

    @property
    def stretch_value(self) -> Stretch | None:
        return Stretch(self.stretch) if self.stretch in set(Stretch) else None


def _key(field_id: str) -> str:
    # Ids are server text: keep them out of the INI's key syntax.
    return f"{GROUP}/{hashlib.sha256(field_id.encode()).hexdigest()[:24]}"


def save_field_view(settings: QSettings, field_id: str, view: FieldView) -> None:
    settings.setValue(_key(field_id), json.dumps(asdict(view)))


def load_field_view(settings: QSettings, field_id: str) -> FieldView | None:
    text = settings.value(_key(field_id))
    if not isinstance(text, str):
        return None
    try:
        data = json.loads(text)
        view = FieldView(
            float(data["lon"]),
            float(data["lat"]),
            float(data["res"]),
            data.get("ramp"),
            data.get("stretch"),
            float(data.get("opacity", 1.0)),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return view if view.res > 0 else None
