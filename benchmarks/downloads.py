"""Download throughput of a pinned survey, and what a kill costs, against the simulator.

Side by side in one run, against one simulator in a child process on loopback with
latency added to every GraphQL and file response:

1. FieldDesk's `DownloadManager` bringing every mosaic of the pinned survey into an
   empty library (catalogue sync, links, downloads, verification, renames), versus a
   plain httpx loop that asks `sync_files` once and streams each file to disk. Rounds
   alternate between the two; medians are compared (target: FieldDesk >= 0.9x).
2. `fielddesk download` killed with SIGKILL at a random moment, then run again: the
   bytes fetched twice (second pass bytes minus the bytes that were missing after the
   kill), in units of one network read (target: under one chunk).

Run it with `python benchmarks/downloads.py` from the repository root (`--quick` for
fewer rounds, `--scale` for bigger or smaller mosaics).
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import REPO_ROOT, SimulatorProcess, fielddesk_env, print_table, verdict

from app.api.auth import StaticTokenProvider
from app.api.client import FieldAgentClient
from app.api.files import sync_files
from app.domain import Scope, ScopeKind
from app.domain_files import Pin, PinKind
from app.files.fetch import CHUNK
from app.files.library import Library
from app.files.manager import DownloadManager, DownloadOptions, library_bytes
from app.store import DB_FILENAME, MosaicQuery, Store
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken

TARGET_RATIO = 0.9


def _prepare(url: str, token: str, data_dir: Path) -> tuple[str, list[str]]:
    """Sync the catalogue, pin the survey with the most imagery; its id and mosaics."""
    with Store.open(data_dir / DB_FILENAME) as store:
        engine = SyncEngine(
            store=store, client_factory=lambda: FieldAgentClient(url, StaticTokenProvider(token))
        )
        summary = engine.run(Scope(), cancel=CancelToken(), on_event=lambda e: None)
        assert summary.outcome.value == "complete", summary.message
        by_survey: dict[str, list[str]] = {}
        for survey in store.surveys():
            scope = Scope(ScopeKind.SURVEY, survey.sentera_id)
            ids = store.mosaic_ids(MosaicQuery(scope=scope))
            available = [
                m.sentera_id for m in store.mosaics_by_id(ids) if m.image_status == "AVAILABLE"
            ]
            by_survey[survey.sentera_id] = available
        survey_id = max(by_survey, key=lambda s: len(by_survey[s]))
        store.add_pin(Pin(PinKind.SURVEY, survey_id))
        return survey_id, by_survey[survey_id]


def _fielddesk_pass(url: str, token: str, data_dir: Path, library_dir: Path) -> tuple[float, int]:
    with (
        Store.open(data_dir / DB_FILENAME) as store,
        FieldAgentClient(url, StaticTokenProvider(token)) as client,
    ):
        for row in store.file_rows():  # forget what an earlier round downloaded
            store.record_local(row.file_id, local_name=None, local_hash=None, part_hash=None)
        library = Library(store, library_dir)
        manager = DownloadManager(
            library=library, client=client, options=DownloadOptions(quota=10**12)
        )
        started = time.perf_counter()
        summary = manager.run()
        elapsed = time.perf_counter() - started
        manager.close()
        assert summary.complete, summary.message
        return elapsed, library_bytes(library_dir)


def _plain_pass(url: str, token: str, mosaics: list[str], target: Path) -> tuple[float, int]:
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with FieldAgentClient(url, StaticTokenProvider(token)) as client, httpx.Client() as http:
        page = sync_files(client, mosaics, [])
        for item in page.upserted:
            assert item.url is not None
            with (
                http.stream("GET", item.url) as response,
                (target / item.sentera_id).open("wb") as out,
            ):
                for chunk in response.iter_raw():
                    out.write(chunk)
    return time.perf_counter() - started, library_bytes(target)


def _fielddesk_cli(data_dir: Path, url: str, token: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "download"],
        cwd=REPO_ROOT,
        env=fielddesk_env(data_dir, data_dir / "cfg", url, token),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_round(
    url: str,
    token: str,
    data_dir: Path,
    seconds: float,
    rng: random.Random,
    kill_points: list[int],
) -> int:
    """Bytes fetched twice after `fielddesk download` is killed at a random moment."""
    library_dir = data_dir / "imagery"
    with Store.open(data_dir / DB_FILENAME) as store:
        for row in store.file_rows():
            store.record_local(row.file_id, local_name=None, local_hash=None, part_hash=None)
    for path in library_dir.glob("*"):
        path.unlink()
    process = _fielddesk_cli(data_dir, url, token)
    deadline = time.monotonic() + 60
    while library_bytes(library_dir) == 0 and process.poll() is None:  # bytes arriving
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    time.sleep(rng.uniform(0, seconds * 0.8))  # a random moment in the download
    process.send_signal(signal.SIGKILL)
    process.wait()
    on_disk = library_bytes(library_dir)
    kill_points.append(on_disk)
    with (
        Store.open(data_dir / DB_FILENAME) as store,
        FieldAgentClient(url, StaticTokenProvider(token)) as client,
    ):
        library = Library(store, library_dir)
        total = sum(row.size or 0 for row in store.file_rows())
        manager = DownloadManager(
            library=library, client=client, options=DownloadOptions(quota=10**12)
        )
        summary = manager.run()
        manager.close()
        assert summary.complete, summary.message
    return max(0, summary.bytes_downloaded - (total - on_disk))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=3.0, help="imagery scale (tiny account)")
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per response")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    rounds, kills = (1, 1) if args.quick else (args.rounds, args.kills)
    rng = random.Random()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sim_args = [
            "--size",
            "tiny",
            "--imagery-scale",
            str(args.scale),
            "--imagery-cache",
            str(root / "simcache"),
            "--latency",
            str(args.latency),
            "--fault",
            f"files:latency:{args.latency}:times=forever",
        ]
        with SimulatorProcess(*sim_args) as sim:
            data_dir = root / "data"
            survey_id, mosaics = _prepare(sim.graphql_url, sim.token, data_dir)
            # Untimed: the server draws the files; FieldDesk loads GDAL (once per process).
            _plain_pass(sim.graphql_url, sim.token, mosaics, root / "warm")
            _fielddesk_pass(sim.graphql_url, sim.token, data_dir, root / "fwarm")
            fd_times, plain_times = [], []
            size = 0
            for number in range(rounds):
                plain, size = _plain_pass(sim.graphql_url, sim.token, mosaics, root / f"p{number}")
                fd, fd_size = _fielddesk_pass(
                    sim.graphql_url, sim.token, data_dir, root / f"f{number}"
                )
                assert fd_size == size, (fd_size, size)
                plain_times.append(plain)
                fd_times.append(fd)
            kill_points: list[int] = []
            median = statistics.median(fd_times)
            wasted = [
                _kill_round(sim.graphql_url, sim.token, data_dir, median, rng, kill_points)
                for _ in range(kills)
            ]
    fd, plain = statistics.median(fd_times), statistics.median(plain_times)
    ratio = plain / fd
    print(
        f"Pinned survey {survey_id}: {len(mosaics)} mosaics, {size / 1e6:.1f} MB, "
        f"{args.latency * 1000:.0f} ms added per response, {rounds} round(s)"
    )
    print_table(
        ["", "seconds (median)", "MB/s"],
        [
            ["plain httpx loop", f"{plain:.2f}", f"{size / plain / 1e6:.1f}"],
            ["FieldDesk download", f"{fd:.2f}", f"{size / fd / 1e6:.1f}"],
        ],
    )
    print(
        f"FieldDesk / plain throughput: {ratio:.2f}x (target >= {TARGET_RATIO}x): "
        f"{verdict(ratio >= TARGET_RATIO)}"
    )
    worst = max(wasted)
    points = ", ".join(f"{k / 1e6:.1f}" for k in kill_points)
    print(
        f"Bytes fetched twice after a SIGKILL at a random moment ({kills} kill(s)): "
        f"{', '.join(str(w) for w in wasted)} (killed with {points} MB of "
        f"{size / 1e6:.1f} on disk)"
    )
    print(
        f"Worst: {worst / CHUNK:.2f} chunk(s) of {CHUNK // 1024} KiB (target < 1): "
        f"{verdict(worst < CHUNK)}"
    )
    return 1 if args.check and (ratio < TARGET_RATIO or worst >= CHUNK) else 0


if __name__ == "__main__":
    sys.exit(main())
