"""Shared helpers for the torture tests: real `fielddesk` processes, real SQLite files,
real mounts. The storage-fault and secret-scan tests live here; kill-during-sync and
hostile-server tests can reuse `fielddesk`, `simulator` and the database helpers.

Permission bits do not stop root, and the suite runs as root in CI. A read-only folder
is therefore made with a read-only bind mount of the folder onto itself (EROFS stops
root too); a full disk is a small tmpfs. Both need mount rights: as an ordinary user,
the read-only folder falls back to chmod (which then does stop the process), and the
full-disk test cannot be arranged and says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.simulator import Simulator, SimulatorConfig, run_simulator
from app.store import DB_FILENAME

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with run_simulator(SimulatorConfig(size="tiny", seed=3, latency=0.0)) as sim:
        yield sim


def fielddesk_env(data_dir: Path, sim: Simulator | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDDESK_")}
    env["FIELDDESK_DATA_DIR"] = str(data_dir)
    env["FIELDDESK_CONFIG_DIR"] = str(data_dir.parent / f"{data_dir.name}-config")
    if sim is not None:
        env["FIELDDESK_SERVER"] = sim.graphql_url
        env["FIELDDESK_TOKEN"] = sim.demo_token
    env.update(extra)
    return env


def fielddesk(
    *args: str, data_dir: Path, sim: Simulator | None, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    """`fielddesk ARGS` in its own process; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=fielddesk_env(data_dir, sim, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def start_fielddesk(*args: str, data_dir: Path, sim: Simulator | None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=fielddesk_env(data_dir, sim),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def assert_clean_failure(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A non-zero exit with a message, never a traceback."""
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


def database(data_dir: Path) -> Path:
    return data_dir / DB_FILENAME


def read_only_query(path: Path, sql: str) -> list[tuple[object, ...]]:
    uri = path.resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
        return connection.execute(sql).fetchall()


def checkpoint(path: Path) -> None:
    """Move every committed page into the main file, so byte surgery hits real data."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def damage_table_root(path: Path, table: str) -> None:
    """Overwrite the B-tree page header of `table`'s root page with garbage."""
    checkpoint(path)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    with path.open("r+b") as stream:
        stream.seek((root - 1) * page_size)
        stream.write(b"\xff" * 64)


def digest(folder: Path) -> dict[str, str]:
    """Each file's SHA-256 under `folder`: proof that nothing was written."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """`folder` cannot be written, even by root: a read-only bind mount onto itself."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for p in folder.rglob("*"):
            p.chmod(0o444 if p.is_file() else 0o555)
        folder.chmod(0o555)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    assert _mount("--bind", str(folder), str(folder)), "bind mount refused"
    try:
        assert _mount("-o", "remount,bind,ro", str(folder)), "read-only remount refused"
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[None]:
    """A tmpfs of `size` mounted on `folder` (root only)."""
    if os.geteuid() != 0:
        pytest.fail("the full-disk test needs root to mount a small tmpfs")
    folder.mkdir(parents=True, exist_ok=True)
    assert _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder))
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def grow_disk(folder: Path, size: str) -> None:
    assert _mount("-o", f"remount,size={size}", str(folder))
