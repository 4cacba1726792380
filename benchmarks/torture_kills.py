"""Kill torture, long form: N SIGKILLs at random moments of `fielddesk sync`, then one
sync left to finish, all into the same data folder (run through `benchmarks/torture.py
--kills N`; `tests/torture/test_kills.py` is the CI-speed variant).

The simulator runs in its own process (`torture_server`) with the `large` account by
default and some latency per response, so a sync takes a while. Each run is killed once
it has had a number of hash-synced answers and then a random extra delay, so kills land
between pages, mid-request and mid-commit. The number is drawn either uniformly from
1 to `reach` (about one full sync), or (`frontier`, the default) a random step beyond the
furthest run so far: a run re-asks the scopes already synced before it reaches new data,
so uniform kills soon fall in no-change resyncs only, while frontier kills keep landing
on pages being fetched and committed for the first time, all the way through the sync.

After each kill the server is left to go quiet (no request in flight) and the store is
checked and read; `tests/torture/killaudit` says what counts as corrupt, lost,
extra, duplicated and refetched (a request that leaves out a hash committed before the
kill).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, ChildServer, fielddesk_env, print_table

from app.simulator.requestlog import RequestRecord
from app.store import DB_FILENAME
from tests.torture.killaudit import LEVELS, Catalogue, KillAudit, Run

POLL = 0.02  # seconds between looks at the server's log while a sync runs


class TortureServer(ChildServer):
    """`torture_server.py` in a child process; `poll()` and `truth()` ask it, and closing
    its standard input stops it."""

    STOP_TIMEOUT_S = 30.0

    def __init__(self, size: str, latency: float, seed: int) -> None:
        super().__init__()
        command = [sys.executable, str(Path(__file__).with_name("torture_server.py"))]
        command += ["--size", size, "--latency", str(latency), "--seed", str(seed)]
        self._process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.graphql_url = self._line().split(":", 1)[1].strip()
        self.token = self._line().split(":", 1)[1].strip()

    def _line(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the simulator stopped: {self.errors()[-500:]}")
        return line

    def _ask(self, command: str) -> Any:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return json.loads(self._line())

    def poll(self) -> tuple[int, list[RequestRecord]]:
        """Requests in flight, and the records logged since the last poll."""
        answer = self._ask("poll")
        records = [
            RequestRecord(
                query_name=query,
                scope_id=scope,
                hashes=None if hashes is None else frozenset(hashes),
                status=status,
                hashes_sent=len(hashes or ()),
                bytes_in=0,
                bytes_out=0,
            )
            for query, scope, hashes, status in answer["records"]
        ]
        return answer["in_flight"], records

    def quiet(self) -> list[RequestRecord]:
        """Wait until nothing is in flight; every record up to then."""
        records: list[RequestRecord] = []
        while True:
            in_flight, more = self.poll()
            records += more
            if in_flight == 0:
                return records + self.poll()[1]
            time.sleep(POLL)

    def truth(self) -> Catalogue:
        answer = self._ask("truth")
        return {
            level: {k: (v[0], v[1]) for k, v in items.items()} for level, items in answer.items()
        }

    def _ask_to_stop(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()


def start_sync(data: Path, server: TortureServer) -> subprocess.Popen[str]:
    config = Path(f"{data}-config")
    return subprocess.Popen(
        [sys.executable, "-m", "app", "sync"],
        env=fielddesk_env(data, config, server.graphql_url, server.token),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def answered(records: list[RequestRecord]) -> int:
    return sum(r.query_name in LEVELS and r.status == 200 for r in records)


def kill_torture(
    kills: int,
    *,
    size: str,
    latency: float,
    seed: int,
    thorough: bool,
    reach: int,
    spread: str = "frontier",
) -> KillAudit:
    """N kills, then a sync left to finish. `reach`: about the hash-synced answers of one
    full sync; a run that finishes before its kill does not count as one, and (frontier)
    tells the real reach and starts the frontier over."""
    rng = random.Random(seed)
    audit = KillAudit(thorough=thorough)
    frontier = 0
    with (
        TortureServer(size, latency, seed) as server,
        tempfile.TemporaryDirectory() as folder,
    ):
        data = Path(folder) / "data"
        while audit.kills < kills:
            if len(audit.runs) >= 3 * kills:
                raise RuntimeError("the syncs keep finishing before their kill: raise --latency")
            # Steps that spread the kills left over the rest of the sync, not past its end.
            step = max(1, 2 * max(1, reach - frontier) // (kills - audit.kills + 1))
            if spread == "uniform":
                target = rng.randint(1, reach)
            else:
                target = frontier + rng.randint(1, step)
            delay = rng.uniform(0.0, 4 * latency)
            run, answers, failed = one_run(data, server, target, delay, audit=audit)
            if failed:
                raise RuntimeError(f"a sync failed: {failed}")
            if run.killed:
                frontier = answers
            else:  # a whole sync's worth of answers: the real reach; start over
                frontier, reach = 0, answers
        _, _, failed = one_run(data, server, None, 0.0, audit=audit)
        if failed:
            raise RuntimeError(f"the final sync failed: {failed}")
        audit.compare(data / DB_FILENAME, server.truth())
    return audit


def one_run(
    data: Path, server: TortureServer, target: int | None, delay: float, *, audit: KillAudit
) -> tuple[Run, int, str]:
    """One `fielddesk sync`, killed `delay` seconds after its `target`-th answer (None:
    left to finish); the audited run, its answers, and its error output if it failed."""
    process = start_sync(data, server)
    records: list[RequestRecord] = []
    killed = False
    if target is not None:
        while process.poll() is None and answered(records) < target:
            records += server.poll()[1]
            time.sleep(POLL)
        time.sleep(delay)  # between, in or after a page
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed = True
    _, stderr = process.communicate(timeout=3600)
    records += server.quiet()
    run = audit.run_ended(data / DB_FILENAME, records, killed=killed)
    print(describe(run, answered(records)), file=sys.stderr)
    failed = stderr if not killed and process.returncode != 0 else ""
    return run, answered(records), failed


def describe(run: Run, answers: int) -> str:
    how = "killed" if run.killed else "finished"
    return (
        f"run {run.number}: {how} after {answers} answers, {run.mosaics:,} mosaics stored, "
        f"corrupt {int(run.corrupt)}, refetched {run.refetched_pages} pages "
        f"({run.refetched_items} items)"
    )


def report(audit: KillAudit) -> None:
    rows = [
        [
            str(run.number),
            "kill" if run.killed else "end",
            f"{run.requests:,}",
            f"{run.mosaics:,}",
            str(int(run.corrupt)),
            str(run.refetched_pages),
            str(run.refetched_items),
        ]
        for run in audit.runs
    ]
    print_table(["run", "how", "requests", "mosaics", "corrupt", "refetched", "items"], rows)
    print(
        f"kill torture: kills {audit.kills}, corrupt {audit.corrupt}, lost {audit.lost}, "
        f"extra {audit.extra}, duplicated {audit.duplicated}, "
        f"refetched pages {audit.refetched_pages} ({audit.refetched_items} items)"
    )
