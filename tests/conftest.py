"""Shared fixtures: a running FieldAgent simulator on loopback.

`simulator` is a fresh tiny account (seed 1) per test; `simulator_factory(**config)`
starts one with any `SimulatorConfig` settings. Both are stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.simulator import Simulator, SimulatorConfig
from tests.require_all import pytest_runtest_makereport  # noqa: F401  (a hook: CI never skips)


@pytest.fixture
def simulator_factory() -> Iterator[Callable[..., Simulator]]:
    started: list[Simulator] = []

    def start(**config: Any) -> Simulator:
        config.setdefault("size", "tiny")
        config.setdefault("seed", 1)
        simulator = Simulator(SimulatorConfig(**config)).start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def simulator(simulator_factory: Callable[..., Simulator]) -> Simulator:
    return simulator_factory()


@pytest.fixture(scope="session")
def untrusted_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made at test time: (certfile, keyfile).

    Valid in every way except that nobody trusts it, which is exactly the failure a user
    behind an intercepting proxy, or pointed at the wrong server, runs into.
    """
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certfile), str(keyfile)


@pytest.fixture
def tls_simulator(
    simulator_factory: Callable[..., Simulator], untrusted_certificate: tuple[str, str]
) -> Simulator:
    """A simulator serving HTTPS with a certificate the client does not trust."""
    certfile, keyfile = untrusted_certificate
    return simulator_factory(tls_certfile=certfile, tls_keyfile=keyfile)
