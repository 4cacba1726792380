"""The disk budget: eviction order, pins never evicted, the quota never exceeded, disk full."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api.client import FieldAgentClient
from app.domain_files import FileState, Pin, PinKind
from app.files import budget
from app.files.events import DownloadEvent, FileProgress
from app.files.library import Library
from app.files.manager import library_bytes
from app.simulator import Simulator
from app.store import Store
from tests.files.helpers import Events, run_pass, server_bytes, survey_with_files


def test_plan_evicts_least_recently_used_unpinned_first() -> None:
    held = [
        budget.Held("pinned", 40, True, ""),
        budget.Held("seen-long-ago", 30, False, "2024-01-01"),
        budget.Held("seen-yesterday", 30, False, "2025-01-01"),
    ]
    plan = budget.plan(held, [budget.Want("new", 20)], quota=100)
    assert plan.evict == ("seen-long-ago",) and plan.fetch == ("new",) and plan.short_by == 0


def test_plan_never_evicts_pins_and_says_how_much_is_missing() -> None:
    plan = budget.plan([budget.Held("pinned", 80, True, "")], [budget.Want("a", 30)], quota=100)
    assert plan.evict == () and plan.fetch == () and plan.short_by == 10


def _sizes(library: Library, mosaic_ids: list[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for mosaic_id in mosaic_ids:
        found = library.local_file(mosaic_id)
        assert found is not None and found.size is not None
        sizes[mosaic_id] = found.size
    return sizes


def test_eviction_respects_pins_and_recency_and_never_exceeds_the_quota(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    _, mosaics = survey_with_files(sim, at_least=4)
    a, b, c, d = mosaics[:4]
    for mosaic_id in (a, b, c):
        store.add_pin(Pin(PinKind.MOSAIC, mosaic_id))
    assert run_pass(library, client).complete
    sizes = _sizes(library, [a, b, c])
    store.remove_pin(PinKind.MOSAIC, a)
    store.remove_pin(PinKind.MOSAIC, b)
    library.mark_viewed(b)  # b was looked at; a never was: a goes first
    store.add_pin(Pin(PinKind.MOSAIC, d))
    quota = sum(sizes.values()) + 5_000  # room for d only once one file is evicted
    peak = 0

    def measure(event: DownloadEvent) -> None:
        nonlocal peak
        peak = max(peak, library_bytes(library.root))

    summary = run_pass(library, client, quota=quota, events=Events(hook=measure))

    assert summary.complete, summary.message
    d_size = _sizes(library, [d])[d]
    assert d_size > 5_000, "the test needs d to be larger than the spare room"
    assert library.state(a) is FileState.EVICTED
    assert library.state(b) is FileState.PRESENT and library.state(c) is FileState.PRESENT
    assert library.state(d) is FileState.PRESENT
    assert peak <= quota and library_bytes(library.root) <= quota


def test_when_pinned_files_alone_exceed_the_budget_it_stops_and_says_so(
    sim: Simulator, store: Store, library: Library, client: FieldAgentClient
) -> None:
    survey, _ = survey_with_files(sim, at_least=3)
    store.add_pin(Pin(PinKind.SURVEY, survey))
    quota = 20_000

    summary = run_pass(library, client, quota=quota)

    assert not summary.complete and summary.message is not None
    assert "does not fit the disk budget" in summary.message
    assert library_bytes(library.root) <= quota


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs: a real disk that fills up (mounting needs root, as CI runs)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_stops_with_a_clear_message_and_keeps_every_completed_file(
    sim: Simulator, store: Store, client: FieldAgentClient, small_disk: Path
) -> None:
    library = Library(store, small_disk / "library")
    survey, mosaics = survey_with_files(sim, at_least=3)
    store.add_pin(Pin(PinKind.SURVEY, survey))
    filler = small_disk / "someone-else.bin"

    def fill_after_first(event: DownloadEvent) -> None:
        # Another program takes the whole disk the moment the first file's last byte is
        # written (this runs on the download worker, before the next file starts).
        first_done = isinstance(event, FileProgress) and event.received == event.total
        if first_done and not filler.exists():
            with filler.open("wb", buffering=0) as out:
                for piece in (65536, 4096, 1):
                    try:
                        while out.write(b"\0" * piece):
                            pass
                    except OSError:
                        pass

    summary = run_pass(library, client, concurrency=1, events=Events(hook=fill_after_first))

    assert not summary.complete and summary.message is not None
    assert "is full" in summary.message
    present = [m for m in mosaics if library.state(m) is FileState.PRESENT]
    assert len(present) == 1, (summary, present)
    path = library.local_path(present[0])
    assert path is not None and path.read_bytes() == server_bytes(client, present[0])
    # The store is consistent and usable: once space is back, the pass completes.
    filler.unlink()
    again = run_pass(library, client, concurrency=1)
    assert again.complete, again.message


def test_a_folder_holding_other_files_is_refused_and_left_alone(
    sim: Simulator, store: Store, client: FieldAgentClient, tmp_path: Path
) -> None:
    folder = tmp_path / "my-maps"
    folder.mkdir()
    own = folder / "farm.tif"
    own.write_bytes(b"the user's own map")
    library = Library(store, folder)
    survey, _ = survey_with_files(sim)
    store.add_pin(Pin(PinKind.SURVEY, survey))

    summary = run_pass(library, client)

    assert not summary.complete and summary.message is not None
    assert "already holds other files" in summary.message
    assert own.read_bytes() == b"the user's own map"
    assert library.sweep() == 0 and own.exists()
