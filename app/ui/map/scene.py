"""What the map shows for a place, read and projected in one background task (no Qt).

Choosing an organization, a field or a mosaic all come down to one `Scene`: the map's
CRS (the UTM zone of the field, else of the organization's fields), the outlines in
it, the mosaic and its local file, and the field's other mosaics for "compare". The
pane asks for a scene on the `store` pool and applies it when it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.imagery.geo import FieldOutline, MapCrs, Ring, bounds_of, project_rings, utm_epsg
from app.imagery.source import MapSource, MosaicRef


@dataclass(frozen=True, slots=True)
class ProjectedOutline:
    field_id: str
    name: str
    rings: list[list[Ring]]
    outline: FieldOutline


@dataclass(frozen=True, slots=True)
class Scene:
    organization_id: str | None
    field_id: str | None
    crs: MapCrs
    outlines: list[ProjectedOutline]
    mosaic: MosaicRef | None = None
    path: Path | None = None
    others: list[MosaicRef] = field(default_factory=list)

    def outline(self, field_id: str | None) -> ProjectedOutline | None:
        return next((o for o in self.outlines if o.field_id == field_id), None)

    def bounds(self, field_id: str | None = None) -> tuple[float, float, float, float] | None:
        chosen = [o.rings for o in self.outlines if field_id is None or o.field_id == field_id]
        polygons = [polygon for rings in chosen for polygon in rings]
        # Nothing to measure: answered here, so an empty map (a first start) never
        # loads numpy on the UI thread.
        return bounds_of(polygons) if polygons else None


def load_scene(
    source: MapSource, *, organization_id: str | None, field_id: str | None, mosaic_id: str | None
) -> Scene:
    mosaic = source.mosaic(mosaic_id) if mosaic_id else None
    if mosaic is not None:
        field_id, organization_id = mosaic.field_id, mosaic.organization_id
    outlines = source.field_outlines(organization_id) if organization_id else []
    own = next((o for o in outlines if o.field_id == field_id), None)
    if own is None and field_id:
        found = source.field_outline(field_id)
        if found is not None:
            outlines.append(found)
            own = found
    path = source.local_mosaic_path(mosaic.mosaic_id) if mosaic is not None else None
    if own is not None and own.lon_lats():
        lon, lat = own.lon_lats()[0]
        crs = MapCrs(utm_epsg(lon, lat))
    elif path is not None and (native := _utm_of_file(path)) is not None:
        crs = native  # no outline (not synced yet): the mosaic's own zone
    else:
        crs = MapCrs.around(p for o in outlines for p in o.lon_lats()[:1])
    projected = [
        ProjectedOutline(o.field_id, o.name, project_rings(o.boundary, crs), o) for o in outlines
    ]
    others = source.field_mosaics(field_id) if field_id and mosaic is not None else []
    _prepare(crs)
    return Scene(organization_id, field_id, crs, projected, mosaic, path, others)


def _prepare(crs: MapCrs) -> None:
    """Build, here on the store pool, what the canvas's paint uses in this zone: pyproj,
    the zone's two transformers and its projection (all cached, so once per zone).

    The scale bar and the north arrow ask for them on the UI thread at the first paint
    after a scene is applied (at start-up, after a sync's reload); built there, they
    would stall it.
    """
    zone = crs.epsg % 100
    centre = (zone * 6.0 - 183.0, 1.0 if crs.epsg < 32_700 else -1.0)
    crs.convergence(*crs.to_map(*centre))


def _utm_of_file(path: Path) -> MapCrs | None:
    """The GeoTIFF's CRS when it is a WGS84 UTM zone (read from its header only)."""
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.open(path) as tif:
            epsg = tif.crs.to_epsg() if tif.crs is not None else None
    except RasterioIOError:
        return None  # the layer says what is wrong with the file
    if epsg is not None and (32_601 <= epsg <= 32_660 or 32_701 <= epsg <= 32_760):
        return MapCrs(epsg)
    return None
