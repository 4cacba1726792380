"""The simulator for the kill torture, in its own process, answering a parent on stdin.

`python -m app.simulator` cannot hand over what the kill audit needs (the hash sets each
request sent, and the account's truth), so this runs the same `Simulator` with
`record_hashes` on and answers one command per line on stdin, one JSON line on stdout:

    poll   -> {"in_flight": N, "records": [[query, scope, [hashes] or null, status], ...]}
              (the records since the last poll; the log is drained, so a long run does
              not keep every hash set it was ever sent)
    truth  -> {level: {sentera_id: [scope, content_hash]}} (see tests/torture/killaudit)

End of input stops the server. Its own process keeps the server's work off the parent's
interpreter lock, as in the other sync benchmarks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.simulator import SimulatorConfig, run_simulator
from tests.torture.killaudit import truth_of


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    config = SimulatorConfig(
        size=args.size, seed=args.seed, latency=args.latency, record_hashes=True
    )
    with run_simulator(config) as sim:
        print(f"GraphQL endpoint: {sim.graphql_url}")
        print(f"Demo access token: {sim.demo_token}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "poll":
                in_flight = sim.admission.stats().in_flight
                records = [
                    [
                        r.query_name,
                        r.scope_id,
                        None if r.hashes is None else sorted(r.hashes),
                        r.status,
                    ]
                    for r in sim.request_log.drain()
                ]
                answer: object = {"in_flight": in_flight, "records": records}
            elif command == "truth":
                answer = truth_of(sim.dataset)
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
