"""Plain records of the FieldAgent catalogue, shared by every layer.

The API client parses server pages into these, the store writes them and reads them
back, the sync engine passes them along and the UI shows them. They are frozen so
they can cross threads safely, and they import nothing from the project, so every
layer may depend on them without depending on each other.

The vocabulary every layer shares lives here too (`ScopeKind`, `Scope`, `Outcome`,
`Level`), so no layer translates another's enums.

Enumerated values (mosaic_type, quality, image_status, area units) stay plain strings:
an unknown value from the server is kept, never rejected.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T", covariant=True)


class ScopeKind(StrEnum):
    """What a sync run, a mosaic query or a tree entry covers: everything, or one
    organization, field or survey (and everything below it)."""

    ALL = "all"
    ORGANIZATION = "organization"
    FIELD = "field"
    SURVEY = "survey"

    @property
    def noun(self) -> str:
        """The word a sentence uses for one item of this kind ("this field ...")."""
        return "item" if self is ScopeKind.ALL else self.value


@dataclass(frozen=True, slots=True)
class Scope:
    """One scope for every layer: the engine syncs it, the store filters by it, the tree
    selects it. `sentera_id` is None only for ALL."""

    kind: ScopeKind = ScopeKind.ALL
    sentera_id: str | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls()


class Outcome(StrEnum):
    """How a sync run ended, the same value in the engine, the store's run log and the UI."""

    RUNNING = "running"  # only in the run log, while the run is going on
    COMPLETE = "complete"  # every scope's loop ended with remaining_count == 0
    PARTIAL = "partial"  # some scopes failed; the others are synced
    CANCELLED = "cancelled"  # the user cancelled; what was committed stays
    # The network went away (resumes when it is back); in the run log also a run still
    # "running" when the store was next opened: FieldDesk stopped mid-run.
    INTERRUPTED = "interrupted"
    SIGNED_OUT = "signed_out"  # auth failed and could not be refreshed
    FAILED = "failed"  # nothing could be synced (store error, server refused, ...)


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


class CancelToken:
    """A thread-safe cancel flag, shared by the sync engine and the downloads.

    Checked between pages, chunks and before every commit; `wait` doubles as a backoff
    sleep that ends early on cancel.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; return True early if cancelled meanwhile."""
        return self._event.wait(seconds)
