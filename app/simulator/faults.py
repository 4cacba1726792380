"""Fault injection: make the simulator misbehave on demand, per query or per request.

    sim.faults.add("http_status", status=503, query="sync_mosaics", times=2)
    sim.faults.add("expire_token", after=2)          # the 3rd GraphQL call gets a 401
    fielddesk-sim --fault sync_mosaics:http_status:503:times=2

A fault matches a request when its `query` is one of the request's GraphQL root fields
or its endpoint name ("oauth_token", "files", ...), or, with `query=None`, any GraphQL
request; and, if `scope_id` is set, when the request's scope argument is that id. It
lets `after` matching requests through, then fires on the next `times` ones (None =
forever). Several faults may fire on one request (e.g. latency plus a 503).

Kinds and their parameters:
- latency (seconds): answer late.
- http_status (status 500/502/503, message, retry_after): an error page instead of the
  answer, with a Retry-After header when `retry_after` is given.
- rate_limit (retry_after): HTTP 429 with a Retry-After header (1 s unless given).
- close_connection: send the headers and half the body, then drop the connection.
- truncated_body: a complete HTTP response whose JSON is cut in half.
- non_json: HTTP 200 with an HTML page.
- graphql_error (message, code): HTTP 200 with `errors` and `data: null`.
- missing_field (field): drop a required key from the first item of the page (or from
  the result itself, e.g. "remaining_count").
- expire_token (invalidate): HTTP 401 as if the token had expired; with invalidate=True
  the token really stops working until the client refreshes.
- trickle (chunks, interval): the body in `chunks` pieces, `interval` seconds apart.
- stuck_remaining: always the first page and a remaining_count that never shrinks.
- expire_link: the file host answers 403 as if the signed link had expired.
- hold (seconds, parties): keep the request at the server until the test calls
  `fault.release()`, or, with `parties`, until that many held requests wait at once (a
  barrier: `fault.met` then proves they were in flight together); never longer than
  `seconds`. `fault.wait_for_arrivals(n)` waits until n requests have arrived.
- empty_page (remaining): a sync page with no upserted or deleted items that still
  reports `remaining` items left (default: the count the server computed); the
  documented loop must end there.
Hostile answers (see `hostile`: what each is for, and `--hostile` on the command line):
- deep_json (depth): HTTP 200 whose JSON nests `depth` arrays (100,000 by default).
- gzip_bomb (inflated): HTTP 200 with `Content-Encoding: gzip` whose body inflates to
  `inflated` bytes of zeros (2 GiB by default, about 2 MB on the wire), streamed from
  one precomputed block, so the simulator never holds more than a megabyte of it.
- over_cap: the sync page ignores the page cap and carries every item left in the
  scope (give the scope more items than the documented cap first).
- duplicate_id: the page's first upserted item comes twice, the copy with another hash.
- bad_hash (length): the page's first upserted item gets a content hash of `length`
  characters (0 by default: an empty hash; 10240 for a 10 kB one).
A slow drip needs no kind of its own: `trickle` with `chunks` larger than the body sends
it a byte at a time (e.g. chunks=1000000000, interval=2: a byte every 2 s, for hours).
On the file host ("files"), close_connection, trickle and truncated_body act on the
file's bytes: half of them then a dropped connection, slow pieces, or a complete
response that carries only half of them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, fields
from dataclasses import field as dataclass_field  # "field" is a fault parameter
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    LATENCY = "latency"
    HTTP_STATUS = "http_status"
    RATE_LIMIT = "rate_limit"
    CLOSE_CONNECTION = "close_connection"
    TRUNCATED_BODY = "truncated_body"
    NON_JSON = "non_json"
    GRAPHQL_ERROR = "graphql_error"
    MISSING_FIELD = "missing_field"
    EXPIRE_TOKEN = "expire_token"
    TRICKLE = "trickle"
    STUCK_REMAINING = "stuck_remaining"
    EXPIRE_LINK = "expire_link"
    HOLD = "hold"
    EMPTY_PAGE = "empty_page"
    DEEP_JSON = "deep_json"
    GZIP_BOMB = "gzip_bomb"
    OVER_CAP = "over_cap"
    DUPLICATE_ID = "duplicate_id"
    BAD_HASH = "bad_hash"


# The parameter a bare value on the command line sets, per kind.
_POSITIONAL = {
    FaultKind.LATENCY: "seconds",
    FaultKind.HTTP_STATUS: "status",
    FaultKind.RATE_LIMIT: "retry_after",
    FaultKind.GRAPHQL_ERROR: "message",
    FaultKind.MISSING_FIELD: "field",
    FaultKind.TRICKLE: "interval",
    FaultKind.HOLD: "seconds",
    FaultKind.EMPTY_PAGE: "remaining",
    FaultKind.DEEP_JSON: "depth",
    FaultKind.GZIP_BOMB: "inflated",
    FaultKind.BAD_HASH: "length",
}


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    query: str | None = None
    scope_id: str | None = None
    after: int = 0
    times: int | None = 1
    seconds: float = 1.0
    status: int = 503
    message: str = "Internal server error"
    code: str = "INTERNAL_SERVER_ERROR"
    retry_after: int | None = None  # rate_limit sends 1 when unset
    field: str = "content_hash"
    invalidate: bool = False
    chunks: int = 10
    interval: float = 0.2
    parties: int = 0
    remaining: int | None = None
    depth: int = 100_000
    inflated: int = 2 * 1024**3
    length: int = 0
    seen: int = 0  # matching requests so far
    fired: int = 0  # times it fired so far
    # hold: how many requests arrived, how many wait now, whether released or met.
    arrivals: int = 0
    waiting: int = 0
    released: bool = False
    met: bool = False
    gate: threading.Condition = dataclass_field(default_factory=threading.Condition, repr=False)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def hold(self) -> None:
        """Server side (a worker thread): wait as the `hold` kind says."""
        with self.gate:
            self.arrivals += 1
            self.waiting += 1
            if self.parties and self.waiting >= self.parties:
                self.met = True
            self.gate.notify_all()
            self.gate.wait_for(lambda: self.released or self.met, timeout=self.seconds)
            self.waiting -= 1

    def release(self) -> None:
        """Let every held request (and any later one) through."""
        with self.gate:
            self.released = True
            self.gate.notify_all()

    def wait_for_arrivals(self, count: int, timeout: float = 30.0) -> bool:
        """Test side: wait until `count` requests have reached the hold."""
        with self.gate:
            return self.gate.wait_for(lambda: self.arrivals >= count, timeout=timeout)


_STATE = {"kind", "seen", "fired", "arrivals", "waiting", "released", "met", "gate"}
_PARAMS = {f.name: f.type for f in fields(Fault) if f.name not in _STATE}


class FaultInjector:
    """The list of armed faults; thread-safe (tests arm, the server consumes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: str,
        *,
        query: str | None = None,
        scope_id: str | None = None,
        after: int = 0,
        times: int | None = 1,
        **params: Any,
    ) -> Fault:
        unknown = set(params) - set(_PARAMS)
        if unknown:
            raise TypeError(f"unknown fault parameter(s) {sorted(unknown)}")
        fault = Fault(
            FaultKind(kind), query=query, scope_id=scope_id, after=after, times=times, **params
        )
        if fault.kind is FaultKind.HTTP_STATUS and not 400 <= fault.status <= 599:
            raise ValueError("http_status needs a 4xx or 5xx status")
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def take(self, names: Sequence[str], scope_id: str | None, *, graphql: bool) -> list[Fault]:
        """Count this request against every matching fault; return those that fire."""
        firing = []
        with self._lock:
            for fault in self._faults:
                if fault.exhausted:
                    continue
                if fault.query is None and not graphql:
                    continue
                if fault.query is not None and fault.query not in names:
                    continue
                if fault.scope_id is not None and fault.scope_id != scope_id:
                    continue
                fault.seen += 1
                if fault.seen > fault.after:
                    fault.fired += 1
                    firing.append(fault)
        return firing

    def add_spec(self, spec: str) -> Fault:
        """Arm a fault from `[query:]kind[:value][:name=value...]` (the CLI's --fault)."""
        parts = spec.split(":")
        query: str | None = None
        if parts[0] not in FaultKind.__members__.values():
            query = parts.pop(0)
            query = None if query in ("", "*", "any") else query
        if not parts:
            raise ValueError(f"fault {spec!r} names no kind")
        kind = FaultKind(parts.pop(0))
        values: dict[str, Any] = {}
        for part in parts:
            name, sep, text = part.partition("=")
            if not sep:
                name, text = _POSITIONAL.get(kind, ""), part
                if not name:
                    raise ValueError(f"fault {kind} takes no bare value ({part!r})")
            values[name] = _convert(name, text)
        query = values.pop("query", query)
        return self.add(kind, query=query, **values)


def _convert(name: str, text: str) -> Any:
    if name not in _PARAMS:
        raise ValueError(f"unknown fault parameter {name!r}")
    kind = str(_PARAMS[name])
    if text.lower() in ("none", "forever") and "None" in kind:
        return None
    if kind.startswith("int"):
        return int(text)
    if kind.startswith("float"):
        return float(text)
    if kind == "bool":
        return text.lower() in ("1", "true", "yes")
    return text
