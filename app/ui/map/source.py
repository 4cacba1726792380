"""The map's `MapSource` over the local store and the imagery library (no Qt).

Outlines come from the store's field boundaries, files from the library's verified
local paths; both are read on the map's worker threads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.domain import Scope, ScopeKind
from app.imagery.geo import FieldOutline
from app.imagery.source import MosaicRef
from app.store import MosaicQuery

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger(__name__)


class LocalFiles(Protocol):
    """The one question the map asks the imagery library."""

    def local_path(self, mosaic_id: str) -> Path | None: ...


class CurrentLibrary:
    """The library of the moment (Settings may move it), marking what the map shows as
    viewed so eviction takes older files first."""

    def __init__(self, library_of: Callable[[], Any]) -> None:
        self._library_of = library_of

    def local_path(self, mosaic_id: str) -> Path | None:
        library = self._library_of()
        path: Path | None = library.local_path(mosaic_id)
        if path is not None:
            try:
                library.mark_viewed(mosaic_id)
            except Exception:  # recency is a hint for eviction, never worth failing for
                log.warning("could not record that mosaic %s was viewed", mosaic_id, exc_info=True)
        return path


def _outline(field_id: str, org_id: str, name: str, geojson: Any) -> FieldOutline | None:
    try:
        geometry = json.loads(geojson) if isinstance(geojson, str) else geojson
    except ValueError:
        log.warning("field %s has an outline that is not JSON; not drawn", field_id)
        return None
    if not isinstance(geometry, dict):
        return None
    return FieldOutline(field_id, name, org_id, geometry)


class StoreMapSource:
    """Answers the map from the store (outlines, mosaics) and the library (files)."""

    def __init__(self, store: Store, files: LocalFiles | None = None) -> None:
        self.store = store
        self.files = files

    def field_outlines(self, organization_id: str) -> list[FieldOutline]:
        found = (
            _outline(b.field_id, b.organization_id, b.name, b.geojson)
            for b in self.store.fields_with_boundaries(organization_id)
        )
        return [outline for outline in found if outline is not None]

    def field_outline(self, field_id: str) -> FieldOutline | None:
        boundary = self.store.field_boundary(field_id)
        if boundary is None:  # not synced yet, or the field has no outline
            return None
        return _outline(
            boundary.field_id, boundary.organization_id, boundary.name, boundary.geojson
        )

    def mosaic(self, mosaic_id: str) -> MosaicRef | None:
        detail = self.store.mosaic(mosaic_id)
        if detail is None:
            return None
        m = detail.mosaic
        return MosaicRef(
            m.sentera_id,
            m.name,
            m.mosaic_type,
            m.captured_at,
            detail.field_sentera_id,
            detail.organization_sentera_id,
            m.image_status == "AVAILABLE",
        )

    def field_mosaics(self, field_id: str) -> list[MosaicRef]:
        ids = self.store.mosaic_ids(MosaicQuery(scope=Scope(ScopeKind.FIELD, field_id)))
        org = ""
        refs = []
        for m in self.store.mosaics_by_id(ids):
            refs.append(
                MosaicRef(
                    m.sentera_id,
                    m.name,
                    m.mosaic_type,
                    m.captured_at,
                    field_id,
                    org,
                    m.image_status == "AVAILABLE",
                )
            )
        return refs

    def local_mosaic_path(self, mosaic_id: str) -> Path | None:
        if self.files is None:
            return None
        return self.files.local_path(mosaic_id)
