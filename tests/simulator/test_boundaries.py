"""Field outlines and bboxes over real HTTP: present, realistic, part of the field's hash."""

from __future__ import annotations

from typing import Any

from pyproj import Geod

from app.simulator import Simulator
from app.simulator.geometry import area_square_metres
from tests.simulator.gql import GraphQL

SYNC_FIELDS = """query($org: ID!, $h: [String!]!) {
  sync_fields(organization_sentera_id: $org, content_hashes: $h,
              include_descendant_organizations: true) {
    remaining_count
    upserted { sentera_id content_hash
      ... on Field { latitude longitude area { value unit } boundary bbox } }
    deleted { sentera_id content_hash }
  }
}"""
_GEOD = Geod(ellps="WGS84")


def _fields(gql: GraphQL, simulator: Simulator, held: list[str] | None = None) -> Any:
    root = simulator.dataset.organizations()[0]["sentera_id"]
    return gql.data(SYNC_FIELDS, {"org": root, "h": held or []})["sync_fields"]


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon"
    return list(geometry["coordinates"])


def _ring_area(ring: list[list[float]]) -> float:
    """Signed geodesic area: positive for a counter-clockwise ring."""
    area, _ = _GEOD.polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
    return float(area)


def _area(geometry: dict[str, Any]) -> float:
    return sum(
        _ring_area(rings[0]) + sum(_ring_area(hole) for hole in rings[1:])
        for rings in _polygons(geometry)
    )


def test_every_field_has_an_outline_of_its_area(simulator: Simulator, gql: GraphQL) -> None:
    fields = _fields(gql, simulator)["upserted"]
    assert len(fields) == simulator.dataset.counts()["fields"]
    kinds = set()
    for field in fields:
        boundary, (west, south, east, north) = field["boundary"], field["bbox"]
        polygons = _polygons(boundary)
        kinds.add("parts" if len(polygons) > 1 else "hole" if len(polygons[0]) > 1 else "simple")
        for rings in polygons:
            assert _ring_area(rings[0]) > 0, "exterior rings run counter-clockwise"
            assert all(_ring_area(hole) < 0 for hole in rings[1:]), "holes run clockwise"
            for ring in rings:
                assert ring[0] == ring[-1] and len(ring) >= 4
        # Irregular: far more vertices than a rectangle.
        assert sum(len(ring) for rings in polygons for ring in rings) > 12
        expected = area_square_metres(field["area"])
        assert abs(_area(boundary) - expected) / expected < 0.05
        points = [p for rings in polygons for ring in rings for p in ring]
        assert west == min(p[0] for p in points) and east == max(p[0] for p in points)
        assert south == min(p[1] for p in points) and north == max(p[1] for p in points)
        assert west < field["longitude"] < east and south < field["latitude"] < north
        # A field, not a county: a few hundred metres to a few kilometres across.
        assert 0.001 < east - west < 0.1 and 0.001 < north - south < 0.1
    assert kinds == {"simple", "hole", "parts"}


def test_outlines_are_the_same_for_the_same_seed(
    simulator: Simulator, simulator_factory: Any, gql: GraphQL
) -> None:
    again = simulator_factory()
    first = _fields(gql, simulator)["upserted"]
    second = GraphQL(again)
    try:
        assert _fields(second, again)["upserted"] == first
    finally:
        second.close()


def test_a_new_outline_changes_the_hash_and_the_bbox(simulator: Simulator, gql: GraphQL) -> None:
    first = _fields(gql, simulator)["upserted"]
    held = {f["sentera_id"]: f for f in first}
    target = first[0]
    west, south, east, north = target["bbox"]
    square = [[west, south], [east, south], [east, north], [west, north], [west, south]]

    simulator.dataset.update_field(
        target["sentera_id"], boundary={"type": "Polygon", "coordinates": [square]}
    )
    page = _fields(gql, simulator, [f["content_hash"] for f in held.values()])

    assert [f["sentera_id"] for f in page["upserted"]] == [target["sentera_id"]]
    changed = page["upserted"][0]
    assert changed["content_hash"] != target["content_hash"]
    assert changed["boundary"]["coordinates"] == [square]
    assert changed["bbox"] == [west, south, east, north]


def test_moving_a_field_redraws_its_outline(simulator: Simulator, gql: GraphQL) -> None:
    target = _fields(gql, simulator)["upserted"][1]
    simulator.dataset.update_field(
        target["sentera_id"], latitude=target["latitude"] + 0.5, area={"value": 40, "unit": "ACRE"}
    )
    moved = next(
        f for f in _fields(gql, simulator)["upserted"] if f["sentera_id"] == target["sentera_id"]
    )
    south, north = moved["bbox"][1], moved["bbox"][3]
    assert south < target["latitude"] + 0.5 < north
    assert abs(_area(moved["boundary"]) - area_square_metres(moved["area"])) < 0.05 * 40 * 4046.86
    # It keeps its kind of outline (a hole stays a hole, two parts stay two).
    assert len(_polygons(moved["boundary"])) == len(_polygons(target["boundary"]))
