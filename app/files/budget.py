"""The disk budget: how much the library may hold, and which files make room.

The quota defaults to the smaller of 20 GB and a quarter of the free space on the
library's disk (measured when resolved). Planning is pure: given what is on disk and
what is wanted, it says which unpinned files to evict (least recently viewed first)
and which wanted files fit, in order. Pinned files are never evicted; when they alone
do not fit, the plan says how many bytes are missing and the pass stops there rather
than filling the disk.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

GB = 1_000_000_000
DEFAULT_QUOTA = 20 * GB
DEFAULT_SHARE = 0.25


def default_quota(root: Path) -> int:
    """min(20 GB, 25 % of the free space where the library lives (or would live))."""
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    return int(min(DEFAULT_QUOTA, free * DEFAULT_SHARE))


@dataclass(frozen=True, slots=True)
class Held:
    """A file (or .part) the library holds."""

    mosaic_id: str
    bytes: int
    pinned: bool
    last_used: str  # last viewed, else verified; "" sorts first


@dataclass(frozen=True, slots=True)
class Want:
    mosaic_id: str
    missing_bytes: int  # size minus what its .part already holds


@dataclass(frozen=True, slots=True)
class Plan:
    evict: tuple[str, ...]  # mosaic ids, least recently used first
    fetch: tuple[str, ...]  # wanted mosaic ids that fit, in the order given
    short_by: int  # bytes the wanted files that did not fit still lack (0: all fit)


def plan(held: list[Held], wanted: list[Want], quota: int) -> Plan:
    used = sum(h.bytes for h in held)
    need = sum(w.missing_bytes for w in wanted)
    evict: list[str] = []
    for item in sorted((h for h in held if not h.pinned), key=lambda h: h.last_used):
        if used + need <= quota:
            break
        evict.append(item.mosaic_id)
        used -= item.bytes
    fetch: list[str] = []
    room = quota - used
    short_by = 0
    for want in wanted:
        if short_by == 0 and want.missing_bytes <= room:
            fetch.append(want.mosaic_id)
            room -= want.missing_bytes
        else:
            short_by += want.missing_bytes  # keep the order: never skip ahead
    if short_by:
        short_by = max(short_by - max(room, 0), 1)
    return Plan(evict=tuple(evict), fetch=tuple(fetch), short_by=short_by)
