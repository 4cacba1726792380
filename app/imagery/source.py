"""What the map needs from the rest of FieldDesk, as one narrow, Qt-free interface.

The map draws field outlines from the local store and mosaics from the local imagery
library. It asks for them through `MapSource`, so the map and its tests depend on these
three questions, not on how the store or the library answer them. Every method is called
on a worker thread (they may read SQLite or the disk), never on the UI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from app.imagery.geo import FieldOutline


class MapSource(Protocol):
    def field_outlines(self, organization_id: str) -> list[FieldOutline]:
        """The outlines of an organization's fields that have one (others are skipped)."""
        ...

    def field_outline(self, field_id: str) -> FieldOutline | None:
        """One field's outline; None when the field is unknown or has no boundary yet."""
        ...

    def local_mosaic_path(self, mosaic_id: str) -> Path | None:
        """The mosaic's GeoTIFF on this computer, when it is there and complete."""
        ...
