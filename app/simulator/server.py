"""Running the simulator: uvicorn on loopback in a background thread.

The listening socket is bound here, not by uvicorn, so port 0 resolves to a real free
port before the server starts and `stop()`/`start()` can come back on that same port:
clients see the server go away and return, as when a laptop loses and regains the
network. The account, tokens, faults and request log survive a restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import uvicorn

from app.simulator.admission import Admission
from app.simulator.app import build_app
from app.simulator.auth import AuthService
from app.simulator.config import SimulatorConfig
from app.simulator.dataset import Dataset
from app.simulator.faults import FaultInjector
from app.simulator.files import UrlSigner
from app.simulator.hostile import HostileAccount, make_names_hostile
from app.simulator.imagery import ImageryCache
from app.simulator.live import LiveChanges
from app.simulator.requestlog import RequestLog
from app.simulator.services import Services

log = logging.getLogger(__name__)


class _PeerGoneFilter(logging.Filter):
    """Drop asyncio's note that it kept writing to a connection the peer had closed.

    A client that hangs up in the middle of a file download (a cancelled download, the
    app quitting) leaves a few writes of the streamed body queued; asyncio reports each
    one once the count passes its threshold. For a test and demo server that is expected
    and says nothing about either side, but in an embedded simulator the lines reach the
    app's stderr, where they look like a fault.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "socket.send() raised exception."


_PEER_GONE = _PeerGoneFilter()


class _StoppedMidAnswerFilter(logging.Filter):
    """Drop uvicorn's report of answers it cut off because the simulator was stopped.

    Stopping gives requests in flight two seconds; an answer still being computed then
    (a GeoTIFF drawn for `sync_files`, say) is cancelled, and uvicorn logs the
    cancellation as an error with a traceback. The simulator is stopped on purpose (the
    demo quitting, a test restarting it), so that is expected, not a fault of either side.
    Any other error still gets through.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        return "timeout graceful shutdown exceeded" not in record.getMessage()


_STOPPED_MID_ANSWER = _StoppedMidAnswerFilter()
_START_TIMEOUT = 15.0


class Simulator:
    """A FieldAgent-compatible server; see the package docstring for the API."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.dataset = Dataset(
            seed=self.config.seed,
            size=self.config.size,
            imagery_scale=self.config.imagery_scale,
        )
        self.faults = FaultInjector()
        self.hostile: HostileAccount | None = (
            make_names_hostile(self.dataset, self.faults) if self.config.hostile_names else None
        )
        self.request_log = RequestLog()
        self.auth = AuthService(
            users=self.dataset.users,
            seed=self.config.seed,
            access_lifetime=self.config.access_token_lifetime,
            refresh_lifetime=self.config.refresh_token_lifetime,
        )
        self.admission = Admission(
            max_in_flight=self.config.max_in_flight,
            retry_after=self.config.overload_retry_after,
            latency_per_request=self.config.latency_per_request,
        )
        secret = hashlib.sha256(f"fielddesk-sim/{self.config.seed}/files".encode()).digest()
        self.imagery = ImageryCache(self.config.imagery_cache_dir)
        services = Services(
            self.config,
            self.dataset,
            self.faults,
            self.request_log,
            self.auth,
            UrlSigner(secret, self.auth.now),
            self.imagery,
            self.admission,
        )
        self.app = build_app(services)
        self.port = self.config.port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._live = (
            LiveChanges(self.dataset, self.config.live_interval, self.config.seed)
            if self.config.live_interval
            else None
        )

    # -- addresses and credentials ------------------------------------------------------

    @property
    def base_url(self) -> str:
        scheme = "https" if self.config.tls_certfile else "http"
        return f"{scheme}://{self.config.host}:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def demo_token(self) -> str:
        return self.auth.demo_token

    @property
    def oauth_client_id(self) -> str:
        return self.auth.client_id

    @property
    def oauth_client_secret(self) -> str:
        return self.auth.client_secret

    @property
    def demo_user_email(self) -> str:
        return str(self.auth.demo_user["email"])

    @property
    def demo_user_password(self) -> str:
        return self.auth.demo_password

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- lifecycle ----------------------------------------------------------------------

    def _bind(self) -> socket.socket:
        # Naming IPPROTO_TCP lets asyncio recognise the socket as TCP and set
        # TCP_NODELAY on accepted connections; without it every reply waits ~40 ms
        # for delayed ACKs (Nagle), which would distort every measurement.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.config.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        return sock

    def start(self) -> Simulator:
        """Start serving (on the same port as before after a stop); returns self."""
        logging.getLogger("asyncio").addFilter(_PEER_GONE)  # idempotent: one filter object
        logging.getLogger("uvicorn.error").addFilter(_STOPPED_MID_ANSWER)
        if self.running:
            return self
        self.dataset.prebuild()  # only `large` has such surveys; a no-op once done
        sock = self._bind()
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            http="h11",
            lifespan="off",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=30,
            ssl_certfile=self.config.tls_certfile,
            ssl_keyfile=self.config.tls_keyfile,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"simulator-{self.port}",
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"the simulator could not start on {self.base_url}")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        if self._live is not None:
            self._live.start()
        log.debug("simulator serving %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving; open connections are closed. The state is kept for start()."""
        if self._live is not None:
            self._live.stop()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT)
        self._server = self._thread = None
        log.debug("simulator stopped")

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def run_simulator(config: SimulatorConfig | None = None) -> Iterator[Simulator]:
    """A started simulator for the duration of the block, stopped afterwards."""
    simulator = Simulator(config)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()
