"""The documented sync loop against the simulator over real HTTP: convergence, paging,
tombstones, updates, moves, cascades and `failed`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from app.simulator import Simulator
from tests.simulator.gql import GraphQL, hashes_of

Factory = Callable[..., Simulator]
Snapshot = Callable[[], list[dict[str, Any]]]


def _root_org(sim: Simulator) -> str:
    return str(
        next(
            o["sentera_id"] for o in sim.dataset.organizations() if not o["parent_organization_id"]
        )
    )


def _first_field(sim: Simulator) -> str:
    return str(sim.dataset.fields_of(_root_org(sim))[0]["sentera_id"])


def _grow_a_scope(sim: Simulator, query_name: str) -> tuple[str, Snapshot]:
    """A scope with more items than the small caps used below, and its snapshot."""
    data = sim.dataset
    org = _root_org(sim)
    field = _first_field(sim)
    if query_name == "sync_fields":
        for _ in range(8):
            data.add_field(org)
        return org, lambda: data.fields_of(org)
    if query_name == "sync_surveys":
        for _ in range(9):
            data.add_survey(field)
        return field, lambda: data.surveys_of(field)
    survey = str(data.surveys_of(field)[0]["sentera_id"])
    data.add_mosaics(survey, 12)
    return survey, lambda: data.mosaics_of(survey)


def _calls(sim: Simulator, query_name: str) -> int:
    return len(sim.request_log.for_query(query_name))


def test_large_survey_converges_in_ceil_changed_over_cap_calls(
    simulator: Simulator, gql: GraphQL
) -> None:
    survey = simulator.dataset.add_survey(_first_field(simulator), mosaics=4_500)
    local: dict[str, str] = {}

    calls = gql.sync_loop("sync_mosaics", survey, local)

    assert calls == math.ceil(4_500 / 2_000) == 3
    pages = simulator.request_log.for_query("sync_mosaics")
    assert [p.upserted for p in pages] == [2_000, 2_000, 500]
    assert [p.remaining_count for p in pages] == [2_500, 500, 0]
    assert [p.hashes_sent for p in pages] == [0, 2_000, 4_000]
    assert local == hashes_of(simulator.dataset.mosaics_of(survey))
    again = gql.sync("sync_mosaics", survey, list(local.values()))
    assert again == {"remaining_count": 0, "upserted": [], "deleted": [], "failed": None}


@pytest.mark.parametrize(
    ("query_name", "cap_setting", "cap"),
    [
        ("sync_fields", "fields_cap", 3),
        ("sync_surveys", "surveys_cap", 4),
        ("sync_mosaics", "mosaics_cap", 7),
    ],
)
def test_each_level_converges_over_several_pages(
    simulator_factory: Factory, query_name: str, cap_setting: str, cap: int
) -> None:
    sim = simulator_factory(**{cap_setting: cap})
    scope, snapshot = _grow_a_scope(sim, query_name)
    total = len(snapshot())
    gql = GraphQL(sim)
    local: dict[str, str] = {}

    calls = gql.sync_loop(query_name, scope, local)

    assert total > cap
    assert calls == math.ceil(total / cap) == _calls(sim, query_name)
    assert local == hashes_of(snapshot())
    gql.close()


def test_resync_sends_only_changes_and_updated_items_get_new_hashes(
    simulator: Simulator, gql: GraphQL
) -> None:
    data = simulator.dataset
    survey = data.surveys_of(_first_field(simulator))[0]["sentera_id"]
    local: dict[str, str] = {}
    gql.sync_loop("sync_mosaics", survey, local)
    before = dict(local)
    updated, untouched_hash, removed = (m["sentera_id"] for m in data.mosaics_of(survey)[:3])
    data.update_mosaic(updated, name="Reprocessed RGB", image_status="AVAILABLE")
    data.delete_mosaic(removed)
    added = data.add_mosaics(survey, 3)

    page = gql.sync("sync_mosaics", survey, list(local.values()))

    assert {m["sentera_id"] for m in page["upserted"]} == {updated, *added}
    new = next(m for m in page["upserted"] if m["sentera_id"] == updated)
    assert new["content_hash"] != before[updated]
    assert new["name"] == "Reprocessed RGB"
    assert page["deleted"] == [{"sentera_id": removed, "content_hash": before[removed]}]
    assert page["remaining_count"] == 0
    assert untouched_hash in local


def test_deleted_reports_the_version_the_client_held(simulator: Simulator, gql: GraphQL) -> None:
    data = simulator.dataset
    survey = data.surveys_of(_first_field(simulator))[0]["sentera_id"]
    mosaic = data.mosaics_of(survey)[1]
    data.update_mosaic(mosaic["sentera_id"], released=not mosaic["released"])
    data.update_mosaic(mosaic["sentera_id"], message="second edit")
    data.delete_mosaic(mosaic["sentera_id"])

    page = gql.sync("sync_mosaics", survey, [mosaic["content_hash"], "unknownHash00000"])

    assert page["deleted"] == [
        {"sentera_id": mosaic["sentera_id"], "content_hash": mosaic["content_hash"]}
    ]


def test_an_updated_item_is_upserted_not_deleted(simulator: Simulator, gql: GraphQL) -> None:
    data = simulator.dataset
    field = _first_field(simulator)
    survey = data.surveys_of(field)[0]
    new_hash = data.update_survey(survey["sentera_id"], notes="Re-flown corner")

    page = gql.sync("sync_surveys", field, [survey["content_hash"]])

    assert page["deleted"] == []
    assert (page["upserted"][0]["sentera_id"], page["upserted"][0]["content_hash"]) == (
        survey["sentera_id"],
        new_hash,
    )
    assert new_hash != survey["content_hash"]


def test_moved_survey_is_deleted_from_the_old_field_and_new_in_the_other(
    simulator: Simulator, gql: GraphQL
) -> None:
    data = simulator.dataset
    fields = data.field_ids()
    old_field, new_field = fields[0], fields[1]
    old_local: dict[str, str] = {}
    new_local: dict[str, str] = {}
    gql.sync_loop("sync_surveys", old_field, old_local)
    gql.sync_loop("sync_surveys", new_field, new_local)
    survey = next(iter(old_local))
    mosaics = hashes_of(data.mosaics_of(survey))

    data.move_survey(survey, new_field)
    old_page = gql.sync("sync_surveys", old_field, list(old_local.values()))
    new_page = gql.sync("sync_surveys", new_field, list(new_local.values()))

    assert old_page["deleted"] == [{"sentera_id": survey, "content_hash": old_local[survey]}]
    assert old_page["upserted"] == []
    assert [s["sentera_id"] for s in new_page["upserted"]] == [survey]
    assert new_page["upserted"][0]["field"] == {"sentera_id": new_field}
    assert hashes_of(data.mosaics_of(survey)) == mosaics  # mosaics travel with the survey


def test_deleting_a_field_leaves_tombstones_at_every_level(
    simulator: Simulator, gql: GraphQL
) -> None:
    data = simulator.dataset
    org = _root_org(simulator)
    field = data.fields_of(org)[0]["sentera_id"]
    fields, surveys, mosaics = {}, {}, {}  # type: ignore[var-annotated]
    gql.sync_loop("sync_fields", org, fields)
    gql.sync_loop("sync_surveys", field, surveys)
    survey = next(iter(surveys))
    gql.sync_loop("sync_mosaics", survey, mosaics)

    data.delete_field(field)

    pages = {
        "sync_fields": gql.sync("sync_fields", org, list(fields.values())),
        "sync_surveys": gql.sync("sync_surveys", field, list(surveys.values())),
        "sync_mosaics": gql.sync("sync_mosaics", survey, list(mosaics.values())),
    }
    assert hashes_of(pages["sync_fields"]["deleted"]) == {field: fields[field]}
    assert hashes_of(pages["sync_surveys"]["deleted"]) == surveys
    assert hashes_of(pages["sync_mosaics"]["deleted"]) == mosaics
    for page in pages.values():
        assert page["upserted"] == [] and page["remaining_count"] == 0
    assert data.get(field) is None and data.get(survey) is None


def test_unknown_scope_is_a_not_found_error(gql: GraphQL) -> None:
    query = gql.post(
        "query($id: ID!) { sync_mosaics(survey_sentera_id: $id, content_hashes: []) "
        "{ remaining_count } }",
        {"id": "nope123_CO_x_220101_000000"},
    )

    body = query.json()
    assert query.status_code == 200
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["sync_mosaics"]


def test_failed_is_null_by_default_and_reports_injected_errors(
    simulator: Simulator, gql: GraphQL
) -> None:
    field = _first_field(simulator)
    assert gql.sync("sync_surveys", field, [])["failed"] is None

    error = {
        "key": "survey_unavailable",
        "message": "Survey is being re-processed.",
        "code": "UNAVAILABLE",
        "details": {"count": 2},
    }
    simulator.dataset.set_failed(field, [error])
    assert gql.sync("sync_surveys", field, [])["failed"] == [dict(error, reason=None)]

    simulator.dataset.set_failed(field, [])
    assert gql.sync("sync_surveys", field, [])["failed"] == []
    simulator.dataset.set_failed(field, None)
    assert gql.sync("sync_surveys", field, [])["failed"] is None


def test_include_descendant_organizations_syncs_the_subtree(
    simulator: Simulator, gql: GraphQL
) -> None:
    org = _root_org(simulator)
    query = (
        "query($org: ID!, $all: Boolean) { sync_fields(organization_sentera_id: $org, "
        "include_descendant_organizations: $all, content_hashes: []) "
        "{ remaining_count upserted { sentera_id ... on Field { organization { sentera_id } } } } }"
    )
    own = gql.data(query, {"org": org, "all": False})["sync_fields"]["upserted"]
    tree = gql.data(query, {"org": org, "all": True})["sync_fields"]["upserted"]

    assert {f["sentera_id"] for f in own} == {
        f["sentera_id"] for f in simulator.dataset.fields_of(org)
    }
    assert {f["sentera_id"] for f in tree} == {
        f["sentera_id"] for f in simulator.dataset.fields_of(org, include_descendants=True)
    }
    assert len({f["organization"]["sentera_id"] for f in tree}) == 2


def test_organizations_are_a_paged_flat_list(gql: GraphQL) -> None:
    query = (
        "query($p: Int!) { organizations(pagination: {page: $p, page_size: 1}) "
        "{ page page_size total_count present results { sentera_id parent_organization_id } } }"
    )
    first = gql.data(query, {"p": 1})["organizations"]
    second = gql.data(query, {"p": 2})["organizations"]
    third = gql.data(query, {"p": 3})["organizations"]

    assert first["total_count"] == second["total_count"] == 2
    assert first["results"][0]["parent_organization_id"] is None
    assert second["results"][0]["parent_organization_id"] == first["results"][0]["sentera_id"]
    assert third["results"] == [] and third["present"] is False


def test_upserted_order_is_stable(simulator: Simulator, gql: GraphQL) -> None:
    survey = simulator.dataset.survey_ids()[3]
    first = [m["sentera_id"] for m in gql.sync("sync_mosaics", survey, [])["upserted"]]
    second = [m["sentera_id"] for m in gql.sync("sync_mosaics", survey, [])["upserted"]]
    assert first == second == [m["sentera_id"] for m in simulator.dataset.mosaics_of(survey)]
