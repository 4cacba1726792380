"""What each record's selection looks like, and the fast builders that read it.

Two descriptions of the same selection, on purpose. The hand-written `build_*`
functions read a response dict directly and check types with `type(x) is ...` in one
pass: a sync page holds up to 2,000 items and its cost is benchmarked against bare
`json.loads`, so there is no per-field machinery here. The declarative `*_SPEC`
tables are only walked (by `parse.locate`) after a builder has refused an item, to
name the offending field. The tests mutate every spec entry to prove the two agree,
and check the specs against the query documents.

Nullability follows the domain records: `null` is accepted only where a record field
may be None (`area` included, since the server no longer computes mosaic areas).
"""

from __future__ import annotations

import json
from typing import Any

from app.domain import Deleted, Field, Mosaic, Organization, Survey, SyncError

Spec = tuple[tuple[tuple[str, ...], str], ...]

# Kinds: a trailing "?" also allows null; "float" accepts JSON integers too.
_ID = (("sentera_id",), "str")
_HASH = (("content_hash",), "str")

DELETED_SPEC: Spec = (_ID, _HASH)
SYNC_ERROR_SPEC: Spec = (
    (("key",), "str"),
    (("message",), "str"),
    (("code",), "str?"),
    (("reason",), "str?"),
    (("details",), "any"),
)
ORGANIZATION_SPEC: Spec = (
    _ID,
    (("name",), "str"),
    (("organization_type",), "str"),
    (("parent_organization_id",), "str?"),
)
_AREA: Spec = ((("area",), "obj?"), (("area", "value"), "float"), (("area", "unit"), "str"))
_STAMPS: Spec = ((("created_at",), "str"), (("updated_at",), "str"))
FIELD_SPEC: Spec = (
    _ID,
    _HASH,
    *_STAMPS,
    (("name",), "str"),
    (("latitude",), "float"),
    (("longitude",), "float"),
    *_AREA,
    (("active",), "bool"),
    (("farm",), "str?"),
    (("grower",), "str?"),
    (("time_zone",), "str?"),
    (("organization",), "obj"),
    (("organization", "sentera_id"), "str"),
    (("boundary",), "obj?"),
    (("bbox",), "list?"),
)
SURVEY_SPEC: Spec = (
    _ID,
    _HASH,
    *_STAMPS,
    (("name",), "str"),
    (("color",), "str"),
    (("start_time",), "str"),
    (("end_time",), "str"),
    (("notes",), "str?"),
    (("field",), "obj"),
    (("field", "sentera_id"), "str"),
)
MOSAIC_SPEC: Spec = (
    _ID,
    _HASH,
    *_STAMPS,
    (("created_by",), "obj?"),
    (("created_by", "sentera_id"), "str"),
    (("updated_by",), "obj?"),
    (("updated_by", "sentera_id"), "str"),
    *_AREA,
    (("captured_at",), "str"),
    (("image_status",), "str"),
    (("images",), "obj"),
    (("images", "total_count"), "int"),
    (("is_from_sentera_sensor",), "bool"),
    (("message",), "str?"),
    (("mosaic_type",), "str"),
    (("name",), "str"),
    (("quality",), "str"),
    (("released",), "bool"),
    (("survey",), "obj"),
    (("survey", "sentera_id"), "str"),
)


class Invalid(Exception):
    """Raised by a fast builder; the slow spec walk then finds and names the field."""


# -- fast builders: one pass per item ------------------------------------------------


def _float(value: Any) -> float:
    if type(value) is int:
        return float(value)
    raise Invalid


def _area(area: Any) -> tuple[float | None, str | None]:
    if area is None:
        return None, None
    value, unit = area["value"], area["unit"]
    if type(value) is not float:
        value = _float(value)
    if type(unit) is not str:
        raise Invalid
    return value, unit


def build_field(o: Any) -> Field:
    area_value, area_unit = _area(o["area"])
    lat, lon = o["latitude"], o["longitude"]
    if type(lat) is not float:
        lat = _float(lat)
    if type(lon) is not float:
        lon = _float(lon)
    f = Field(
        sentera_id=o["sentera_id"],
        content_hash=o["content_hash"],
        organization_sentera_id=o["organization"]["sentera_id"],
        name=o["name"],
        latitude=lat,
        longitude=lon,
        area_value=area_value,
        area_unit=area_unit,
        active=o["active"],
        farm=o["farm"],
        grower=o["grower"],
        time_zone=o["time_zone"],
        created_at=o["created_at"],
        updated_at=o["updated_at"],
        boundary=_geometry_text(o["boundary"]),
        bbox=_bbox_text(o["bbox"]),
    )
    if not (
        type(f.sentera_id) is str
        and type(f.content_hash) is str
        and type(f.organization_sentera_id) is str
        and type(f.name) is str
        and type(f.active) is bool
        and (f.farm is None or type(f.farm) is str)
        and (f.grower is None or type(f.grower) is str)
        and (f.time_zone is None or type(f.time_zone) is str)
        and type(f.created_at) is str
        and type(f.updated_at) is str
    ):
        raise Invalid
    return f


def _geometry_text(value: Any) -> str | None:
    """A GeoJSON outline, re-serialised compactly for the store; None when absent."""
    if value is None:
        return None
    if type(value) is not dict or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise Invalid
    return json.dumps(value, separators=(",", ":"))


def _bbox_text(value: Any) -> str | None:
    """`[west, south, east, north]` as JSON text; anything else is refused."""
    if value is None:
        return None
    if type(value) is not list or len(value) != 4:
        raise Invalid
    return json.dumps([v if type(v) is float else _float(v) for v in value])


def build_survey(o: Any) -> Survey:
    s = Survey(
        sentera_id=o["sentera_id"],
        content_hash=o["content_hash"],
        field_sentera_id=o["field"]["sentera_id"],
        name=o["name"],
        color=o["color"],
        start_time=o["start_time"],
        end_time=o["end_time"],
        notes=o["notes"],
        created_at=o["created_at"],
        updated_at=o["updated_at"],
    )
    if not (
        type(s.sentera_id) is str
        and type(s.content_hash) is str
        and type(s.field_sentera_id) is str
        and type(s.name) is str
        and type(s.color) is str
        and type(s.start_time) is str
        and type(s.end_time) is str
        and (s.notes is None or type(s.notes) is str)
        and type(s.created_at) is str
        and type(s.updated_at) is str
    ):
        raise Invalid
    return s


def build_mosaic(o: Any) -> Mosaic:
    area_value, area_unit = _area(o["area"])
    created_by, updated_by = o["created_by"], o["updated_by"]
    if created_by is not None:
        created_by = created_by["sentera_id"]
        if type(created_by) is not str:
            raise Invalid
    if updated_by is not None:
        updated_by = updated_by["sentera_id"]
        if type(updated_by) is not str:
            raise Invalid
    m = Mosaic(
        sentera_id=o["sentera_id"],
        content_hash=o["content_hash"],
        survey_sentera_id=o["survey"]["sentera_id"],
        name=o["name"],
        mosaic_type=o["mosaic_type"],
        quality=o["quality"],
        image_status=o["image_status"],
        area_value=area_value,
        area_unit=area_unit,
        captured_at=o["captured_at"],
        image_count=o["images"]["total_count"],
        is_from_sentera_sensor=o["is_from_sentera_sensor"],
        released=o["released"],
        message=o["message"],
        created_at=o["created_at"],
        created_by=created_by,
        updated_at=o["updated_at"],
        updated_by=updated_by,
    )
    if not (
        type(m.sentera_id) is str
        and type(m.content_hash) is str
        and type(m.survey_sentera_id) is str
        and type(m.name) is str
        and type(m.mosaic_type) is str
        and type(m.quality) is str
        and type(m.image_status) is str
        and type(m.captured_at) is str
        and type(m.image_count) is int
        and type(m.is_from_sentera_sensor) is bool
        and type(m.released) is bool
        and (m.message is None or type(m.message) is str)
        and type(m.created_at) is str
        and type(m.updated_at) is str
    ):
        raise Invalid
    return m


def build_deleted(o: Any) -> Deleted:
    d = Deleted(sentera_id=o["sentera_id"], content_hash=o["content_hash"])
    if not (type(d.sentera_id) is str and type(d.content_hash) is str):
        raise Invalid
    return d


def build_sync_error(o: Any) -> SyncError:
    details = o["details"]
    e = SyncError(
        key=o["key"],
        message=o["message"],
        code=o["code"],
        reason=o["reason"],
        details_json=None if details is None else json.dumps(details, sort_keys=True),
    )
    if not (
        type(e.key) is str
        and type(e.message) is str
        and (e.code is None or type(e.code) is str)
        and (e.reason is None or type(e.reason) is str)
    ):
        raise Invalid
    return e


def build_organization(o: Any) -> Organization:
    org = Organization(
        sentera_id=o["sentera_id"],
        name=o["name"],
        organization_type=o["organization_type"],
        parent_organization_id=o["parent_organization_id"],
    )
    parent = org.parent_organization_id
    if not (
        type(org.sentera_id) is str
        and type(org.name) is str
        and type(org.organization_type) is str
        and (parent is None or type(parent) is str)
    ):
        raise Invalid
    return org
