"""Server-shaped JSON for parse and client tests: what a FieldAgent page looks like."""

from __future__ import annotations

import copy
import json
from typing import Any


def mosaic(i: int = 0, survey: str = "svy_CO_1") -> dict[str, Any]:
    return {
        "sentera_id": f"mos{i}_MO_x",
        "content_hash": f"hash/{i:011d}+",
        "created_at": "2024-05-01T10:00:00Z",
        "created_by": {"sentera_id": "usr_US_1"},
        "updated_at": "2024-05-02T10:00:00Z",
        "updated_by": None,
        "area": {"value": 12.5, "unit": "ACRE"},
        "captured_at": "2024-04-30T15:00:00Z",
        "image_status": "AVAILABLE",
        "images": {"total_count": 431},
        "is_from_sentera_sensor": True,
        "message": None,
        "mosaic_type": "RGB",
        "name": f"Mosaic {i}",
        "quality": "FULL",
        "released": True,
        "survey": {"sentera_id": survey},
        "__typename": "Mosaic",
    }


def field(i: int = 0) -> dict[str, Any]:
    return {
        "sentera_id": f"fld{i}_AS_x",
        "content_hash": f"fhash{i:011d}",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        "name": f"North {i}",
        "latitude": 45,
        "longitude": -93.25,
        "area": {"value": 80, "unit": "ACRE"},
        "active": True,
        "farm": "Home farm",
        "grower": None,
        "time_zone": "America/Chicago",
        "organization": {"sentera_id": "org_OR_1"},
        "boundary": {
            "type": "Polygon",
            "coordinates": [[[-93.26, 45.0], [-93.24, 45.0], [-93.25, 45.01], [-93.26, 45.0]]],
        },
        "bbox": [-93.26, 45.0, -93.24, 45.01],
    }


def survey(i: int = 0) -> dict[str, Any]:
    return {
        "sentera_id": f"svy{i}_CO_x",
        "content_hash": f"shash{i:011d}",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        "name": f"Flight {i}",
        "color": "#33aa55",
        "start_time": "2024-04-30T14:00:00Z",
        "end_time": "2024-04-30T15:00:00Z",
        "notes": None,
        "field": {"sentera_id": "fld0_AS_x"},
    }


def sync_page(root: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "remaining_count": 0,
        "upserted": items,
        "deleted": [],
        "failed": None,
    }
    result.update(extra)
    return {root: copy.deepcopy(result)}


def organizations(n: int = 2) -> dict[str, Any]:
    results = [
        {
            "sentera_id": f"org{i}_OR_x",
            "name": f"Org {i}",
            "organization_type": "GROWER",
            "parent_organization_id": None if i == 0 else "org0_OR_x",
        }
        for i in range(n)
    ]
    return {
        "organizations": {
            "page": 1,
            "page_size": 100,
            "total_count": n,
            "present": True,
            "results": results,
        }
    }


def body(data: dict[str, Any]) -> bytes:
    """A GraphQL response body carrying `data`, as the server sends it."""
    return json.dumps({"data": data}).encode()


def selection(record: type) -> dict[tuple[str, ...], str]:
    """Every JSON path a record Struct requires, with its kind ("str", "obj?", ...),
    parents before children: read from the one declaration in `app.api.records`."""
    import msgspec.inspect as mi

    def kind_of(t: Any) -> tuple[str, Any]:
        nullable = isinstance(t, mi.UnionType) and any(isinstance(x, mi.NoneType) for x in t.types)
        if nullable:
            rest = [x for x in t.types if not isinstance(x, mi.NoneType)]
            t = rest[0] if len(rest) == 1 else mi.UnionType(tuple(rest))
        names = {
            mi.StrType: "str",
            mi.FloatType: "float",
            mi.IntType: "int",
            mi.BoolType: "bool",
            mi.StructType: "obj",
            mi.ListType: "list",
            mi.AnyType: "any",
        }
        if isinstance(t, mi.UnionType):  # tagged Structs: a JSON scalar (GeoJSON), a leaf
            return ("json?" if nullable else "json"), None
        name = names[type(t)]
        return (name + "?" if nullable and name != "any" else name), t

    paths: dict[tuple[str, ...], str] = {}

    def walk(info: Any, prefix: tuple[str, ...]) -> None:
        for f in info.fields:
            kind, inner = kind_of(f.type)
            paths[(*prefix, f.encode_name)] = kind
            if isinstance(inner, mi.ListType):
                inner = inner.item_type
            if isinstance(inner, mi.StructType):
                walk(inner, (*prefix, f.encode_name))

    walk(mi.type_info(record), ())
    return paths
