"""Hostile mode: the simulator answers as a malicious or broken FieldAgent would.

FieldDesk promises that no answer can hang it, crash it, exhaust its memory, corrupt
its database or make it show server text as anything but text. Each promise is only as
good as the answer it was tested against, so the answers live here, in the server the
whole suite already talks to, rather than in ad-hoc servers inside tests.

Each kind below is a fault (armed on any query and scope like every other fault, see
`faults`) or, for hostile text, an account option:

- drip: `trickle` with chunks larger than the body: one byte every `interval` seconds,
  for hours. Per-read timeouts never fire; only a total deadline can stop it.
- deep_json: JSON nested 100,000 arrays deep; a recursive decoder overflows its stack.
- gzip_bomb: about 2 MB on the wire, `Content-Encoding: gzip`, inflating to 2 GiB.
  One megabyte of zeros is compressed once, with a full flush so the compressed block
  can be repeated; the stream is that block over and over, then the gzip trailer.
- over_cap: a sync page with more items than the documented cap.
- duplicate_id: the same id twice in one page, with two different hashes.
- empty_hash / long_hash: a content hash of 0 or 10,240 characters.
- names (`SimulatorConfig(hostile_names=True)`): the account's first field, its first
  survey and that survey's first mosaic carry rich-text markup (an image, a link, a
  heading) and terminal controls (ESC sequences, BEL, CR, the RTL override U+202E) in
  their names and messages; that survey reports a failed item with such a message; and
  every `sync_mosaics` of another survey answers a GraphQL error saying such things.

`fielddesk-sim --hostile KIND` arms one of them on `sync_mosaics` (see `arm`).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.responses import StreamingResponse

from app.simulator.dataset import Dataset
from app.simulator.faults import FaultInjector

# Markup a rich-text widget would render, and controls a terminal would obey. Each
# carries a plain word ("bold mosaic"...) so a test can find where the string is shown.
MOSAIC_NAME = "<img src=x><b>bold mosaic</b>\x1b[31m red\x07"
FIELD_NAME = '<a href="file:///etc/passwd">field link</a>\r\u202egnp.exe'
SURVEY_NAME = "<h1>BIG survey</h1>\x1b]0;pwned\x07"
MOSAIC_MESSAGE = "<h1>BIG message</h1>\u202e"
FAILED_MESSAGE = "<u>underlined failure</u>\x1b[2J"
ERROR_MESSAGE = '<a href="http://example.invalid/">Click here</a> to fix\x1b[31m\x07\r\u202e'

DRIP_CHUNKS = 1_000_000_000  # more pieces than any body has bytes: one byte a piece
LONG_HASH = 10_240


@dataclass(frozen=True, slots=True)
class HostileAccount:
    """Where the hostile names are, so tests can find them."""

    field_id: str
    survey_id: str
    mosaic_id: str
    error_survey_id: str  # its sync_mosaics answers a GraphQL error with ERROR_MESSAGE


def make_names_hostile(dataset: Dataset, faults: FaultInjector) -> HostileAccount:
    """Rename part of the account with hostile text and arm the hostile GraphQL error."""
    org = dataset.organizations()[0]["sentera_id"]
    field = dataset.fields_of(org)[0]["sentera_id"]
    survey = dataset.surveys_of(field)[0]["sentera_id"]
    mosaic = dataset.mosaics_of(survey)[0]["sentera_id"]
    dataset.update_field(field, name=FIELD_NAME)
    dataset.update_survey(survey, name=SURVEY_NAME)
    dataset.update_mosaic(mosaic, name=MOSAIC_NAME, message=MOSAIC_MESSAGE)
    dataset.set_failed(survey, [{"key": "k1", "code": "BAD", "message": FAILED_MESSAGE}])
    other = next(s for s in dataset.survey_ids() if s != survey and dataset.mosaic_count(s))
    faults.add(
        "graphql_error", query="sync_mosaics", scope_id=other, times=None, message=ERROR_MESSAGE
    )
    return HostileAccount(field, survey, mosaic, other)


# -- answers that are not JSON a client can afford to read ------------------------------


def deep_json(depth: int) -> bytes:
    """A syntactically valid body whose `data` nests `depth` arrays."""
    return b'{"data":{"nested":' + b"[" * depth + b"]" * depth + b"}}"


_BLOCK = 1024 * 1024  # bytes of zeros per compressed block


@cache
def _bomb_parts() -> tuple[bytes, bytes]:
    """(gzip header, one compressed block of _BLOCK zeros that can follow itself).

    After a full flush the compressor starts afresh, so compressing the same input
    again yields the same bytes: the second block is the repeatable one, and what the
    first has before it is the gzip header.
    """
    zeros = bytes(_BLOCK)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first.endswith(block)
    return first[: len(first) - len(block)], block


def bomb_wire_size(inflated: int) -> int:
    """About how many bytes a bomb of `inflated` bytes puts on the wire."""
    header, block = _bomb_parts()
    return len(header) + -(-inflated // _BLOCK) * len(block) + 16


async def _bomb_stream(inflated: int) -> AsyncIterator[bytes]:
    header, block = _bomb_parts()
    zeros = bytes(_BLOCK)
    crc, sent, batch = 0, 0, [header]
    while sent < inflated:
        size = min(_BLOCK, inflated - sent)
        if size == _BLOCK:
            batch.append(block)
            crc = zlib.crc32(zeros, crc)
        else:  # a short last block: compressed on its own, ending the deflate stream
            tail = zlib.compressobj(9, zlib.DEFLATED, -15)
            batch.append(tail.compress(bytes(size)) + tail.flush())
            crc = zlib.crc32(bytes(size), crc)
        sent += size
        if len(batch) >= 64:  # about 64 kB a send
            yield b"".join(batch)
            batch = []
    if inflated % _BLOCK == 0:  # end the deflate stream with an empty final block
        batch.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush())
    batch.append(crc.to_bytes(4, "little") + (inflated % 2**32).to_bytes(4, "little"))
    yield b"".join(batch)


def gzip_bomb(inflated: int) -> StreamingResponse:
    """HTTP 200, gzip-encoded, inflating to `inflated` zero bytes."""
    return StreamingResponse(
        _bomb_stream(inflated),
        200,
        {"Content-Encoding": "gzip"},
        media_type="application/json",
    )


# -- pages that break the contract -------------------------------------------------------


def _first_upserted(data: dict[str, Any] | None) -> tuple[list[Any], dict[str, Any]] | None:
    for result in (data or {}).values():
        if isinstance(result, dict):
            items = result.get("upserted")
            if items and isinstance(items[0], dict):
                return items, items[0]
    return None


def duplicate_first(data: dict[str, Any] | None) -> None:
    """duplicate_id: append a copy of the first upserted item under another hash."""
    found = _first_upserted(data)
    if found is not None:
        items, first = found
        items.append(dict(first, content_hash=f"{first.get('content_hash')}-twin"))


def set_first_hash(data: dict[str, Any] | None, length: int) -> None:
    """bad_hash: give the first upserted item a hash of `length` characters."""
    found = _first_upserted(data)
    if found is not None:
        found[1]["content_hash"] = "h" * length


# -- the command line's --hostile ---------------------------------------------------------

# "names" is an account option (SimulatorConfig.hostile_names), the others faults.
HOSTILE_KINDS = (
    "drip",
    "deep_json",
    "gzip_bomb",
    "over_cap",
    "duplicate_id",
    "empty_hash",
    "long_hash",
    "names",
)


def arm(kind: str, faults: FaultInjector, dataset: Dataset, *, page_cap: int) -> None:
    """Arm hostile fault `kind` on every `sync_mosaics` (for "names", see the config)."""
    on_mosaics: dict[str, Callable[[], Any]] = {
        "drip": lambda: faults.add(
            "trickle", query="sync_mosaics", times=None, chunks=DRIP_CHUNKS, interval=2.0
        ),
        "deep_json": lambda: faults.add("deep_json", query="sync_mosaics", times=None),
        "gzip_bomb": lambda: faults.add("gzip_bomb", query="sync_mosaics", times=None),
        "over_cap": lambda: faults.add("over_cap", query="sync_mosaics", times=None),
        "duplicate_id": lambda: faults.add("duplicate_id", query="sync_mosaics", times=None),
        "empty_hash": lambda: faults.add("bad_hash", query="sync_mosaics", times=None),
        "long_hash": lambda: faults.add(
            "bad_hash", query="sync_mosaics", times=None, length=LONG_HASH
        ),
    }
    if kind not in on_mosaics:
        raise ValueError(f"unknown hostile kind {kind!r}; choose from {', '.join(HOSTILE_KINDS)}")
    if kind == "over_cap":  # a survey with more mosaics than one page may carry
        dataset.add_mosaics(dataset.survey_ids()[0], page_cap + 100)
    on_mosaics[kind]()
