"""A run stopped while another scope's request is in flight leaves no socket behind.

The engine aborts its shared client when the run stops (here: one scope meets a server
that keeps dropping the connection, so the run ends INTERRUPTED) and closes it only
once every fetcher has returned. A request of another scope is held at the door of a
real `httpx.HTTPTransport` until the abort closes the transport (the one stand-in: it
is how the test catches a thread between httpx's check and the connection pool), then
goes on to the server on a connection the closed pool no longer tracks. Garbage is
collected with every warning recorded: no "unclosed socket" may appear.
"""

from __future__ import annotations

import gc
import json
import threading
import warnings

import httpx

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.domain import Outcome, Scope
from app.simulator import Simulator
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken

from .helpers import FAST_RETRY, local_catalogue, sync

WAIT = 10.0


class HoldUntilAborted(httpx.BaseTransport):
    """Real HTTP; requests for `held_scope` wait until the client closes this transport."""

    def __init__(self, held_scope: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.held_scope = held_scope
        self.closed = threading.Event()
        self.held = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content).get("variables", {})
        if variables.get("survey_sentera_id") == self.held_scope:
            self.held += 1
            assert self.closed.wait(WAIT), "the run never aborted its client"
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.closed.set()
        self.inner.close()


def test_a_run_stopped_by_the_network_leaves_no_socket_to_the_collector(
    store: Store, simulator: Simulator
) -> None:
    assert sync(store, simulator).outcome is Outcome.COMPLETE
    gone, held = simulator.dataset.survey_ids()[:2]
    simulator.dataset.add_mosaics(held, 3)
    before = local_catalogue(store)
    simulator.faults.add("close_connection", query="sync_mosaics", scope_id=gone, times=None)
    transports: list[HoldUntilAborted] = []

    def client() -> FieldAgentClient:
        transports.append(HoldUntilAborted(held))
        tokens = StaticTokenProvider(simulator.demo_token)
        return FieldAgentClient(simulator.graphql_url, tokens, transport=transports[-1])

    engine = SyncEngine(store=store, client_factory=client, concurrency=4, retry=FAST_RETRY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = engine.run(Scope.everything(), cancel=CancelToken(), on_event=lambda e: None)
        del engine, client
        transports.clear()
        gc.collect()

    assert summary.outcome is Outcome.INTERRUPTED, summary.message
    held_calls = [c for c in simulator.request_log.for_query("sync_mosaics") if c.scope_id == held]
    assert held_calls, "the held request reached the server after the abort"
    # The page that arrived after the stop was dropped, not committed.
    after = local_catalogue(store)
    mine = lambda cat: {k for k, v in cat["mosaics"].items() if v[1] == held}  # noqa: E731
    assert mine(after) == mine(before)
    unclosed = [
        str(w.message)
        for w in caught
        if issubclass(w.category, ResourceWarning) and "socket" in str(w.message)
    ]
    assert unclosed == []
