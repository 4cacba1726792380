"""Single FieldAgent records with realistic values: users, organizations, fields,
surveys, mosaics.

Used by the account generator and by the dataset's mutation API and live mode, so items
created at run time look like generated ones. Every function takes its random generator,
so the caller decides what is deterministic.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from app.simulator import ids
from app.simulator.geometry import boundary_fields

Item = dict[str, Any]

_FAMILIES = [
    "Anderson", "Johnson", "Miller", "Schmidt", "Peterson", "Larson", "Nelson", "Olson",
    "Hansen", "Meyer", "Becker", "Wagner", "Kowalski", "Lindqvist",
]  # fmt: skip
FIRST_NAMES = ["Anna", "Ben", "Carla", "Dev", "Erik", "Fatima", "Greg", "Hana", "Ivan", "Jo"]
_PLACES = [
    "North", "South", "East", "West", "Home", "River", "Creek", "Hill", "Mill", "Church",
    "School", "Pivot", "Bottom", "Ridge", "Airport", "Quarry",
]  # fmt: skip
_FIELD_SUFFIXES = ["40", "80", "Quarter", "Section", "Place", "Field", "160", "Pivot"]
_PURPOSES = [
    "Stand count", "V6 scouting", "Weed pressure", "Pre-harvest", "Nitrogen check",
    "Tasseling", "Hail damage", "Drainage", "Emergence", "Fungicide timing",
]  # fmt: skip
_NOTES = [
    "Windy, some blur on the east edge.",
    "Flown after rain; standing water in NW corner.",
    "Grower asked for NDVI before side-dress.",
    "Second pass over the pivot corners.",
    "Low cloud, exposure adjusted.",
]
_COLORS = [
    "#E6194B", "#3CB44B", "#FFE119", "#4363D8", "#F58231", "#911EB4", "#46F0F0", "#F032E6",
    "#BCF60C", "#008080", "#9A6324", "#800000",
]  # fmt: skip
# (mosaic_type, label in the default name, weight)
_MOSAIC_TYPES = [
    ("RGB", "RGB", 30), ("NDVI", "NDVI", 25), ("NDRE", "NDRE", 10),
    ("MULTISPECTRAL", "Multispectral", 10), ("WEED_DETECTION", "Weed Detection", 8),
    ("CUSTOM_INDEXED", "Custom", 7), ("THERMAL", "Thermal", 5),
]  # fmt: skip
_STATUSES = [("AVAILABLE", 90), ("PROCESSING", 5), ("FAILED", 3), ("QUEUED", 2)]
_STATUS_MESSAGES = {
    "FAILED": "Processing failed: not enough image overlap.",
    "PROCESSING": "Processing started.",
    "QUEUED": "Waiting for processing.",
}
ACRES_PER_HECTARE = 2.471_054


def finish(item: Item) -> Item:
    item["content_hash"] = ids.content_hash(item)
    return item


def make_user(factory: ids.IdFactory, serial: int, first: str, last: str) -> Item:
    created = datetime(2020, 1, 6, 15, 0, tzinfo=UTC) + timedelta(days=serial * 11)
    return {
        "sentera_id": factory.make(ids.USER, serial, created),
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}@fielddesk.example",
    }


def make_organization(
    factory: ids.IdFactory,
    serial: int,
    *,
    name: str,
    parent: str | None,
    organization_type: str,
    city: str,
) -> Item:
    created = datetime(2020, 1, 6, 14, 0, tzinfo=UTC) + timedelta(days=serial * 17)
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    return {
        "sentera_id": factory.make(ids.ORGANIZATION, serial, created),
        "name": name,
        "organization_type": organization_type,
        "parent_organization_id": parent,
        "country_code": "US",
        "email": f"office@{slug}.example",
        "city": city,
    }


def make_field(
    rng: random.Random,
    factory: ids.IdFactory,
    serial: int,
    *,
    org_id: str,
    created: datetime,
    user: Item,
) -> Item:
    family = rng.choice(_FAMILIES)
    longitude = round(rng.uniform(-100.5, -89.0), 6)
    item: Item = {
        "__typename": "Field",
        "sentera_id": factory.make(ids.FIELD, serial, created),
        "created_at": ids.iso(created),
        "created_by": user,
        "updated_at": ids.iso(created + timedelta(days=rng.randint(0, 300))),
        "updated_by": user if rng.random() < 0.5 else None,
        "name": f"{rng.choice(_PLACES)} {rng.choice(_FIELD_SUFFIXES)}",
        "latitude": round(rng.uniform(41.0, 47.5), 6),
        "longitude": longitude,
        "area": {"value": round(rng.uniform(20, 320), 1), "unit": "ACRE"},
        "active": rng.random() < 0.9,
        "shared": rng.random() < 0.1,
        "time_zone": "America/Denver" if longitude < -99.5 else "America/Chicago",
        "farm": f"{family} Farms",
        "grower": f"{rng.choice(FIRST_NAMES)} {family}",
        "organization": {"sentera_id": org_id},
    }
    # Drawn from the field's own id and position, not from `rng`: the outline never
    # shifts the other generated values.
    item.update(boundary_fields(item, serial))
    return finish(item)


def make_survey(
    rng: random.Random,
    factory: ids.IdFactory,
    serial: int,
    *,
    field_id: str,
    start: datetime,
    user: Item,
    name: str | None = None,
) -> Item:
    end = start + timedelta(minutes=rng.randint(15, 90))
    created = end + timedelta(minutes=rng.randint(5, 120), seconds=rng.randint(0, 59))
    return finish(
        {
            "__typename": "Survey",
            "sentera_id": factory.make(ids.SURVEY, serial, created),
            "created_at": ids.iso(created),
            "created_by": user,
            "updated_at": ids.iso(created + timedelta(hours=rng.randint(0, 72))),
            "updated_by": user if rng.random() < 0.3 else None,
            "name": name or f"{start:%Y-%m-%d} {rng.choice(_PURPOSES)}",
            "color": rng.choice(_COLORS),
            "start_time": ids.iso(start),
            "end_time": ids.iso(end),
            "notes": rng.choice(_NOTES) if rng.random() < 0.4 else None,
            "images": {"total_count": rng.randint(80, 900)},
            "field": {"sentera_id": field_id},
        }
    )


def make_mosaic(
    rng: random.Random,
    factory: ids.IdFactory,
    serial: int,
    *,
    survey: Item,
    user: Item,
    created: datetime | None = None,
    flown: datetime | None = None,
) -> Item:
    flown = flown or ids.parse_iso(survey["start_time"])
    captured = flown + timedelta(seconds=rng.randint(0, 2_400))
    created = created or captured + timedelta(seconds=rng.randint(2_700, 21_600))
    mosaic_type, label, _ = rng.choices(_MOSAIC_TYPES, [t[2] for t in _MOSAIC_TYPES])[0]
    if mosaic_type == "CUSTOM_INDEXED":
        label = f"Custom ({rng.choice(['GNDVI', 'VARI', 'SAVI', 'CIgreen'])})"
    quality = "FULL" if rng.random() < 0.85 else "PREVIEW"
    status = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]
    acres = round(rng.uniform(15, 300), 2)
    area = (
        {"value": acres, "unit": "ACRE"}
        if rng.random() < 0.9
        else {"value": round(acres / ACRES_PER_HECTARE, 2), "unit": "HECTARE"}
    )
    message = _STATUS_MESSAGES.get(status)
    if message is None and rng.random() < 0.05:
        message = "Reprocessed with updated calibration."
    return finish(
        {
            "__typename": "Mosaic",
            "sentera_id": factory.make(ids.MOSAIC, serial, created),
            "created_at": ids.iso(created),
            "created_by": user,
            "updated_at": ids.iso(created + timedelta(minutes=rng.randint(0, 2880))),
            "updated_by": user if rng.random() < 0.4 else None,
            "name": f"{quality.title()} Mosaic {label}",
            "mosaic_type": mosaic_type,
            "quality": quality,
            "image_status": status,
            "area": area,
            "captured_at": ids.iso(captured),
            "images": {"total_count": max(1, survey["images"]["total_count"] - rng.randint(0, 20))},
            "is_from_sentera_sensor": rng.random() < 0.8,
            "message": message,
            "released": status == "AVAILABLE" and rng.random() < 0.95,
            "survey": {"sentera_id": survey["sentera_id"]},
        }
    )
