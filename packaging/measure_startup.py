"""Cold start of a FieldDesk build to its first window: the median of several launches.

    python packaging/measure_startup.py dist/FieldDesk/FieldDesk --data-dir DIR [--runs 7]
    python packaging/measure_startup.py --source --data-dir DIR      # `python -m app`

Each launch is a fresh process with FIELDDESK_EXIT_AFTER_FIRST_WINDOW=1, so it quits as
soon as the main window has painted once (`app.launch.first_window.watch_first_window`). "First
window" is the moment of the "first window shown" log line, measured from the launch of
the process; the time to process exit is shown as well. Launch it on a database that has
been synced (e.g. by `run_smoke_test(data_dir=DIR)`) to measure the everyday case. The
page cache is warm after the first run, so the first launch is reported separately;
`--drop-caches` empties it before every launch instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

LOG_LINE = "first window shown"


def first_window_at(log_file: Path, offset: int) -> float | None:
    """Epoch seconds of the first "first window shown" line after `offset` bytes."""
    with open(log_file, encoding="utf-8", errors="replace") as stream:
        stream.seek(offset)
        for line in stream:
            if LOG_LINE in line:
                stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
                return stamp.timestamp()
    return None


def drop_page_cache() -> None:
    """Make the next launch read everything from disk again (Linux, root only)."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def launch(
    command: list[str], env: dict[str, str], log_file: Path, *, cold: bool = False
) -> tuple[float, float]:
    if cold:
        drop_page_cache()
    offset = log_file.stat().st_size if log_file.exists() else 0
    started = time.time()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise SystemExit(
            "the launch did not quit by itself; is the first-window probe wired?"
        ) from None
    exited = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"launch failed ({done.returncode}):\n{done.stderr}")
    shown = first_window_at(log_file, offset)
    if shown is None:
        raise SystemExit(f"no '{LOG_LINE}' line in {log_file}; is the probe wired?")
    return shown - started, exited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", nargs="?", help="the bundle's executable")
    parser.add_argument("--source", action="store_true", help="measure `python -m app`")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM")
    parser.add_argument(
        "--drop-caches",
        action="store_true",
        help="empty the page cache before every launch (Linux, needs root): a true cold start",
    )
    args = parser.parse_args()
    if args.source:
        command = [sys.executable, "-m", "app"]
    elif args.binary:
        command = [str(Path(args.binary).resolve())]
    else:
        parser.error("give the bundle's executable or --source")
    command += ["--data-dir", str(args.data_dir)]
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            "HOME": scratch,
            "PATH": "/usr/bin:/bin",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "QT_QPA_PLATFORM": args.platform,
            "FIELDDESK_CONFIG_DIR": str(Path(scratch) / "config"),
            "FIELDDESK_EXIT_AFTER_FIRST_WINDOW": "1",
            "FIELDDESK_NO_ALERT": "1",
        }
        for name in ("DISPLAY", "XAUTHORITY", "PYTHONPATH"):
            if name in os.environ and (name != "PYTHONPATH" or args.source):
                env[name] = os.environ[name]
        log_file = args.data_dir / "logs" / "fielddesk.log"
        first = launch(command, env, log_file, cold=args.drop_caches)
        runs = [launch(command, env, log_file, cold=args.drop_caches) for _ in range(args.runs)]
    shown = [run[0] for run in runs]
    exited = [run[1] for run in runs]
    print(f"first launch: window {first[0] * 1000:.0f} ms, exit {first[1] * 1000:.0f} ms")
    print(
        f"next {args.runs}: window median {statistics.median(shown) * 1000:.0f} ms "
        f"(min {min(shown) * 1000:.0f}, max {max(shown) * 1000:.0f}); "
        f"exit median {statistics.median(exited) * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
