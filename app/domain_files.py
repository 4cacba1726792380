"""Plain records for mosaic files and offline imagery, shared by every layer.

Kept apart from `app.domain` (the catalogue) because only the file side of FieldDesk
needs them; like it, this module imports nothing of ours and every record is frozen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A `File` from `sync_files`. `url` is a signed link that expires: never store it."""

    sentera_id: str
    content_hash: str
    owner_type: str
    owner_id: str  # the mosaic's sentera_id for MOSAIC owners
    filename: str
    download_filename: str | None
    file_type: str
    size: int | None  # None: the server has no bytes for it (yet)
    url: str | None
    updated_at: str


class PinKind(StrEnum):
    """What a "Keep offline" choice names."""

    ALL = "all"
    ORGANIZATION = "organization"
    FIELD = "field"
    SURVEY = "survey"
    MOSAIC = "mosaic"


# Mosaic types that hold an index (one float band), for the "only index types" filter.
INDEX_TYPES = frozenset({"NDVI", "NDRE", "GNDVI", "SAVI", "VARI", "CIR", "LCI", "ENDVI"})


@dataclass(frozen=True, slots=True)
class Pin:
    """One "Keep offline" choice, with the filters that narrow it."""

    kind: PinKind
    target_id: str  # "" for ALL
    quality: str | None = None  # only this quality (e.g. "FULL"); None: any
    index_only: bool = False  # only index mosaics (NDVI, NDRE, ...)
    seasons: int | None = None  # only the last N seasons (calendar years); None: all


class FileState(StrEnum):
    """Where a mosaic's imagery stands on this computer."""

    PRESENT = "present"  # the current version, complete and verified
    PARTIAL = "partial"  # part of the current version is downloaded
    MISSING = "missing"  # wanted or known, but no current bytes here
    EVICTED = "evicted"  # was here, removed to stay within the disk budget


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A mosaic's file as the library sees it; `path` is set only when PRESENT."""

    mosaic_id: str
    file_id: str
    state: FileState
    size: int | None  # the server's size of the current version
    local_bytes: int  # bytes on disk for it (whole file or .part)
    path: Path | None
    pinned: bool
    last_viewed_at: str | None


@dataclass(frozen=True, slots=True)
class FieldBoundary:
    """A field's outline for drawing: GeoJSON (WGS84) and its bounding box."""

    field_id: str
    organization_id: str
    name: str
    geojson: str  # a GeoJSON Polygon or MultiPolygon, as text
    bbox: tuple[float, float, float, float]  # west, south, east, north

    def geometry(self) -> dict[str, Any]:
        """The outline parsed into a GeoJSON mapping (a new dict each call)."""
        value: dict[str, Any] = json.loads(self.geojson)
        return value
