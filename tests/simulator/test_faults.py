"""Every fault mode produces what it claims, over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import httpx
import pytest

from app.simulator import Simulator
from app.simulator.faults import FaultInjector, FaultKind
from tests.simulator.gql import GraphQL

Factory = Callable[..., Simulator]


def _survey(sim: Simulator) -> str:
    return sim.dataset.survey_ids()[0]


def _mosaics(gql: GraphQL, survey: str, hashes: list[str] | None = None) -> httpx.Response:
    return gql.post(
        "query($s: ID!, $h: [String!]!) { sync_mosaics(survey_sentera_id: $s, content_hashes: $h)"
        " { remaining_count upserted { sentera_id content_hash } deleted { sentera_id } } }",
        {"s": survey, "h": hashes or []},
    )


def test_http_status_fires_on_the_named_query_only_and_only_times_times(
    simulator: Simulator, gql: GraphQL
) -> None:
    simulator.faults.add("http_status", status=503, query="sync_mosaics", times=2)
    survey = _survey(simulator)

    statuses = [_mosaics(gql, survey).status_code for _ in range(3)]
    other = gql.sync("sync_surveys", simulator.dataset.field_ids()[0], [])

    assert statuses == [503, 503, 200]
    assert other["upserted"]
    assert [r.faults for r in simulator.request_log.for_query("sync_mosaics")] == [
        ("http_status",),
        ("http_status",),
        (),
    ]


@pytest.mark.parametrize("status", [500, 502])
def test_http_status_pages_are_not_json(simulator: Simulator, gql: GraphQL, status: int) -> None:
    simulator.faults.add("http_status", status=status)
    response = _mosaics(gql, _survey(simulator))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")


def test_after_lets_calls_through_first(simulator: Simulator, gql: GraphQL) -> None:
    simulator.faults.add("http_status", status=500, query="sync_mosaics", after=2, times=None)
    survey = _survey(simulator)
    assert [_mosaics(gql, survey).status_code for _ in range(4)] == [200, 200, 500, 500]
    simulator.faults.clear()
    assert _mosaics(gql, survey).status_code == 200


def test_scope_filter(simulator: Simulator, gql: GraphQL) -> None:
    first, second = simulator.dataset.survey_ids()[:2]
    simulator.faults.add("http_status", status=502, query="sync_mosaics", scope_id=second)
    assert _mosaics(gql, first).status_code == 200
    assert _mosaics(gql, second).status_code == 502


def test_rate_limit_sends_429_with_retry_after(simulator: Simulator, gql: GraphQL) -> None:
    simulator.faults.add("rate_limit", retry_after=7)
    response = _mosaics(gql, _survey(simulator))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


def test_latency_makes_a_short_client_timeout_expire(simulator: Simulator, gql: GraphQL) -> None:
    simulator.faults.add("latency", seconds=2.0, query="sync_mosaics")
    with pytest.raises(httpx.ReadTimeout):
        gql.http.post(
            simulator.graphql_url,
            timeout=0.2,
            headers={"Authorization": f"Bearer {simulator.demo_token}"},
            json={
                "query": '{ sync_mosaics(survey_sentera_id: "x", content_hashes: [])'
                " { remaining_count } }"
            },
        )
    assert _mosaics(gql, _survey(simulator)).status_code == 200


def test_close_connection_drops_the_connection_mid_body(simulator: Simulator, gql: GraphQL) -> None:
    simulator.faults.add("close_connection", query="sync_mosaics")
    with pytest.raises(httpx.RemoteProtocolError):
        _mosaics(gql, _survey(simulator))
    assert _mosaics(gql, _survey(simulator)).status_code == 200


def test_truncated_body_is_a_complete_response_with_half_the_json(
    simulator: Simulator, gql: GraphQL
) -> None:
    survey = _survey(simulator)
    whole = _mosaics(gql, survey).content
    simulator.faults.add("truncated_body", query="sync_mosaics")

    cut = _mosaics(gql, survey)

    assert cut.status_code == 200
    assert cut.content == whole[: len(whole) // 2]
    with pytest.raises(json.JSONDecodeError):
        cut.json()


def test_non_json_is_an_html_page_with_status_200(simulator: Simulator, gql: GraphQL) -> None:
    simulator.faults.add("non_json")
    response = _mosaics(gql, _survey(simulator))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_graphql_error_comes_with_http_200(simulator: Simulator, gql: GraphQL) -> None:
    simulator.faults.add("graphql_error", message="Timeout on upstream", code="TIMEOUT")
    body = _mosaics(gql, _survey(simulator)).json()
    assert body == {
        "data": None,
        "errors": [{"message": "Timeout on upstream", "extensions": {"code": "TIMEOUT"}}],
    }


def test_missing_field_drops_a_required_key(simulator: Simulator, gql: GraphQL) -> None:
    survey = _survey(simulator)
    simulator.faults.add("missing_field", query="sync_mosaics")
    simulator.faults.add("missing_field", field="remaining_count", query="sync_mosaics", after=1)

    first = _mosaics(gql, survey).json()["data"]["sync_mosaics"]
    second = _mosaics(gql, survey).json()["data"]["sync_mosaics"]

    assert "content_hash" not in first["upserted"][0]
    assert all("content_hash" in item for item in first["upserted"][1:])
    assert "remaining_count" not in second and second["upserted"]


def test_expire_token_answers_401_on_the_nth_call(simulator: Simulator, gql: GraphQL) -> None:
    simulator.faults.add("expire_token", after=2)
    survey = _survey(simulator)

    statuses = [_mosaics(gql, survey) for _ in range(4)]

    assert [r.status_code for r in statuses] == [200, 200, 401, 200]
    assert 'error="invalid_token"' in statuses[2].headers["www-authenticate"]


def test_expire_token_can_really_invalidate_the_token(simulator: Simulator) -> None:
    tokens = httpx.post(
        f"{simulator.base_url}/v1/sessions",
        json={
            "session": {
                "email": simulator.demo_user_email,
                "password": simulator.demo_user_password,
            }
        },
    ).json()
    gql = GraphQL(simulator, token=tokens["auth_token"])
    simulator.faults.add("expire_token", invalidate=True)

    assert [_mosaics(gql, _survey(simulator)).status_code for _ in range(2)] == [401, 401]
    gql.close()
    demo = GraphQL(simulator)
    assert _mosaics(demo, _survey(simulator)).status_code == 200
    demo.close()


def test_trickle_delivers_the_whole_body_slowly(simulator: Simulator, gql: GraphQL) -> None:
    survey = _survey(simulator)
    whole = _mosaics(gql, survey).json()
    simulator.faults.add("trickle", chunks=4, interval=0.01)
    assert _mosaics(gql, survey).json() == whole

    simulator.faults.add("trickle", chunks=3, interval=1.0)
    with pytest.raises(httpx.ReadTimeout):
        gql.http.post(
            simulator.graphql_url,
            timeout=httpx.Timeout(5.0, read=0.2),
            headers={"Authorization": f"Bearer {simulator.demo_token}"},
            json={"query": "{ user { sentera_id } }"},
        )


def test_stuck_remaining_never_shrinks(simulator_factory: Factory) -> None:
    sim = simulator_factory(mosaics_cap=2)
    gql = GraphQL(sim)
    survey = _survey(sim)
    sim.faults.add("stuck_remaining", query="sync_mosaics", times=None)

    first = _mosaics(gql, survey).json()["data"]["sync_mosaics"]
    held = [m["content_hash"] for m in first["upserted"]]
    second = _mosaics(gql, survey, held).json()["data"]["sync_mosaics"]

    assert first["remaining_count"] == second["remaining_count"] > 0
    assert second["upserted"] == first["upserted"]
    gql.close()


def test_empty_page_keeps_the_remaining_count_but_carries_nothing(
    simulator: Simulator, gql: GraphQL
) -> None:
    survey = _survey(simulator)
    simulator.faults.add("empty_page", query="sync_mosaics", scope_id=survey, remaining=5)

    page = _mosaics(gql, survey).json()["data"]["sync_mosaics"]

    assert page["upserted"] == [] and page["deleted"] == []
    assert page["remaining_count"] == 5
    assert simulator.request_log[-1].upserted == 0
    assert _mosaics(gql, survey).json()["data"]["sync_mosaics"]["upserted"], "only once"


def test_hold_keeps_requests_until_released(simulator: Simulator) -> None:
    survey = _survey(simulator)
    hold = simulator.faults.add("hold", query="sync_mosaics", seconds=30, times=None)
    answers: list[int] = []

    def ask() -> None:
        client = GraphQL(simulator)
        answers.append(_mosaics(client, survey).status_code)
        client.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert hold.wait_for_arrivals(2)
    assert answers == [] and hold.waiting == 2, "both wait at the server"
    hold.release()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]


def test_hold_with_parties_is_a_barrier(simulator: Simulator) -> None:
    """Two requests meet only if they are at the server at the same time."""
    survey = _survey(simulator)
    hold = simulator.faults.add("hold", query="sync_mosaics", seconds=30, parties=2, times=2)
    done: list[int] = []

    def ask() -> None:
        client = GraphQL(simulator)
        done.append(_mosaics(client, survey).status_code)
        client.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done == [200, 200] and hold.met


def test_faults_apply_to_other_endpoints_by_name(simulator: Simulator) -> None:
    simulator.faults.add("http_status", status=503, query="oauth_token")
    reply = httpx.post(f"{simulator.base_url}/oauth/token", json={"grant_type": "refresh_token"})
    assert reply.status_code == 503
    assert simulator.request_log[-1].query_name == "oauth_token"


def test_request_log_describes_each_call(simulator: Simulator, gql: GraphQL) -> None:
    survey = _survey(simulator)
    held = [m["content_hash"] for m in simulator.dataset.mosaics_of(survey)[:3]]
    simulator.request_log.clear()

    response = _mosaics(gql, survey, held)

    (record,) = simulator.request_log
    assert (record.query_name, record.scope_id, record.hashes_sent, record.status) == (
        "sync_mosaics",
        survey,
        3,
        200,
    )
    assert record.bytes_in > 0 and record.bytes_out == len(response.content)
    assert record.upserted == simulator.dataset.mosaic_count(survey) - 3
    assert record.remaining_count == 0 and record.faults == ()


def test_command_line_fault_specs() -> None:
    faults = FaultInjector()
    one = faults.add_spec("sync_mosaics:http_status:503:times=2")
    two = faults.add_spec("latency:0.5:times=forever")
    three = faults.add_spec("*:expire_token:after=3:invalidate=true")

    assert (one.kind, one.query, one.status, one.times) == (
        FaultKind.HTTP_STATUS,
        "sync_mosaics",
        503,
        2,
    )
    assert (two.kind, two.query, two.seconds, two.times) == (FaultKind.LATENCY, None, 0.5, None)
    assert (three.query, three.after, three.invalidate) == (None, 3, True)
    for bad in [
        "sync_mosaics",
        "sync_mosaics:explode",
        "latency:wobble=1",
        "close_connection:7",
        "http_status:status=200",
    ]:
        with pytest.raises(ValueError):
            faults.add_spec(bad)
