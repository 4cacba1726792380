"""What the mosaic list asks the store for: a filter and an order (no SQL here).

`app.store.queries` turns a `MosaicQuery` into SQLAlchemy Core; `app.store.glance`
answers the first screenful of the unfiltered ones before SQLAlchemy is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain import Scope


class MosaicSort(StrEnum):
    CAPTURED_AT = "captured_at"
    NAME = "name"
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"
    MOSAIC_TYPE = "mosaic_type"
    QUALITY = "quality"
    IMAGE_STATUS = "image_status"
    AREA = "area_value"
    IMAGE_COUNT = "image_count"


@dataclass(frozen=True, slots=True)
class MosaicQuery:
    """A filtered, sorted view of the mosaics; empty filters match everything.

    `text` matches name or message, case-insensitively (ASCII), as a substring.
    `captured_from` / `captured_to` are ISO-8601 prefixes compared with the server's
    `captured_at` text, both inclusive at the precision given: captured_to="2024-06-30"
    includes the whole of that day.
    """

    scope: Scope | None = None
    text: str = ""
    mosaic_types: frozenset[str] = frozenset()
    qualities: frozenset[str] = frozenset()
    captured_from: str | None = None
    captured_to: str | None = None
    only_new: bool = False
    sort: MosaicSort = MosaicSort.CAPTURED_AT
    descending: bool = True
