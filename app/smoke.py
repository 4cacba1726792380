"""`fielddesk --smoke-test`: prove a build works end to end, headless, in seconds.

Run by CI against the frozen bundle (packaging/build.sh) and usable from a checkout:

1. an offscreen QApplication, logging and Qt message routing as in a real launch;
2. the embedded simulator on loopback with the demo account;
3. the real main window over a fresh database in a temporary data directory;
4. a full sync started from the window (its SyncController, on the worker thread);
5. an NDVI mosaic's GeoTIFF opened in the window's map and painted (rasterio's GDAL
   and pyproj's PROJ, with their data files, work in this build);
6. verdict: exit 0 only if the run COMPLETED, every server mosaic is stored, the map
   painted the mosaic,
   `PRAGMA integrity_check` is ok, no exception reached a hook, and nothing unexpected
   was written to stderr (captured at the file-descriptor level, so Qt's and the C
   libraries' own writes count too; they are replayed on the real stderr afterwards).

It drives the whole application, so it sits above `app.ui` (beside `__main__`), not
in `app.launch`, which the window itself imports. The "first window" probe used to
measure cold start is `app.launch.first_window`.
"""

from __future__ import annotations

import io
import logging
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_S = 300.0
# stderr lines that are not a problem (substrings); everything else fails the smoke test.
ALLOWED_STDERR: tuple[str, ...] = ()


@contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Redirect file descriptor 2 (and `sys.stderr` onto it) to a temporary file; yields
    the list that receives its lines when the block ends. They are written back to the
    real stderr too, so nothing is hidden."""
    lines: list[str] = []
    if sys.stderr is None:
        yield lines
        return
    sys.stderr.flush()
    saved_fd, saved_stream = os.dup(2), sys.stderr
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        redirected = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
        sys.stderr = redirected
        try:
            yield lines
        finally:
            redirected.close()  # flushes; descriptor 2 itself stays open
            sys.stderr = saved_stream
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sink.seek(0)
            text = sink.read().decode("utf-8", "replace")
            saved_stream.write(text)
            saved_stream.flush()
            lines.extend(line for line in text.splitlines() if line.strip())


def unexpected_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if not any(ok in line for ok in ALLOWED_STDERR)]


def integrity_ok(database: Path) -> bool:
    with closing(sqlite3.connect(database)) as connection:
        return bool(connection.execute("PRAGMA integrity_check").fetchone() == ("ok",))


def stored_mosaics(database: Path) -> int:
    with closing(sqlite3.connect(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM mosaics").fetchone()[0])


def server_mosaics(sim: Any) -> int:
    data = sim.dataset
    return sum(
        len(data.mosaics_of(survey["sentera_id"]))
        for org in data.organizations()
        for fld in data.fields_of(org["sentera_id"])
        for survey in data.surveys_of(fld["sentera_id"])
    )


def run_smoke_test(
    *, data_dir: Path | None = None, size: str = "demo", timeout_s: float = SMOKE_TIMEOUT_S
) -> int:
    """0 when the window opened, a full demo sync completed and nothing went wrong."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with captured_stderr() as stderr_lines, tempfile.TemporaryDirectory() as temporary:
        problems = _smoke(Path(data_dir or Path(temporary) / "data"), size, timeout_s)
    problems += [f"unexpected stderr: {line}" for line in unexpected_lines(stderr_lines)]
    for problem in problems:
        print(f"smoke test: {problem}")
    print("smoke test: " + ("FAILED" if problems else "passed"))
    return 1 if problems else 0


def _smoke(data_dir: Path, size: str, timeout_s: float) -> list[str]:
    from PySide6.QtCore import QSettings, QTimer

    from app.api.auth import StaticTokenProvider
    from app.domain import Outcome, Scope
    from app.launch import early, logs
    from app.simulator import Simulator, SimulatorConfig
    from app.store import DB_FILENAME
    from app.sync.events import RunSummary
    from app.ui import application

    setup = logs.configure_logging(data_dir)
    logs.route_qt_messages(early.report_qt_failure)
    problems: list[str] = []
    result: dict[str, Any] = {}
    errors: list[str] = []
    previous = sys.excepthook, threading.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        log.critical("unexpected error during the smoke test", exc_info=(kind, value, tb))
        errors.append(f"{kind.__name__}: {value}")

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value or Exception(), a.exc_traceback)
    sim = Simulator(SimulatorConfig(size=size, seed=1)).start()
    started = time.monotonic()
    try:

        def on_window(window: Any) -> None:
            def finished(summary: RunSummary) -> None:
                result["summary"] = summary
                open_a_mosaic(window, sim, result)

            def give_up() -> None:
                problems.append(f"no sync result within {timeout_s:.0f} s")
                window.close()

            window.controller.finished.connect(finished)
            QTimer.singleShot(
                0,
                lambda: result.setdefault("started", window.sync.start_sync(Scope.everything())),
            )
            QTimer.singleShot(int(timeout_s * 1000), give_up)

        try:
            code = application.run(
                data_dir=data_dir,
                server_url=sim.graphql_url,
                token_provider=StaticTokenProvider(sim.demo_token),
                demo=True,
                account="Demo account (simulator)",
                settings=QSettings(str(data_dir / "smoke.ini"), QSettings.Format.IniFormat),
                on_window=on_window,
            )
        except Exception as error:  # a bug escaping start-up: report it, fail, go on checking
            log.critical("the window could not run", exc_info=True)
            errors.append(f"{type(error).__name__}: {error}")
            code = -1
        expected = server_mosaics(sim)
    finally:
        sim.stop()
        sys.excepthook, threading.excepthook = previous
    elapsed = time.monotonic() - started

    summary = result.get("summary")
    database = data_dir / DB_FILENAME
    if code != 0:
        problems.append(f"the window's event loop ended with {code}")
    if not result.get("started"):
        problems.append("the window refused to start a sync")
    if summary is None:
        problems.append("no sync result")
    elif summary.outcome is not Outcome.COMPLETE:
        problems.append(f"sync ended {summary.outcome.value}: {summary.message}")
    if not database.exists():
        problems.append("no database was written")
    else:
        if not integrity_ok(database):
            problems.append("PRAGMA integrity_check failed")
        stored = stored_mosaics(database)
        if stored != expected:
            problems.append(f"{stored} mosaics stored, the server has {expected}")
        else:
            print(f"smoke test: {stored} mosaics synced in {elapsed:.1f} s")
    if summary is not None:
        print(f"smoke test: sync {summary.outcome.value}: {summary.message}")
    if "map" in result:
        print(f"smoke test: the map painted {result['map']}")
    else:
        problems.append(
            f"the map did not paint a mosaic ({result.get('map_problem', 'no result')})"
        )
    problems.extend(f"exception: {error}" for error in errors)
    if problems:
        print(f"smoke test: log ({setup.log_file}) tail:")
        tail = setup.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        print("\n".join(f"    {line}" for line in tail))
    logs.shutdown_logging()
    return problems


# -- a mosaic in the map ------------------------------------------------------------------


class _OneFile:
    """The map's local file lookup, for the one mosaic the smoke test brings."""

    def __init__(self, mosaic_id: str, path: Path) -> None:
        self.mosaic_id, self.path = mosaic_id, path

    def local_path(self, mosaic_id: str) -> Path | None:
        return self.path if mosaic_id == self.mosaic_id else None


def open_a_mosaic(window: Any, sim: Any, result: dict[str, Any]) -> None:
    """Draw an NDVI mosaic's GeoTIFF (the simulator's own file) in the window's map,
    then close the window once every visible tile is painted."""
    from PySide6.QtCore import QTimer

    data = sim.dataset
    mosaic_id = next(
        (
            m["sentera_id"]
            for survey_id in data.survey_ids()
            for m in data.mosaics_of(survey_id)
            if m["mosaic_type"] == "NDVI" and m["image_status"] == "AVAILABLE"
        ),
        None,
    )
    if mosaic_id is None:
        result["map_problem"] = "the account has no NDVI mosaic"
        window.close()
        return

    def opened(path: Path) -> None:
        window.map.source.files = _OneFile(mosaic_id, path)
        window.map.set_mosaic(mosaic_id)
        poll.start()

    def check() -> None:
        layer = window.map.layer
        if layer is not None and layer.raster is not None and layer.complete:
            poll.stop()
            grid = layer.grid
            result["map"] = f"{mosaic_id} ({grid.width}x{grid.height} px, {layer.crs.epsg})"
            window.close()

    def failed(error: Exception) -> None:
        result["map_problem"] = f"{type(error).__name__}: {error}"
        window.close()

    poll = QTimer(window)
    poll.setInterval(50)
    poll.timeout.connect(check)
    window.map.canvas.set_note("")
    plan = data.raster_plan(mosaic_id)
    window.tasks.run_in_background(
        lambda: sim.imagery.ensure(plan), opened, on_error=failed, pool="imagery"
    )
