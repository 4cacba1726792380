"""GraphQL behaviour: the documented example verbatim, validation, variables and
literals, nested references, and the client's own query documents."""

from __future__ import annotations

import pytest

from app.simulator import Simulator
from tests.simulator.gql import QUERIES, GraphQL, query_text

# Sentera's documented sync_mosaics example, character for character.
SEED_EXAMPLE = """query SyncSurveyMosaics {
  sync_mosaics(
    survey_sentera_id: "itqkn28_CO_SHORT1_CV_test_dc0d87d_170907_235328"
    content_hashes: [
      "xdNDk/aet07YA1pi"
      "/h9Kp8h1wLAR77g6"
      "pZCIzimW+sJQ1tPP"
      "zShxQoCpBmIvKQzg"
      "qYcc+5d0r6xXrJ+B"
      "1RUHdRg7eewn5Ytc"
      "jut/CTgwHV4nPhHU"
      "3mT/9ITHMbrufod3"
      "Frw7c/jWXG0DGhDp"
      "szY6ppzZ4mJKUK//"
      "szOWioO7aPh41tns"
      "aHhl10uJY5pP8x5Y"
      "s8O1QwaYex8nMGIt"
      "2iZuIOjIq9GToC1k"
      "nZ21khXOu5k96QNW"
    ]
  ) {
    remaining_count
    upserted {
      sentera_id
      content_hash
      created_at
      created_by {
        sentera_id
      }
      updated_at
      updated_by {
        sentera_id
      }
      ... on Mosaic {
        area {
          value
          unit
        }
        captured_at
        image_status
        images {
          total_count
        }
        is_from_sentera_sensor
        message
        mosaic_type
        name
        quality
        released
        survey {
          sentera_id
        }
      }
    }
    deleted {
      sentera_id
      content_hash
    }
  }
}
"""
# The documented reply's first upserted item; our answer has the same keys.
EXAMPLE_ITEM_KEYS = [
    "sentera_id", "content_hash", "created_at", "created_by", "updated_at", "updated_by",
    "area", "captured_at", "image_status", "images", "is_from_sentera_sensor", "message",
    "mosaic_type", "name", "quality", "released", "survey",
]  # fmt: skip


def test_seed_example_query_runs_unchanged_and_has_the_documented_shape(gql: GraphQL) -> None:
    response = gql.post(SEED_EXAMPLE)

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["data"]
    result = body["data"]["sync_mosaics"]
    assert list(result) == ["remaining_count", "upserted", "deleted"]
    assert result["remaining_count"] == 0
    assert all(list(item) == EXAMPLE_ITEM_KEYS for item in result["upserted"])
    example = result["upserted"][0]
    assert example["sentera_id"] == "84mj0xz_MO_ljkuAcme_CV_deve_12421c42d_211221_133840"
    assert example["area"] == {"value": 100, "unit": "ACRE"}
    assert (example["mosaic_type"], example["quality"], example["image_status"]) == (
        "WEED_DETECTION",
        "FULL",
        "AVAILABLE",
    )
    assert example["survey"] == {"sentera_id": "itqkn28_CO_SHORT1_CV_test_dc0d87d_170907_235328"}
    assert example["updated_by"] is None
    assert result["deleted"] == [
        {"sentera_id": "wivyzrk_MO_ljkuAcme_CV_deve_12421c42d_211221_133840",
         "content_hash": "xdNDk/aet07YA1pi"}]  # fmt: skip


def test_unknown_field_is_a_validation_error(gql: GraphQL) -> None:
    response = gql.post(
        '{ sync_mosaics(survey_sentera_id: "x", content_hashes: []) '
        "{ remaining_count upserted { ... on Mosaic { thumbnail_url } } } }"
    )

    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert "Cannot query field 'thumbnail_url' on type 'Mosaic'" in body["errors"][0]["message"]
    assert body["errors"][0]["locations"]


@pytest.mark.parametrize(
    "query",
    [
        '{ sync_mosaics(survey: "x", content_hashes: []) { remaining_count } }',
        "{ sync_mosaics(content_hashes: []) { remaining_count } }",
        "{ user { sentera_id } nonsense }",
    ],
)
def test_unknown_arguments_and_missing_ones_are_validation_errors(gql: GraphQL, query: str) -> None:
    body = gql.post(query).json()
    assert body["errors"] and "data" not in body


def test_variables_and_inline_literals_give_the_same_answer(
    simulator: Simulator, gql: GraphQL
) -> None:
    survey = simulator.dataset.survey_ids()[2]
    held = [m["content_hash"] for m in simulator.dataset.mosaics_of(survey)[:2]]
    literal = ", ".join(f'"{h}"' for h in held)
    inline = gql.data(
        f'{{ sync_mosaics(survey_sentera_id: "{survey}", '
        f"content_hashes: [{literal}]) {{ remaining_count upserted {{ sentera_id }} }} }}"
    )
    variables = gql.data(
        "query($s: ID!, $h: [String!]!) { sync_mosaics(survey_sentera_id: $s, content_hashes: $h)"
        " { remaining_count upserted { sentera_id } } }",
        {"s": survey, "h": held},
    )

    assert inline == variables
    assert len(inline["sync_mosaics"]["upserted"]) == simulator.dataset.mosaic_count(survey) - 2


def test_bad_variable_types_are_errors(gql: GraphQL) -> None:
    body = gql.post(
        'query($h: [String!]!) { sync_mosaics(survey_sentera_id: "x", '
        "content_hashes: $h) { remaining_count } }",
        {"h": "not a list"},
    ).json()
    assert body["errors"] and body.get("data") is None


def test_syntax_errors_and_bad_bodies(simulator: Simulator, gql: GraphQL) -> None:
    syntax = gql.post("{ sync_mosaics(")
    assert syntax.status_code == 200 and "Syntax Error" in syntax.json()["errors"][0]["message"]
    auth = {"Authorization": f"Bearer {simulator.demo_token}"}
    not_json = gql.http.post(simulator.graphql_url, content=b"{nope", headers=auth)
    assert not_json.status_code == 400 and not_json.json()["errors"]
    no_query = gql.http.post(simulator.graphql_url, json={"variables": {}}, headers=auth)
    assert no_query.status_code == 400
    assert gql.http.get(simulator.graphql_url, headers=auth).status_code == 405


def test_nested_references_resolve_to_the_current_records(
    simulator: Simulator, gql: GraphQL
) -> None:
    survey = simulator.dataset.survey_ids()[1]
    query = (
        "query($s: ID!) { sync_mosaics(survey_sentera_id: $s, content_hashes: []) "
        "{ upserted { __typename created_by { email } ... on Mosaic { survey { name "
        "field { name organization { name } } } } } } }"
    )
    item = gql.data(query, {"s": survey})["sync_mosaics"]["upserted"][0]

    survey_record = simulator.dataset.get(survey)
    assert survey_record is not None
    field = simulator.dataset.get(survey_record["field"]["sentera_id"])
    assert field is not None
    assert item["__typename"] == "Mosaic"
    assert item["created_by"]["email"].endswith("@fielddesk.example")
    assert item["survey"]["name"] == survey_record["name"]
    assert item["survey"]["field"]["name"] == field["name"]
    assert item["survey"]["field"]["organization"]["name"]


def _a_mosaic(simulator: Simulator) -> str:
    survey = simulator.dataset.survey_ids()[0]
    return str(simulator.dataset.mosaics_of(survey)[0]["sentera_id"])


@pytest.mark.parametrize("document", sorted(p.stem for p in QUERIES.glob("*.graphql")))
def test_the_clients_query_documents_run(simulator: Simulator, gql: GraphQL, document: str) -> None:
    field = simulator.dataset.field_ids()[0]
    variables = {
        "organizations": {"page": 1, "page_size": 100},
        "sync_fields": {
            "organization_sentera_id": simulator.dataset.organizations()[0]["sentera_id"],
            "content_hashes": [],
        },
        "sync_surveys": {"field_sentera_id": field, "content_hashes": []},
        "sync_mosaics": {
            "survey_sentera_id": simulator.dataset.survey_ids()[0],
            "content_hashes": [],
        },
        "sync_files": {
            "owners": [{"owner_type": "MOSAIC", "sentera_id": _a_mosaic(simulator)}],
            "content_hashes": [],
        },
        "user": None,
    }[document]
    data = gql.data(query_text(document), variables)
    assert data


def test_user_is_the_signed_in_user(simulator: Simulator, gql: GraphQL) -> None:
    user = gql.data(query_text("user"))["user"]
    assert user["email"] == simulator.demo_user_email
