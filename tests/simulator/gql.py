"""A minimal GraphQL caller and the documented sync loop, for the simulator's tests.

Deliberately independent of `app.api`: these tests check the server against the
documented protocol, not against our own client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from app.simulator import Simulator

QUERIES = Path(__file__).resolve().parents[2] / "resources" / "queries"
SCOPE_ARGUMENT = {
    "sync_fields": "organization_sentera_id",
    "sync_surveys": "field_sentera_id",
    "sync_mosaics": "survey_sentera_id",
}


def query_text(name: str) -> str:
    return (QUERIES / f"{name}.graphql").read_text(encoding="utf-8")


class GraphQL:
    def __init__(self, simulator: Simulator, token: str | None = None) -> None:
        self.simulator = simulator
        self.token = simulator.demo_token if token is None else token
        self.http = httpx.Client(timeout=10)

    def post(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.http.post(self.simulator.graphql_url, json=body, headers=headers)

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        payload = response.json()
        assert "errors" not in payload, payload["errors"]
        data: dict[str, Any] = payload["data"]
        return data

    def sync(self, query_name: str, scope_id: str, hashes: list[str]) -> dict[str, Any]:
        variables = {SCOPE_ARGUMENT[query_name]: scope_id, "content_hashes": hashes}
        result: dict[str, Any] = self.data(query_text(query_name), variables)[query_name]
        return result

    def sync_loop(
        self, query_name: str, scope_id: str, local: dict[str, str], max_calls: int = 50
    ) -> int:
        """The documented client loop; updates `local` (id -> hash), returns the calls."""
        for calls in range(1, max_calls + 1):
            page = self.sync(query_name, scope_id, list(local.values()))
            for item in page["upserted"]:
                local[item["sentera_id"]] = item["content_hash"]
            for item in page["deleted"]:
                local.pop(item["sentera_id"], None)
            if page["remaining_count"] == 0 or not (page["upserted"] or page["deleted"]):
                return calls
        raise AssertionError(f"{query_name} did not converge in {max_calls} calls")

    def close(self) -> None:
        self.http.close()


def hashes_of(items: list[dict[str, Any]]) -> dict[str, str]:
    return {item["sentera_id"]: item["content_hash"] for item in items}
