"""The client against the simulator over real HTTP: pages, requests, and every error class."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import pytest

from app.api import (
    ApiError,
    AuthError,
    FieldAgentClient,
    GraphQLError,
    InvalidServerUrl,
    NetworkError,
    ProtocolError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    ServerError,
    StaticTokenProvider,
)
from app.api.errors import Forbidden, MissingField, NotJson, SignedOut, TruncatedResponse
from app.simulator import Simulator
from tests.api.conftest import Factory, Received

SHORT = httpx.Timeout(connect=2.0, read=0.5, write=2.0, pool=2.0)


def client_for(sim: Simulator, timeout: httpx.Timeout | None = None) -> FieldAgentClient:
    return FieldAgentClient(sim.graphql_url, StaticTokenProvider(sim.demo_token), timeout=timeout)


def first_survey(sim: Simulator) -> str:
    return max(sim.dataset.survey_ids(), key=sim.dataset.mosaic_count)


# -- normal pages -----------------------------------------------------------------------


def test_walks_the_catalogue_into_domain_records(simulator: Simulator) -> None:
    with client_for(simulator) as client:
        orgs = client.organizations(page=1, page_size=100)
        assert orgs.total_count == len(orgs.results) == 2
        assert orgs.response_bytes > 0
        fields = [
            f for org in orgs.results for f in client.sync_fields(org.sentera_id, []).upserted
        ]
        assert {f.sentera_id for f in fields} == set(simulator.dataset.field_ids())
        surveys = [s for f in fields for s in client.sync_surveys(f.sentera_id, []).upserted]
        assert {s.sentera_id for s in surveys} == set(simulator.dataset.survey_ids())
        survey = surveys[0]
        page = client.sync_mosaics(survey.sentera_id, [])
        user = client.current_user()
    expected = {m["sentera_id"]: m for m in simulator.dataset.mosaics_of(survey.sentera_id)}
    assert page.remaining_count == 0 and page.failed == ()
    assert len(page.upserted) == len(expected)
    for mosaic in page.upserted:
        server = expected[mosaic.sentera_id]
        assert mosaic.content_hash == server["content_hash"]
        assert mosaic.survey_sentera_id == survey.sentera_id
        assert mosaic.image_count == server["images"]["total_count"]
        assert mosaic.area_value == server["area"]["value"]
        assert mosaic.name == server["name"]
    assert user["email"] == simulator.demo_user_email


def test_pages_until_remaining_count_is_zero(simulator_factory: Factory) -> None:
    sim = simulator_factory(mosaics_cap=3)
    survey = first_survey(sim)
    total = sim.dataset.mosaic_count(survey)
    held: dict[str, str] = {}
    with client_for(sim) as client:
        pages = []
        while True:
            page = client.sync_mosaics(survey, held.values())
            pages.append(page)
            held.update((m.sentera_id, m.content_hash) for m in page.upserted)
            if page.remaining_count == 0:
                break
    assert len(held) == total
    assert pages[0].remaining_count == total - 3
    assert [r.hashes_sent for r in sim.request_log.for_query("sync_mosaics")] == [
        min(3 * i, total) for i in range(len(pages))
    ]


def test_deleted_items_and_failed_entries(simulator: Simulator) -> None:
    survey = first_survey(simulator)
    with client_for(simulator) as client:
        first = client.sync_mosaics(survey, [])
        gone = first.upserted[0]
        simulator.dataset.delete_mosaic(gone.sentera_id)
        simulator.dataset.set_failed(survey, [])
        hashes = [m.content_hash for m in first.upserted]
        second = client.sync_mosaics(survey, hashes)
        simulator.dataset.set_failed(
            survey, [{"key": "too_big", "message": "Too big", "details": {"limit": 5}}]
        )
        third = client.sync_mosaics(survey, hashes)
    assert second.upserted == () and second.failed == ()
    assert [(d.sentera_id, d.content_hash) for d in second.deleted] == [
        (gone.sentera_id, gone.content_hash)
    ]
    (error,) = third.failed
    assert (error.key, error.message, error.code) == ("too_big", "Too big", None)
    assert error.details_json is not None and json.loads(error.details_json) == {"limit": 5}


# -- what goes over the wire ------------------------------------------------------------


def test_ids_and_hashes_travel_as_variables_with_our_user_agent(
    recording_simulator: tuple[Simulator, list[Received]],
) -> None:
    sim, seen = recording_simulator
    survey = first_survey(sim)
    hashes = ["xdNDk/aet07YA1pi", "pZCIzimW+sJQ1tPP"]
    with client_for(sim) as client:
        client.sync_mosaics(survey, hashes)
        client.current_user()
        client.organizations()
    request = seen[0]
    body = json.loads(request.body)
    assert body["operationName"] == "SyncMosaics"
    assert body["variables"] == {"survey_sentera_id": survey, "content_hashes": hashes}
    assert survey not in body["query"] and hashes[0] not in body["query"]
    assert request.headers["user-agent"].startswith("FieldDesk/")
    assert "gzip" in request.headers["accept-encoding"]
    assert request.headers["authorization"] == f"Bearer {sim.demo_token}"
    assert request.headers["content-type"] == "application/json"
    assert sim.demo_token not in request.path
    # One long-lived client: every request rode the same kept-alive connection.
    assert len({r.client_port for r in seen}) == 1
    record = sim.request_log.for_query("sync_mosaics")[0]
    assert (record.scope_id, record.hashes_sent) == (survey, 2)


def test_plain_http_is_refused_off_loopback() -> None:
    for url in ("http://api.sentera.com/graphql", "http://192.168.1.10:8765/graphql"):
        with pytest.raises(InvalidServerUrl):
            FieldAgentClient(url, StaticTokenProvider("t"))
    FieldAgentClient("https://api.sentera.com/graphql", StaticTokenProvider("t")).close()


# -- every error class from a real server -----------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(simulator: Simulator, status: int) -> None:
    simulator.faults.add("http_status", status=status, query="sync_surveys")
    with client_for(simulator) as client, pytest.raises(ServerError) as err:
        client.sync_surveys(simulator.dataset.field_ids()[0], [])
    assert err.value.status == status and err.value.retryable


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [(404, RequestRejected, False), (400, RequestRejected, False), (408, RequestTimeout, True)],
)
def test_other_statuses(
    simulator: Simulator, status: int, error: type[ApiError], retryable: bool
) -> None:
    simulator.faults.add("http_status", status=status)
    with client_for(simulator) as client, pytest.raises(error) as err:
        client.organizations()
    assert err.value.retryable is retryable


def test_forbidden_is_an_auth_error_without_signing_out(simulator: Simulator) -> None:
    simulator.faults.add("http_status", status=403)
    with client_for(simulator) as client, pytest.raises(AuthError) as err:
        client.current_user()
    assert err.value.status == 403 and isinstance(err.value, Forbidden) and not err.value.retryable
    assert len(simulator.request_log) == 1  # no refresh, no retry


def test_rate_limited_carries_retry_after(simulator: Simulator) -> None:
    simulator.faults.add("rate_limit", retry_after=7, query="sync_mosaics")
    with client_for(simulator) as client, pytest.raises(RateLimited) as err:
        client.sync_mosaics(first_survey(simulator), [])
    assert err.value.retry_after == 7.0 and err.value.retryable


def test_connection_closed_mid_response(simulator: Simulator) -> None:
    simulator.faults.add("close_connection", query="sync_mosaics")
    with client_for(simulator) as client:
        with pytest.raises(NetworkError) as err:
            client.sync_mosaics(first_survey(simulator), [])
        assert err.value.retryable
        assert client.sync_mosaics(first_survey(simulator), []).upserted  # pool recovers


def test_connection_refused_then_server_back(simulator: Simulator) -> None:
    with client_for(simulator) as client:
        client.current_user()
        simulator.stop()
        with pytest.raises(NetworkError) as err:
            client.current_user()
        assert err.value.retryable
        simulator.start()
        assert client.current_user()["email"] == simulator.demo_user_email


def test_nothing_listening() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/graphql"
    client = FieldAgentClient(url, StaticTokenProvider("t"), timeout=SHORT)
    with client, pytest.raises(NetworkError, match="could not connect"):
        client.organizations()


def test_slow_answer_times_out(simulator: Simulator) -> None:
    simulator.faults.add("latency", seconds=5)
    with client_for(simulator, SHORT) as client, pytest.raises(RequestTimeout) as err:
        client.current_user()
    assert err.value.retryable


def test_trickle_within_the_read_timeout_arrives(simulator: Simulator) -> None:
    simulator.faults.add("trickle", chunks=4, interval=0.05, query="sync_mosaics")
    with client_for(simulator, SHORT) as client:
        page = client.sync_mosaics(first_survey(simulator), [])
    assert page.upserted and simulator.request_log[-1].faults == ("trickle",)


def test_trickle_stalling_past_the_read_timeout(simulator: Simulator) -> None:
    simulator.faults.add("trickle", chunks=4, interval=2.0, query="sync_mosaics")
    with client_for(simulator, SHORT) as client, pytest.raises(RequestTimeout):
        client.sync_mosaics(first_survey(simulator), [])


def test_truncated_body_is_a_retryable_protocol_error(simulator: Simulator) -> None:
    simulator.faults.add("truncated_body", query="sync_mosaics")
    with client_for(simulator) as client, pytest.raises(ProtocolError) as err:
        client.sync_mosaics(first_survey(simulator), [])
    assert isinstance(err.value, TruncatedResponse) and err.value.retryable


def test_html_instead_of_json(simulator: Simulator) -> None:
    simulator.faults.add("non_json")
    with client_for(simulator) as client, pytest.raises(ProtocolError) as err:
        client.organizations()
    assert isinstance(err.value, NotJson) and not err.value.retryable


def test_graphql_errors_with_http_200(simulator: Simulator) -> None:
    simulator.faults.add("graphql_error", message="Survey is being reprocessed")
    with client_for(simulator) as client, pytest.raises(GraphQLError) as err:
        client.sync_mosaics(first_survey(simulator), [])
    assert err.value.message == "Survey is being reprocessed" and not err.value.retryable


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("content_hash", "sync_mosaics.upserted[0].content_hash"),
        ("remaining_count", "sync_mosaics.remaining_count"),
    ],
)
def test_missing_field_is_named(simulator: Simulator, field: str, where: str) -> None:
    simulator.faults.add("missing_field", field=field, query="sync_mosaics")
    with client_for(simulator) as client, pytest.raises(ProtocolError) as err:
        client.sync_mosaics(first_survey(simulator), [])
    assert err.value.field == where and isinstance(err.value, MissingField)


def test_stuck_remaining_is_passed_on_for_the_engine_to_judge(simulator_factory: Factory) -> None:
    sim = simulator_factory(mosaics_cap=2)
    survey = first_survey(sim)
    sim.faults.add("stuck_remaining", query="sync_mosaics", times=None)
    with client_for(sim) as client:
        first = client.sync_mosaics(survey, [])
        again = client.sync_mosaics(survey, [m.content_hash for m in first.upserted])
    assert again.remaining_count == first.remaining_count > 0


def test_rejected_static_token_is_signed_out(simulator: Simulator) -> None:
    simulator.faults.add("expire_token")
    with client_for(simulator) as client, pytest.raises(AuthError) as err:
        client.organizations()
    assert isinstance(err.value, SignedOut) and not err.value.retryable
    assert err.value.user_message == "Signed out — sign in to continue"


def test_one_client_serves_several_threads(simulator: Simulator) -> None:
    surveys = simulator.dataset.survey_ids()
    results: dict[str, set[str]] = {}
    errors: list[BaseException] = []

    def work(client: FieldAgentClient, survey: str) -> None:
        try:
            results[survey] = {m.sentera_id for m in client.sync_mosaics(survey, []).upserted}
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    with client_for(simulator) as client:
        threads = [threading.Thread(target=work, args=(client, s)) for s in surveys]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == []
    for survey in surveys:
        assert results[survey] == {m["sentera_id"] for m in simulator.dataset.mosaics_of(survey)}
