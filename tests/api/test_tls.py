"""A certificate the client cannot verify is a TLS problem, not a network outage.

Real HTTPS on loopback: the simulator serves a self-signed certificate made at test
time and the client keeps verification on, as it always does.
"""

from __future__ import annotations

import ssl

import httpx
import pytest

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.api.errors import NetworkError, TLSError
from app.simulator import Simulator


def test_an_untrusted_certificate_raises_tls_error(tls_simulator: Simulator) -> None:
    assert tls_simulator.graphql_url.startswith("https://127.0.0.1:")
    client = FieldAgentClient(tls_simulator.graphql_url, StaticTokenProvider("t"))
    with client, pytest.raises(TLSError) as caught:
        client.organizations()
    error = caught.value
    assert not isinstance(error, NetworkError)
    assert not error.retryable
    assert "certificate" in error.user_message
    assert "could not be reached" not in error.user_message
    assert len(tls_simulator.request_log) == 0  # refused before any request was read


def test_the_server_really_answers_https_when_trusted(
    tls_simulator: Simulator, untrusted_certificate: tuple[str, str]
) -> None:
    """The failure above is the certificate, not a broken server: trusting it works."""
    certfile, _ = untrusted_certificate
    with httpx.Client(verify=ssl.create_default_context(cafile=certfile)) as http:
        response = http.post(tls_simulator.graphql_url, json={"query": "{ __typename }"})
    assert response.status_code in (200, 401)
