"""Aborting a client shared by several threads leaves no socket to the garbage collector.

A sync that stops (network gone, cancel) aborts its client while other threads may be
anywhere inside a request. The dangerous one has passed the client's checks but not yet
reached the connection pool when the pool is closed: the pool then opens a connection
it no longer tracks, and its socket used to be left for the garbage collector
("ResourceWarning: unclosed socket"). The test holds a request at exactly that point
with a gate in front of a real `httpx.HTTPTransport` (the one stand-in here: nothing
else can stop a thread between two lines of httpx), aborts, lets the request go, and
collects garbage with every ResourceWarning recorded.
"""

from __future__ import annotations

import gc
import threading
import warnings
from typing import Any

import httpx
import pytest

from app.api.auth import StaticTokenProvider
from app.api.client import ClientAborted, FieldAgentClient
from app.simulator import Simulator

WAIT = 10.0


class GatedTransport(httpx.BaseTransport):
    """A real HTTP transport that holds each request at its door until the gate opens."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.arrived = threading.Event()
        self.gate = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.arrived.set()
        assert self.gate.wait(WAIT), "the test never opened the gate"
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _unclosed_sockets(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(w.message)
        for w in caught
        if issubclass(w.category, ResourceWarning) and "socket" in str(w.message)
    ]


def _request_across_an_abort(sim: Simulator) -> tuple[list[Any], list[BaseException]]:
    """One request enters the client, the client is aborted, then the request goes on."""
    transport = GatedTransport()
    client = FieldAgentClient(
        sim.graphql_url, StaticTokenProvider(sim.demo_token), transport=transport
    )
    answers: list[Any] = []
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            answers.append(client.current_user())
        except BaseException as error:  # reported to the test, not lost in the thread
            errors.append(error)

    thread = threading.Thread(target=fetch)
    thread.start()
    assert transport.arrived.wait(WAIT)
    client.abort()  # the pool is closed while the request is between httpx and the pool
    transport.gate.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    with pytest.raises(ClientAborted):
        client.current_user()  # and nothing new is sent
    client.close()
    return answers, errors


def test_a_request_that_outlives_an_abort_closes_its_own_socket(simulator: Simulator) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answers, errors = _request_across_an_abort(simulator)
        gc.collect()

    # The request went through on a connection the closed pool no longer tracks...
    assert not errors and answers[0]["email"] == simulator.demo_user_email
    # ...and that connection's socket was closed by the request, not by the collector.
    assert _unclosed_sockets(caught) == []


def test_the_unclosed_socket_check_sees_a_leak(simulator: Simulator) -> None:
    # The check above can fail: a socket dropped without closing is reported by it.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        leaked = httpx.HTTPTransport()
        leaked.handle_request(httpx.Request("POST", simulator.graphql_url, json={})).read()
        del leaked
        gc.collect()

    assert _unclosed_sockets(caught)


def test_abort_wakes_a_request_waiting_for_its_answer(simulator: Simulator) -> None:
    """A request blocked reading its answer ends on abort, while the server still holds
    it: closing a socket does not wake a thread blocked on it, shutting it down does.
    (Before, the request waited for its read timeout, a minute, and a cancelled sync
    or a closing window with it.)"""
    held = simulator.faults.add("hold", query="user", times=1, seconds=60)
    client = FieldAgentClient(simulator.graphql_url, StaticTokenProvider(simulator.demo_token))
    ended = threading.Event()
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            client.current_user()
        except BaseException as error:
            errors.append(error)
        finally:
            ended.set()

    thread = threading.Thread(target=ask)
    thread.start()
    try:
        assert held.wait_for_arrivals(1, timeout=WAIT)
        client.abort()
        assert ended.wait(WAIT), "the request still waits for an answer after abort"
        assert not held.released, "the server let it go: the abort proved nothing"
        assert errors, "an aborted request cannot have succeeded"
    finally:
        held.release()
        thread.join(WAIT)
        client.close()
