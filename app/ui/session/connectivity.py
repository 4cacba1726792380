"""Knowing whether FieldAgent can be reached, without ever blocking the window.

Two signals feed the state:
- Qt's `QNetworkInformation` (where the platform has a backend) says at once when the
  network goes away or comes back;
- a cheap authenticated probe of the server (the `user` query) says whether FieldAgent
  itself answers, and whether our sign-in is still accepted.

Probes run in the task manager's network pool; their answer comes back on the main
thread. While
the server is unreachable the probe backs off (5 s, 10 s, … up to 2 min); while online
it runs every minute (one tiny query: many platforms have no reachability backend, so
the probe is how a server gone away is noticed); a reachability change from the OS
re-probes immediately. `heard` carries the last time FieldAgent answered anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

from app.api.auth import TokenProvider
from app.api.client import FieldAgentClient
from app.api.errors import (
    ApiError,
    AuthError,
    InvalidServerUrl,
    NetworkError,
    RequestTimeout,
    ServerError,
    TLSError,
)
from app.api.transport import check_server_url
from app.ui.common.connection_state import Connection, ConnectionStatus
from app.ui.common.tasks import NETWORK, TaskManager

log = logging.getLogger(__name__)

__all__ = ["Connection", "ConnectionMonitor", "ConnectionStatus", "ProbeTimings", "probe_server"]

PROBE_TIMEOUT = httpx.Timeout(5.0, connect=3.0)


@dataclass(frozen=True, slots=True)
class ProbeTimings:
    """Milliseconds; tests shrink them."""

    online_interval: int = 60_000
    first_backoff: int = 5_000
    max_backoff: int = 120_000


def probe_server(graphql_url: str, tokens: TokenProvider | None) -> tuple[Connection, str]:
    """One probe, on any thread: ask FieldAgent who we are, classify the answer."""
    try:
        check_server_url(graphql_url)
    except InvalidServerUrl as error:
        # Nothing was sent: a server FieldDesk refuses to talk to is not "connected".
        return Connection.UNREACHABLE, error.user_message
    if tokens is None:
        # Not signed in: any HTTP answer at all means the server is there.
        try:
            with httpx.Client(timeout=PROBE_TIMEOUT) as client:
                client.post(graphql_url, json={"query": "{ __typename }"})
        except httpx.HTTPError:
            return Connection.UNREACHABLE, "FieldAgent does not answer."
        return Connection.SIGNED_OUT, "Signed out: sign in to sync."
    try:
        with FieldAgentClient(graphql_url, tokens, timeout=PROBE_TIMEOUT) as client:
            client.current_user()
    except AuthError as error:
        return Connection.SIGNED_OUT, error.user_message
    except (NetworkError, TLSError, RequestTimeout, ServerError) as error:
        return Connection.UNREACHABLE, error.user_message
    except ApiError as error:  # it answered, if oddly: reachable
        log.info("probe got an unexpected answer: %s", error)
    return Connection.ONLINE, "Connected to FieldAgent."


class ConnectionMonitor(QObject):
    """The window's idea of the connection; `status_changed` on every change of state."""

    status_changed = Signal(object)  # ConnectionStatus
    heard = Signal(object)  # datetime (UTC): FieldAgent answered (a probe or a sync)

    def __init__(
        self,
        graphql_url: str,
        token_provider: Callable[[], TokenProvider | None],
        tasks: TaskManager,
        *,
        timings: ProbeTimings | None = None,
        use_network_information: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._url = graphql_url
        self._tokens = token_provider
        self._tasks = tasks
        self._timings = timings or ProbeTimings()
        self._status = ConnectionStatus(Connection.UNKNOWN, _now(), "Checking the connection…")
        self._last_heard: datetime | None = None
        self._backoff = self._timings.first_backoff
        self._probing = False
        self._scheduled_delay = -1
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.probe_now)
        self._network = _network_information() if use_network_information else None
        if self._network is not None:
            self._network.reachabilityChanged.connect(self._on_reachability_changed)

    @property
    def status(self) -> ConnectionStatus:
        return self._status

    @property
    def last_heard(self) -> datetime | None:
        return self._last_heard

    def note_heard(self) -> None:
        """FieldAgent answered (a probe, or a sync's request)."""
        self._last_heard = _now()
        self.heard.emit(self._last_heard)

    @property
    def probing(self) -> bool:
        return self._probing

    @property
    def scheduled_delay_ms(self) -> int:
        """The delay chosen for the next probe when it was scheduled (-1: none)."""
        return self._scheduled_delay if self._timer.isActive() else -1

    def start(self) -> None:
        """Begin probing (call once the window is shown: start-up never waits for it)."""
        QTimer.singleShot(0, self.probe_now)

    def stop(self) -> None:
        self._timer.stop()
        self._generation += 1  # answers still in flight are ignored
        self._probing = False

    def set_server(self, graphql_url: str) -> None:
        self._url = graphql_url
        self.recheck("Checking the new server…")

    def recheck(self, reason: str = "Checking the connection…") -> None:
        """Forget what is known and probe at once (signed in or out, new server).

        A probe already out was made with the old sign-in or server: its answer is
        ignored, and the state reads "unknown" until the new probe answers.
        """
        self.stop()
        self._backoff = self._timings.first_backoff
        self._set(Connection.UNKNOWN, reason)
        self.probe_now()

    @Slot()
    def probe_now(self) -> None:
        """Probe at once (if no probe is already out)."""
        if self._probing:
            return
        if self._network is not None and _disconnected(self._network):
            self._set(Connection.OFFLINE, "This computer has no network connection.")
            self._schedule()
            return
        self._probing = True
        generation = self._generation
        url = self._url
        try:
            tokens = self._tokens()
        except ApiError:
            tokens = None

        self._tasks.run_in_background(
            lambda: probe_server(url, tokens),
            lambda answer: self._on_probe_answered(*answer, generation),
            on_error=lambda error: self._on_probe_failed(error, generation),
            pool=NETWORK,
        )

    def report_unreachable(self, reason: str) -> None:
        """A sync found the server gone: believe it, and probe with backoff from now."""
        self._forget_probe_in_flight()
        self._set(Connection.UNREACHABLE, reason)
        self._backoff = self._timings.first_backoff
        self._schedule()

    def report_signed_out(self, reason: str) -> None:
        self._forget_probe_in_flight()
        self._set(Connection.SIGNED_OUT, reason)
        self._schedule()

    def _forget_probe_in_flight(self) -> None:
        """Evidence from a sync outranks a probe that left before it: that probe's
        (older) answer is ignored, so only probes started from now on decide."""
        self._generation += 1
        self._probing = False

    def _on_probe_failed(self, error: Exception, generation: int) -> None:
        """A bug in the probe itself (its expected failures are answers): log it, and
        keep probing so the state does not stick at "checking"."""
        log.error("the connection probe failed", exc_info=error)
        self._on_probe_answered(Connection.UNREACHABLE, "FieldAgent does not answer.", generation)

    def _on_probe_answered(self, state: Connection, reason: str, generation: int) -> None:
        if generation != self._generation:
            return  # from before a stop or recheck; the probe after it decides
        self._probing = False
        if state in (Connection.ONLINE, Connection.SIGNED_OUT):
            self.note_heard()  # it answered, whatever it said
        if self._network is not None and _disconnected(self._network):
            state, reason = Connection.OFFLINE, "This computer has no network connection."
        self._set(state, reason)
        self._schedule()

    def _schedule(self) -> None:
        if self._status.state is Connection.ONLINE:
            self._backoff = self._timings.first_backoff
            delay = self._timings.online_interval
        else:
            delay = self._backoff
            self._backoff = min(self._backoff * 2, self._timings.max_backoff)
        self._scheduled_delay = delay
        self._timer.start(delay)

    def _set(self, state: Connection, reason: str) -> None:
        if state is self._status.state and reason == self._status.reason:
            return
        since = self._status.since if state is self._status.state else _now()
        self._status = ConnectionStatus(state, since, reason)
        log.info("connection: %s (%s)", state, reason)
        self.status_changed.emit(self._status)

    @Slot()
    def _on_reachability_changed(self) -> None:
        self._backoff = self._timings.first_backoff
        self.probe_now()


def _network_information() -> QNetworkInformation | None:
    """The platform's reachability backend, if it has one (many Linux boxes do not)."""
    try:
        if QNetworkInformation.loadDefaultBackend() or QNetworkInformation.load(
            QNetworkInformation.Feature.Reachability
        ):
            return QNetworkInformation.instance()
    except (RuntimeError, AttributeError):
        pass
    return None


def _disconnected(info: QNetworkInformation) -> bool:
    return info.reachability() is QNetworkInformation.Reachability.Disconnected


def _now() -> datetime:
    return datetime.now(UTC)
