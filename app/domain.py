"""Plain records of the FieldAgent catalogue, shared by every layer.

The API client parses server pages into these, the store writes them and reads them
back, the sync engine passes them along and the UI shows them. They are frozen so
they can cross threads safely, and they import nothing from the project, so every
layer may depend on them without depending on each other.

Enumerated values (mosaic_type, quality, image_status, area units) stay plain strings:
an unknown value from the server is kept, never rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T", covariant=True)


class Level(StrEnum):
    """The four levels of the catalogue, in sync order."""

    ORGANIZATIONS = "organizations"
    FIELDS = "fields"
    SURVEYS = "surveys"
    MOSAICS = "mosaics"


@dataclass(frozen=True, slots=True)
class Organization:
    sentera_id: str
    name: str
    organization_type: str
    parent_organization_id: str | None


@dataclass(frozen=True, slots=True)
class Field:
    sentera_id: str
    content_hash: str
    organization_sentera_id: str
    name: str
    latitude: float
    longitude: float
    area_value: float | None
    area_unit: str | None
    active: bool
    farm: str | None
    grower: str | None
    time_zone: str | None
    created_at: str
    updated_at: str
    # The outline (GeoJSON text, WGS84) and `[west, south, east, north]` (JSON text), kept
    # as the server sent them so the store writes them as they are; None when unknown.
    boundary: str | None = None
    bbox: str | None = None


@dataclass(frozen=True, slots=True)
class Survey:
    sentera_id: str
    content_hash: str
    field_sentera_id: str
    name: str
    color: str
    start_time: str
    end_time: str
    notes: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class Mosaic:
    sentera_id: str
    content_hash: str
    survey_sentera_id: str
    name: str
    mosaic_type: str
    quality: str
    image_status: str
    area_value: float | None
    area_unit: str | None
    captured_at: str
    image_count: int
    is_from_sentera_sensor: bool
    released: bool
    message: str | None
    created_at: str
    created_by: str | None
    updated_at: str
    updated_by: str | None


@dataclass(frozen=True, slots=True)
class Deleted:
    """A `deleted` entry: the item and the hash of the version the client had."""

    sentera_id: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class SyncError:
    """One entry of a sync page's `failed` list, as the server sent it."""

    key: str
    message: str
    code: str | None = None
    reason: str | None = None
    details_json: str | None = None  # the `details` JSON value, re-serialised


@dataclass(frozen=True, slots=True)
class SyncPage(Generic[T]):
    """One page of a `sync_*` query, validated and parsed."""

    upserted: tuple[T, ...]
    deleted: tuple[Deleted, ...]
    failed: tuple[SyncError, ...]
    remaining_count: int
    response_bytes: int = 0


@dataclass(frozen=True, slots=True)
class OrganizationPage:
    results: tuple[Organization, ...]
    total_count: int
    page: int
    page_size: int
    response_bytes: int = 0


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What one committed transaction changed, by level: sentera_ids per kind of change.

    The UI updates its models from these instead of re-reading everything.
    """

    level: Level
    scope_id: str | None
    inserted: frozenset[str] = frozenset()
    updated: frozenset[str] = frozenset()
    deleted: frozenset[str] = frozenset()
    # Deleting a field or survey deletes its children; their ids are listed here so
    # views showing mosaics can drop those rows too.
    cascaded_surveys: frozenset[str] = frozenset()
    cascaded_mosaics: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (
            self.inserted
            or self.updated
            or self.deleted
            or self.cascaded_surveys
            or self.cascaded_mosaics
        )
