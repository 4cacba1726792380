"""Downloads take turns from the adaptive limiter, against a file host that pushes back
(over real HTTP: the simulator's host caps the downloads in flight), and honour the
host's Retry-After: the wait is recorded, not slept, and on the limiter's fake clock
the pause holds every download back."""

from __future__ import annotations

from app.api.client import FieldAgentClient
from app.domain_files import Pin, PinKind
from app.files.fetch import Limits
from app.files.library import Library
from app.files.manager import DownloadManager, DownloadOptions
from app.simulator import Simulator
from app.store import Store
from app.sync.backoff import ServerBackoff
from app.sync.limiter import AdaptiveLimiter, Cause, LimitChange
from tests.files.helpers import FAST, Events, files_requests, server_bytes, survey_with_files
from tests.sync.limiter_helpers import FakeClock


class Waits:
    """Stands in for the pass's sleep between retries: records it, never cancels."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> bool:
        self.seconds.append(seconds)
        return False


def _pass(
    library: Library,
    client: FieldAgentClient,
    *,
    limiter: AdaptiveLimiter | None = None,
    waits: Waits | None = None,
    max_attempts: int = 6,
) -> tuple[bool, str | None]:
    options = DownloadOptions(
        quota=10**9, limits=Limits(stall_seconds=10), max_attempts=max_attempts, **FAST
    )
    manager = DownloadManager(
        library=library, client=client, options=options, limiter=limiter, sleep=waits
    )
    try:
        summary = manager.run(on_event=Events())
    finally:
        manager.close()
    return summary.complete, summary.message


def test_the_limiter_backs_off_a_busy_file_host_and_every_file_arrives_intact(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    survey, mosaics = survey_with_files(sim, at_least=4)
    store.add_pin(Pin(PinKind.SURVEY, survey))
    sim.admission.limit_files(2, retry_after=0, status=503)
    # The first two downloads stay in flight for seconds, so the limiter's other two
    # opening requests meet a full host however fast or slow this machine is (small
    # files could otherwise finish before a third request is even sent).
    sim.faults.add(kind="latency", query="files", seconds=3, times=2)
    limiter = AdaptiveLimiter(8, initial=4, backoff=ServerBackoff())
    changes: list[LimitChange] = []
    limiter.on_change(changes.append)

    # Generous attempts: a download that ends on the client a moment before the host
    # counts it gone can meet one more refusal; the limiter is what is under test.
    complete, message = _pass(library, client, limiter=limiter, max_attempts=20)

    assert complete, message
    for mosaic in mosaics:
        path = library.local_path(mosaic)
        assert path is not None and path.read_bytes() == server_bytes(client, mosaic)
    stats = sim.admission.file_stats()
    assert stats.rejected > 0 and stats.peak_in_flight <= 2
    cuts = [c for c in changes if c.cause is Cause.UNAVAILABLE]
    assert cuts and cuts[0].previous == 4 and cuts[0].limit == 2
    assert limiter.drops == stats.rejected  # every refusal was reported to it
    assert limiter.in_flight == 0
    # Backing off meant few refusals: far fewer than one per download per attempt.
    assert stats.rejected < len(mosaics) * 2, (stats.rejected, len(mosaics))


def test_a_retry_after_from_the_file_host_is_waited_exactly(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    sim.faults.add(kind="rate_limit", query="files", retry_after=7, times=1)
    sim.faults.add(kind="http_status", query="files", status=503, retry_after=3, after=1, times=1)
    waits = Waits()

    complete, message = _pass(library, client, waits=waits)

    assert complete, message
    assert [r.status for r in files_requests(sim)] == [429, 503, 200]
    assert waits.seconds == [7.0, 3.0]  # the host's word, not a jittered guess


def test_a_retry_after_pauses_the_downloads_on_the_limiters_clock(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim)
    store.add_pin(Pin(PinKind.MOSAIC, mosaics[0]))
    sim.faults.add(kind="rate_limit", query="files", retry_after=5, times=1)
    clock = FakeClock()
    backoff = ServerBackoff(clock=clock)
    limiter = AdaptiveLimiter(8, backoff=backoff, clock=clock, wait=clock.wait)
    started = clock()
    waits = Waits()

    complete, message = _pass(library, client, limiter=limiter, waits=waits)

    assert complete, message
    assert waits.seconds == [5.0]
    assert backoff.pauses == 1 and "HTTP 429" in backoff.reason
    # The retry asked for a slot while the host's pause ran, and was held until it ended.
    assert clock() - started >= 5.0 and clock.waits >= 5
    assert limiter.drops == 1
