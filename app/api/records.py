"""What FieldAgent's responses look like, declared once as msgspec Structs.

Each Struct mirrors the selection of a query document (`resources/queries/`), nested
as the JSON is: decoding a response body straight into them checks every selected
field's presence and JSON type in one C pass, and a failure names the JSON path
(`$.sync_mosaics.upserted[12].images.total_count`). `to_domain` flattens a record into
the `app.domain` record the rest of FieldDesk uses; `from_domain` goes back, so the
CLI's `ls --json` prints the API's own shape from the same description.

Rules the declarations follow (the tests hold them to the query documents):
- every selected field is required; `X | None` means the server may send null there,
  and only where the domain record allows None (`area` included, since the server no
  longer computes mosaic areas);
- fields the server adds beyond the selection are ignored (msgspec skips them);
- enumerated values (mosaic_type, quality, ...) are plain `str`: an unknown value is
  kept, never rejected;
- `float` accepts JSON integers; `int` and `bool` are strict (no 1 for true, no 1.5).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from app.domain import Deleted, Field, Mosaic, Organization, Survey, SyncError
from app.domain_files import RemoteFile

T = TypeVar("T")
Count = Annotated[int, msgspec.Meta(ge=0)]


class _Record(msgspec.Struct, gc=False):
    """Records hold only strings, numbers and other records: no cycles to collect."""


class Ref(_Record):
    """A reference to another object, of which only the id is selected."""

    sentera_id: str


class Area(_Record):
    value: float
    unit: str


class Images(_Record):
    total_count: int


def _ref(sentera_id: str | None) -> Ref | None:
    return None if sentera_id is None else Ref(sentera_id)


def _area(value: float | None, unit: str | None) -> Area | None:
    return None if value is None or unit is None else Area(value, unit)


# -- field outlines (GeoJSON, WGS84) ---------------------------------------------------
# `boundary` is a JSON scalar in the schema, so it is a leaf of the selection; its shape
# is still checked here. The server sends a Polygon or MultiPolygon, and some accounts a
# FeatureCollection of them; the store keeps one geometry, so a collection is folded
# into the Polygon or MultiPolygon it amounts to.
Position = Annotated[list[float], msgspec.Meta(min_length=2)]
Ring = list[Position]
BBox = Annotated[list[float], msgspec.Meta(min_length=4, max_length=4)]


class Polygon(_Record, tag_field="type", tag="Polygon"):
    coordinates: list[Ring]


class MultiPolygon(_Record, tag_field="type", tag="MultiPolygon"):
    coordinates: list[list[Ring]]


class Feature(_Record, tag_field="type", tag="Feature"):
    geometry: Polygon | MultiPolygon | None


class FeatureCollection(_Record, tag_field="type", tag="FeatureCollection"):
    features: list[Feature]


Geometry = Polygon | MultiPolygon
Outline = Polygon | MultiPolygon | FeatureCollection
_GEOMETRY = msgspec.json.Decoder(Geometry)


def outline_geometry(outline: Outline | None) -> Geometry | None:
    """One geometry for an outline; None when a collection holds no polygon."""
    if not isinstance(outline, FeatureCollection):
        return outline
    polygons: list[list[Ring]] = []
    for feature in outline.features:
        geometry = feature.geometry
        if isinstance(geometry, Polygon):
            polygons.append(geometry.coordinates)
        elif isinstance(geometry, MultiPolygon):
            polygons.extend(geometry.coordinates)
    if not polygons:
        return None
    return Polygon(polygons[0]) if len(polygons) == 1 else MultiPolygon(polygons)


def _outline_text(outline: Outline | None) -> str | None:
    """The outline as compact GeoJSON text, as the store keeps it."""
    geometry = outline_geometry(outline)
    return None if geometry is None else msgspec.json.encode(geometry).decode()


def _bbox_text(bbox: list[float] | None) -> str | None:
    return None if bbox is None else json.dumps(bbox)


class OrganizationRecord(_Record):
    sentera_id: str
    name: str
    organization_type: str
    parent_organization_id: str | None

    def to_domain(self) -> Organization:
        return Organization(
            self.sentera_id, self.name, self.organization_type, self.parent_organization_id
        )

    @classmethod
    def from_domain(cls, o: Organization) -> OrganizationRecord:
        return cls(o.sentera_id, o.name, o.organization_type, o.parent_organization_id)


class FieldRecord(_Record):
    sentera_id: str
    content_hash: str
    name: str
    latitude: float
    longitude: float
    area: Area | None
    active: bool
    farm: str | None
    grower: str | None
    time_zone: str | None
    organization: Ref
    created_at: str
    updated_at: str
    boundary: Outline | None
    bbox: BBox | None  # [west, south, east, north]

    def to_domain(self) -> Field:
        area = self.area
        return Field(
            sentera_id=self.sentera_id,
            content_hash=self.content_hash,
            organization_sentera_id=self.organization.sentera_id,
            name=self.name,
            latitude=self.latitude,
            longitude=self.longitude,
            area_value=None if area is None else area.value,
            area_unit=None if area is None else area.unit,
            active=self.active,
            farm=self.farm,
            grower=self.grower,
            time_zone=self.time_zone,
            created_at=self.created_at,
            updated_at=self.updated_at,
            boundary=_outline_text(self.boundary),
            bbox=_bbox_text(self.bbox),
        )

    @classmethod
    def from_domain(cls, f: Field) -> FieldRecord:
        return cls(
            sentera_id=f.sentera_id,
            content_hash=f.content_hash,
            name=f.name,
            latitude=f.latitude,
            longitude=f.longitude,
            area=_area(f.area_value, f.area_unit),
            active=f.active,
            farm=f.farm,
            grower=f.grower,
            time_zone=f.time_zone,
            organization=Ref(f.organization_sentera_id),
            created_at=f.created_at,
            updated_at=f.updated_at,
            boundary=None if f.boundary is None else _GEOMETRY.decode(f.boundary),
            bbox=None if f.bbox is None else json.loads(f.bbox),
        )


class SurveyRecord(_Record):
    sentera_id: str
    content_hash: str
    name: str
    color: str
    start_time: str
    end_time: str
    notes: str | None
    field: Ref
    created_at: str
    updated_at: str

    def to_domain(self) -> Survey:
        return Survey(
            sentera_id=self.sentera_id,
            content_hash=self.content_hash,
            field_sentera_id=self.field.sentera_id,
            name=self.name,
            color=self.color,
            start_time=self.start_time,
            end_time=self.end_time,
            notes=self.notes,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )

    @classmethod
    def from_domain(cls, s: Survey) -> SurveyRecord:
        return cls(
            sentera_id=s.sentera_id,
            content_hash=s.content_hash,
            name=s.name,
            color=s.color,
            start_time=s.start_time,
            end_time=s.end_time,
            notes=s.notes,
            field=Ref(s.field_sentera_id),
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


class MosaicRecord(_Record):
    sentera_id: str
    content_hash: str
    name: str
    mosaic_type: str
    quality: str
    image_status: str
    area: Area | None
    captured_at: str
    images: Images
    is_from_sentera_sensor: bool
    released: bool
    message: str | None
    created_at: str
    created_by: Ref | None
    updated_at: str
    updated_by: Ref | None
    survey: Ref

    def to_domain(self) -> Mosaic:
        area, created_by, updated_by = self.area, self.created_by, self.updated_by
        return Mosaic(
            sentera_id=self.sentera_id,
            content_hash=self.content_hash,
            survey_sentera_id=self.survey.sentera_id,
            name=self.name,
            mosaic_type=self.mosaic_type,
            quality=self.quality,
            image_status=self.image_status,
            area_value=None if area is None else area.value,
            area_unit=None if area is None else area.unit,
            captured_at=self.captured_at,
            image_count=self.images.total_count,
            is_from_sentera_sensor=self.is_from_sentera_sensor,
            released=self.released,
            message=self.message,
            created_at=self.created_at,
            created_by=None if created_by is None else created_by.sentera_id,
            updated_at=self.updated_at,
            updated_by=None if updated_by is None else updated_by.sentera_id,
        )

    @classmethod
    def from_domain(cls, m: Mosaic) -> MosaicRecord:
        return cls(
            sentera_id=m.sentera_id,
            content_hash=m.content_hash,
            name=m.name,
            mosaic_type=m.mosaic_type,
            quality=m.quality,
            image_status=m.image_status,
            area=_area(m.area_value, m.area_unit),
            captured_at=m.captured_at,
            images=Images(m.image_count),
            is_from_sentera_sensor=m.is_from_sentera_sensor,
            released=m.released,
            message=m.message,
            created_at=m.created_at,
            created_by=_ref(m.created_by),
            updated_at=m.updated_at,
            updated_by=_ref(m.updated_by),
            survey=Ref(m.survey_sentera_id),
        )


class DeletedRecord(_Record):
    sentera_id: str
    content_hash: str

    def to_domain(self) -> Deleted:
        return Deleted(self.sentera_id, self.content_hash)


class SyncErrorRecord(_Record):
    key: str
    message: str
    code: str | None
    reason: str | None
    details: Any  # any JSON value; kept re-serialised, the same text for the same value

    def to_domain(self) -> SyncError:
        details = self.details
        return SyncError(
            key=self.key,
            message=self.message,
            code=self.code,
            reason=self.reason,
            details_json=None if details is None else json.dumps(details, sort_keys=True),
        )


class SyncPageRecord(_Record, Generic[T]):
    """One page of any `sync_*` query; `failed` may be null, meaning no failures."""

    remaining_count: Count
    upserted: list[T]
    deleted: list[DeletedRecord]
    failed: list[SyncErrorRecord] | None


class FileOwnerRecord(_Record):
    owner_type: str
    sentera_id: str


# The schema's BigInt arrives as a string of digits.
Digits = Annotated[str, msgspec.Meta(pattern=r"^[0-9]+$")]


class FileRecord(_Record):
    """A `File` from `sync_files`; `url` is a signed link that expires."""

    sentera_id: str
    content_hash: str
    updated_at: str
    filename: str
    download_filename: str | None
    file_type: str
    size: Digits | None
    url: str | None
    file_owner: FileOwnerRecord

    def to_domain(self) -> RemoteFile:
        return RemoteFile(
            sentera_id=self.sentera_id,
            content_hash=self.content_hash,
            owner_type=self.file_owner.owner_type,
            owner_id=self.file_owner.sentera_id,
            filename=self.filename,
            download_filename=self.download_filename,
            file_type=self.file_type,
            size=None if self.size is None else int(self.size),
            url=self.url,
            updated_at=self.updated_at,
        )


class OrganizationsPageRecord(_Record):
    page: int
    page_size: int
    total_count: int
    results: list[OrganizationRecord]


class UserRecord(_Record):
    sentera_id: str
    email: str | None


# The `data` object of each query: the root field named as the document names it.
class SyncFieldsData(_Record):
    sync_fields: SyncPageRecord[FieldRecord]


class SyncSurveysData(_Record):
    sync_surveys: SyncPageRecord[SurveyRecord]


class SyncMosaicsData(_Record):
    sync_mosaics: SyncPageRecord[MosaicRecord]


class SyncFilesData(_Record):
    sync_files: SyncPageRecord[FileRecord]


class OrganizationsData(_Record):
    organizations: OrganizationsPageRecord


class UserData(_Record):
    user: UserRecord
