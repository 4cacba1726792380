"""What the map needs from the rest of FieldDesk, as one narrow, Qt-free interface.

The map draws field outlines from the local store and mosaics from the local imagery
library. It asks for them through `MapSource`, so the map and its tests depend on these
three questions, not on how the store or the library answer them. Every method is called
on a worker thread (they may read SQLite or the disk), never on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.imagery.geo import FieldOutline


@dataclass(frozen=True, slots=True)
class MosaicRef:
    """What the map shows about a mosaic (server text: plain text only)."""

    mosaic_id: str
    name: str
    mosaic_type: str
    captured_at: str
    field_id: str
    organization_id: str
    available: bool = True  # the server has imagery for it (image_status AVAILABLE)


class MapSource(Protocol):
    def field_outlines(self, organization_id: str) -> list[FieldOutline]:
        """The outlines of an organization's fields that have one (others are skipped)."""
        ...

    def field_outline(self, field_id: str) -> FieldOutline | None:
        """One field's outline; None when the field is unknown or has no boundary yet."""
        ...

    def mosaic(self, mosaic_id: str) -> MosaicRef | None:
        """A mosaic and the field it covers; None when it is unknown (deleted)."""
        ...

    def field_mosaics(self, field_id: str) -> list[MosaicRef]:
        """The field's mosaics, newest capture first (the choices for "compare")."""
        ...

    def local_mosaic_path(self, mosaic_id: str) -> Path | None:
        """The mosaic's GeoTIFF on this computer, when it is there and complete."""
        ...
