"""Response validation: every selected field present and typed, extras ignored."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.api import parse, records
from app.api.errors import (
    AuthError,
    Forbidden,
    GraphQLError,
    MissingField,
    NotJson,
    ProtocolError,
    SignedOut,
    TokenRejected,
    TruncatedResponse,
    WrongType,
)
from app.domain import Deleted, Mosaic, SyncError
from tests.api import payloads

Parser = Callable[..., Any]


def _read(parser: Parser, data: dict[str, Any], response_bytes: int = 0) -> Any:
    """Parse `data` the way the client does: from a response body."""
    return parser(payloads.body(data), response_bytes)


# (root, item factory, parser, spec) for each sync level; the spec is read from the
# record Struct, so the mutations below cover exactly what the declaration requires.
LEVELS = [
    ("sync_fields", payloads.field, parse.parse_sync_fields, records.FieldRecord),
    ("sync_surveys", payloads.survey, parse.parse_sync_surveys, records.SurveyRecord),
    ("sync_mosaics", payloads.mosaic, parse.parse_sync_mosaics, records.MosaicRecord),
]
LEVEL_IDS = [level[0] for level in LEVELS]

WRONG_VALUES = {
    "str": 17,
    "str?": 17,
    "float": "12.5",
    "int": 1.5,
    "bool": "yes",
    "obj": "x",
    "obj?": ["x"],
    "list": {},
    "list?": "none",
    "json?": "x",
}


def test_mosaic_page_becomes_flat_domain_records() -> None:
    data = payloads.sync_page(
        "sync_mosaics",
        [payloads.mosaic(0), payloads.mosaic(1)],
        remaining_count=7,
        deleted=[{"sentera_id": "gone_MO_x", "content_hash": "old", "__typename": "Mosaic"}],
    )
    page = _read(parse.parse_sync_mosaics, data, 1234)
    assert page.remaining_count == 7
    assert page.response_bytes == 1234
    assert page.deleted == (Deleted("gone_MO_x", "old"),)
    assert page.failed == ()
    first = page.upserted[0]
    assert first == Mosaic(
        sentera_id="mos0_MO_x",
        content_hash="hash/00000000000+",
        survey_sentera_id="svy_CO_1",
        name="Mosaic 0",
        mosaic_type="RGB",
        quality="FULL",
        image_status="AVAILABLE",
        area_value=12.5,
        area_unit="ACRE",
        captured_at="2024-04-30T15:00:00Z",
        image_count=431,
        is_from_sentera_sensor=True,
        released=True,
        message=None,
        created_at="2024-05-01T10:00:00Z",
        created_by="usr_US_1",
        updated_at="2024-05-02T10:00:00Z",
        updated_by=None,
    )


def test_field_numbers_sent_as_integers_become_floats() -> None:
    page = _read(parse.parse_sync_fields, payloads.sync_page("sync_fields", [payloads.field()]))
    field = page.upserted[0]
    assert (field.latitude, field.area_value) == (45.0, 80.0)
    assert type(field.latitude) is float and type(field.area_value) is float
    assert field.organization_sentera_id == "org_OR_1"


def _outline(item: dict[str, Any]) -> Any:
    field = _read(parse.parse_sync_fields, payloads.sync_page("sync_fields", [item])).upserted[0]
    return None if field.boundary is None else json.loads(field.boundary)


def test_field_outline_is_kept_as_one_geometry_with_its_bbox() -> None:
    item = payloads.field()
    field = _read(parse.parse_sync_fields, payloads.sync_page("sync_fields", [item])).upserted[0]
    assert json.loads(field.boundary) == item["boundary"]
    assert json.loads(field.bbox) == item["bbox"]
    item["boundary"] = item["bbox"] = None
    assert _outline(item) is None


def test_a_feature_collection_outline_becomes_its_polygon_or_multipolygon() -> None:
    item = payloads.field()
    polygon = item["boundary"]
    features = [{"type": "Feature", "properties": {"name": "north"}, "geometry": polygon}]
    item["boundary"] = {"type": "FeatureCollection", "features": features}
    assert _outline(item) == polygon
    features.append({"type": "Feature", "properties": None, "geometry": polygon})
    features.append({"type": "Feature", "properties": None, "geometry": None})
    multi = _outline(item)
    assert multi["type"] == "MultiPolygon"
    assert multi["coordinates"] == [polygon["coordinates"], polygon["coordinates"]]
    item["boundary"] = {"type": "FeatureCollection", "features": []}
    assert _outline(item) is None


@pytest.mark.parametrize(
    "outline",
    [
        {"type": "Point", "coordinates": [1.0, 2.0]},
        {"type": "Polygon", "coordinates": "x"},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": 3}]},
    ],
)
def test_an_outline_that_is_not_polygons_is_named(outline: Any) -> None:
    item = payloads.field()
    item["boundary"] = outline
    with pytest.raises(ProtocolError) as err:
        _read(parse.parse_sync_fields, payloads.sync_page("sync_fields", [item]))
    assert err.value.field is not None and "upserted[0].boundary" in err.value.field


def test_a_bbox_needs_four_numbers() -> None:
    item = payloads.field()
    item["bbox"] = [1.0, 2.0, 3.0]
    with pytest.raises(ProtocolError, match=r"bbox"):
        _read(parse.parse_sync_fields, payloads.sync_page("sync_fields", [item]))


def test_survey_page_parses() -> None:
    page = _read(parse.parse_sync_surveys, payloads.sync_page("sync_surveys", [payloads.survey(3)]))
    assert page.upserted[0].field_sentera_id == "fld0_AS_x"
    assert page.upserted[0].name == "Flight 3"


def test_unknown_enum_values_and_extra_fields_pass_through() -> None:
    item = payloads.mosaic()
    item.update(mosaic_type="HYPERSPECTRAL_9000", brand_new_field={"nested": [1, 2]})
    item["images"]["results"] = []
    data = payloads.sync_page("sync_mosaics", [item], server_note="ignored")
    data["extra_root"] = 1
    page = _read(parse.parse_sync_mosaics, data)
    assert page.upserted[0].mosaic_type == "HYPERSPECTRAL_9000"


@pytest.mark.parametrize("failed", [None, []], ids=["null", "empty"])
def test_failed_null_and_empty_both_mean_no_failures(failed: list[Any] | None) -> None:
    page = _read(parse.parse_sync_mosaics, payloads.sync_page("sync_mosaics", [], failed=failed))
    assert page.failed == ()


def test_failed_entries_keep_details_as_json() -> None:
    failed = [
        {
            "key": "too_many",
            "message": "Too many",
            "code": "LIMIT",
            "reason": None,
            "details": {"value": 3, "count": [1, 2]},
        },
        {"key": "other", "message": "Other", "code": None, "reason": "why", "details": None},
    ]
    page = _read(parse.parse_sync_fields, payloads.sync_page("sync_fields", [], failed=failed))
    first, second = page.failed
    assert first.key == "too_many" and first.code == "LIMIT"
    assert first.details_json is not None
    assert json.loads(first.details_json) == {"value": 3, "count": [1, 2]}
    assert second == SyncError(key="other", message="Other", code=None, reason="why")


@pytest.mark.parametrize(("root", "make", "parser", "spec"), LEVELS, ids=LEVEL_IDS)
def test_the_sample_items_carry_every_declared_field(
    root: str, make: Any, parser: Any, spec: Any
) -> None:
    """So the mutations below bite: each removes or breaks a field the sample has."""
    item = make()
    for path in payloads.selection(spec):
        target: Any = item
        for key in path[:-1]:
            target = target[key] if target is not None else None
        assert target is None or path[-1] in target, path  # a null parent has no children
    assert _read(parser, payloads.sync_page(root, [item])).upserted


def _mutations() -> list[Any]:
    cases = []
    for root, make, parser, spec in LEVELS:
        for path, kind in payloads.selection(spec).items():
            cases.append(
                pytest.param(root, make, parser, path, kind, id=f"{root}:{'.'.join(path)}")
            )
    return cases


def _set(item: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = item
    for key in path[:-1]:
        if target.get(key) is None:
            target[key] = {}
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(("root", "make", "parser", "path", "kind"), _mutations())
def test_missing_field_is_named(root: str, make: Any, parser: Parser, path: Any, kind: str) -> None:
    item = make(5)
    _set(item, path, None)
    target = item
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    items = [make(0), item]
    with pytest.raises(ProtocolError) as err:
        _read(parser, payloads.sync_page(root, items), 0)
    assert err.value.field == f"{root}.upserted[1].{'.'.join(path)}"
    assert isinstance(err.value, MissingField)
    assert not err.value.retryable


@pytest.mark.parametrize(("root", "make", "parser", "path", "kind"), _mutations())
def test_wrong_type_is_named(root: str, make: Any, parser: Parser, path: Any, kind: str) -> None:
    item = make(5)
    _set(item, path, WRONG_VALUES[kind])
    with pytest.raises(ProtocolError) as err:
        _read(parser, payloads.sync_page(root, [make(0), make(1), item]), 0)
    assert err.value.field == f"{root}.upserted[2].{'.'.join(path)}"
    assert isinstance(err.value, WrongType)
    assert ".".join(path) in err.value.user_message


@pytest.mark.parametrize(("root", "make", "parser", "path", "kind"), _mutations())
def test_null_is_accepted_only_where_nullable(
    root: str, make: Any, parser: Parser, path: Any, kind: str
) -> None:
    item = make(0)
    _set(item, path, None)
    data = payloads.sync_page(root, [item])
    if kind.endswith("?"):
        _read(parser, data, 0)
    else:
        with pytest.raises(ProtocolError) as err:
            _read(parser, data, 0)
        assert err.value.field == f"{root}.upserted[0].{'.'.join(path)}"


def test_booleans_are_not_numbers_and_numbers_not_booleans() -> None:
    item = payloads.mosaic()
    item["images"]["total_count"] = True
    with pytest.raises(ProtocolError, match=r"images\.total_count"):
        _read(parse.parse_sync_mosaics, payloads.sync_page("sync_mosaics", [item]))
    item = payloads.mosaic()
    item["released"] = 1
    with pytest.raises(ProtocolError, match=r"released"):
        _read(parse.parse_sync_mosaics, payloads.sync_page("sync_mosaics", [item]))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("remaining_count", None),
        ("remaining_count", "3"),
        ("upserted", None),
        ("deleted", {}),
        ("failed", "x"),
    ],
)
def test_page_level_fields_are_checked(key: str, value: Any) -> None:
    data = payloads.sync_page("sync_surveys", [], **{key: value})
    with pytest.raises(WrongType) as err:
        _read(parse.parse_sync_surveys, data)
    assert err.value.field == f"sync_surveys.{key}"


def test_missing_page_field_and_missing_root_are_named() -> None:
    data = payloads.sync_page("sync_mosaics", [])
    del data["sync_mosaics"]["remaining_count"]
    with pytest.raises(ProtocolError) as err:
        _read(parse.parse_sync_mosaics, data)
    assert err.value.field == "sync_mosaics.remaining_count"
    with pytest.raises(ProtocolError) as err:
        _read(parse.parse_sync_mosaics, {"sync_surveys": {}})
    assert err.value.field == "sync_mosaics"


def test_negative_remaining_count_is_refused() -> None:
    with pytest.raises(ProtocolError, match="remaining_count"):
        _read(parse.parse_sync_mosaics, payloads.sync_page("sync_mosaics", [], remaining_count=-1))


def test_bad_deleted_and_failed_entries_are_named() -> None:
    data = payloads.sync_page("sync_fields", [], deleted=[{"sentera_id": "a"}])
    with pytest.raises(ProtocolError) as err:
        _read(parse.parse_sync_fields, data)
    assert err.value.field == "sync_fields.deleted[0].content_hash"
    data = payloads.sync_page("sync_fields", [], failed=[{"key": "k", "message": 3}])
    with pytest.raises(ProtocolError) as err:
        _read(parse.parse_sync_fields, data)
    assert err.value.field == "sync_fields.failed[0].message"
    data = payloads.sync_page("sync_fields", [], deleted=["just-an-id"])
    with pytest.raises(ProtocolError) as err:
        _read(parse.parse_sync_fields, data)
    assert err.value.field == "sync_fields.deleted[0]"


def test_organizations_page() -> None:
    page = _read(parse.parse_organizations, payloads.organizations(3), 99)
    assert page.total_count == 3 and page.page == 1 and page.page_size == 100
    assert [o.parent_organization_id for o in page.results] == [None, "org0_OR_x", "org0_OR_x"]
    data = payloads.organizations(2)
    data["organizations"]["results"][1]["name"] = None
    with pytest.raises(ProtocolError) as err:
        _read(parse.parse_organizations, data)
    assert err.value.field == "organizations.results[1].name"


def test_user() -> None:
    user = _read(parse.parse_user, {"user": {"sentera_id": "u_US_1", "email": None, "x": 1}})
    assert user == {"sentera_id": "u_US_1", "email": None}
    with pytest.raises(ProtocolError, match=r"user\.sentera_id"):
        _read(parse.parse_user, {"user": {"email": "a@b"}})


# -- the envelope ---------------------------------------------------------------------


def _envelope(body: bytes, *, scrub: str | None = None) -> Any:
    return parse.decode(body, records.UserData, scrub=scrub)


def test_envelope_returns_data() -> None:
    body = json.dumps({"data": payloads.organizations(1), "extensions": {}}).encode()
    assert parse.decode(body, records.OrganizationsData).organizations.total_count == 1


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"<html><body>Captive portal</body></html>", NotJson),
        (b"\xff\xfe\x00garbage", NotJson),
        (b"", TruncatedResponse),
        (
            b'{"data": {"sync_mosaics": {"remaining_count": 0, "upserted": [{"sentera',
            TruncatedResponse,
        ),
        (b'{"data": {"user": 1}} trailing', NotJson),
    ],
)
def test_unreadable_bodies(body: bytes, kind: type[ProtocolError]) -> None:
    with pytest.raises(ProtocolError) as err:
        _envelope(body)
    assert type(err.value) is kind
    assert err.value.retryable == (kind is TruncatedResponse)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[1, 2]", "(root)"),
        (b'{"data": null}', "data"),
        (b'{"data": "x"}', "data"),
        (b"{}", "data"),
    ],
)
def test_envelope_without_data_object(body: bytes, field: str) -> None:
    with pytest.raises(ProtocolError) as err:
        _envelope(body)
    assert err.value.field == field


def test_graphql_errors_take_the_first_message() -> None:
    body = {
        "data": None,
        "errors": [{"message": "Survey not found", "path": ["sync_mosaics"]}, {"message": "b"}],
    }
    with pytest.raises(GraphQLError) as err:
        _envelope(json.dumps(body).encode())
    assert err.value.message == "Survey not found"
    assert len(err.value.errors) == 2
    assert not err.value.retryable
    assert "Survey not found" in err.value.user_message


def test_graphql_errors_with_partial_data_still_fail() -> None:
    body = {"data": payloads.organizations(1), "errors": [{"bogus": True}]}
    with pytest.raises(GraphQLError, match="unknown error"):
        _envelope(json.dumps(body).encode())


def test_graphql_error_messages_are_scrubbed_of_the_token() -> None:
    body = {"errors": [{"message": "bad token sekrit-123 for you"}]}
    with pytest.raises(GraphQLError) as err:
        _envelope(json.dumps(body).encode(), scrub="sekrit-123")
    assert "sekrit-123" not in str(err.value) + err.value.user_message + err.value.message


def test_unauthenticated_graphql_error_is_an_auth_error() -> None:
    body = {"errors": [{"message": "expired", "extensions": {"code": "UNAUTHENTICATED"}}]}
    with pytest.raises(AuthError) as err:
        _envelope(json.dumps(body).encode())
    assert isinstance(err.value, TokenRejected) and isinstance(err.value, SignedOut)
    body = {"errors": [{"message": "no", "extensions": {"code": "FORBIDDEN"}}]}
    with pytest.raises(AuthError) as err:
        _envelope(json.dumps(body).encode())
    assert isinstance(err.value, Forbidden) and not isinstance(err.value, SignedOut)


def test_items_are_not_shared_with_the_input() -> None:
    data = payloads.sync_page("sync_mosaics", [payloads.mosaic()])
    before = copy.deepcopy(data)
    _read(parse.parse_sync_mosaics, data)
    assert data == before


@pytest.mark.parametrize(("root", "make", "parser", "spec"), LEVELS, ids=LEVEL_IDS)
def test_records_go_back_to_the_api_shape_unchanged(
    root: str, make: Any, parser: Parser, spec: Any
) -> None:
    """`from_domain` (what `fielddesk ls --json` prints) is the inverse of parsing."""
    import msgspec

    parsed = _read(parser, payloads.sync_page(root, [make(0), make(1)])).upserted
    again = [spec.from_domain(record) for record in parsed]
    data = payloads.sync_page(root, [msgspec.to_builtins(item) for item in again])
    assert _read(parser, data).upserted == parsed
