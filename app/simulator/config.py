"""Settings of one simulator instance.

Everything a test may want to bend lives here, so a test states its whole setup in one
`SimulatorConfig(...)` call: account size and seed, port, live changes, token lifetimes,
added latency and the per-query page caps (lowered by tests to exercise paging on a small
account).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SIZES = ("tiny", "demo", "wide", "large")


@dataclass(frozen=True, slots=True)
class SizeSpec:
    """How many items of each kind an account of a given size holds."""

    organizations: int
    fields: int
    surveys: int
    mosaics: int
    # One survey gets this many mosaics on top of `mosaics`, so paging is exercised
    # by a realistic account (0 = no such survey).
    big_survey_mosaics: int = 0


SIZE_SPECS: dict[str, SizeSpec] = {
    # Small and exact, so tests can count: 2 organizations (a root and its child),
    # 4 fields, 10 surveys, 60 mosaics.
    "tiny": SizeSpec(organizations=2, fields=4, surveys=10, mosaics=60),
    "demo": SizeSpec(organizations=4, fields=40, surveys=400, mosaics=4_000),
    # Many small surveys (60 fields x 8): a sync made of many one-page scopes.
    "wide": SizeSpec(organizations=2, fields=60, surveys=480, mosaics=2_400),
    "large": SizeSpec(
        organizations=6, fields=200, surveys=2_000, mosaics=80_000, big_survey_mosaics=20_500
    ),
}


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """One simulator's settings; every field has a sensible default for tests."""

    size: str = "tiny"
    seed: int = 1
    host: str = "127.0.0.1"
    # 0 picks a free port once; stop()/start() then reuse that same port.
    port: int = 0
    # Seconds between live changes (None = the account only changes when told to).
    live_interval: float | None = None
    access_token_lifetime: int = 8 * 3600
    # None = refresh tokens never expire (Sentera does not document a lifetime).
    refresh_token_lifetime: int | None = None
    # Seconds added to every GraphQL response.
    latency: float = 0.0
    # Server-side load (see admission): more GraphQL requests in flight than this get
    # HTTP 429 with Retry-After (None = no cap); seconds added per other request in flight.
    max_in_flight: int | None = None
    overload_retry_after: int = 1
    latency_per_request: float = 0.0
    # Page caps of the sync queries (Sentera's documented values by default).
    fields_cap: int = 300
    surveys_cap: int = 2_000
    mosaics_cap: int = 2_000
    files_cap: int = 2_000
    # False shows a sign-in and approve page at /oauth/authorize instead of redirecting
    # straight back with a code.
    oauth_auto_approve: bool = True
    # Multiplies every mosaic's pixel dimensions (tests and benchmarks pick their sizes).
    imagery_scale: float = 1.0
    # Where generated GeoTIFFs are kept (None: the user cache folder).
    imagery_cache_dir: Path | str | None = None
    # Serve HTTPS with this certificate chain and key (PEM files); None serves plain HTTP.
    # Lets tests show how the client meets a certificate it does not trust.
    tls_certfile: str | None = None
    tls_keyfile: str | None = None
    # Keep the content hashes each sync request sent in the request log (tests that
    # check the exact checkpoint; off by default to keep big runs small).
    record_hashes: bool = False
    # Hostile text in part of the account: markup and terminal controls in names and
    # messages, and a GraphQL error that carries them (see hostile.make_names_hostile).
    hostile_names: bool = False

    def __post_init__(self) -> None:
        if self.size not in SIZE_SPECS:
            raise ValueError(f"unknown size {self.size!r}; choose one of {', '.join(SIZES)}")
        for name in ("fields_cap", "surveys_cap", "mosaics_cap", "files_cap"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.live_interval is not None and self.live_interval <= 0:
            raise ValueError("live_interval must be positive")
        if not 0 < self.imagery_scale <= 4:
            raise ValueError("imagery_scale must be above 0 and at most 4")
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if self.overload_retry_after < 0 or self.latency_per_request < 0:
            raise ValueError("overload_retry_after and latency_per_request cannot be negative")

    @property
    def spec(self) -> SizeSpec:
        return SIZE_SPECS[self.size]
