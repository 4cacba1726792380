"""`fielddesk-sim` / `python -m app.simulator`: run the simulator until Ctrl+C.

    fielddesk-sim --port 8765 --size demo --seed 1 --live 10 \
        --fault sync_mosaics:http_status:503:times=2
    fielddesk-sim --size tiny --hostile names --hostile gzip_bomb

It prints its URL, a ready-to-use demo token and the OAuth client, so the app (or curl)
can talk to it straight away.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from app.simulator.config import SIZES, SimulatorConfig
from app.simulator.hostile import HOSTILE_KINDS, arm
from app.simulator.server import Simulator

FAULT_HELP = (
    "arm a fault: [query:]kind[:value][:name=value...], e.g. sync_mosaics:http_status:503:"
    "times=2, latency:0.5:times=forever, sync_surveys:rate_limit:retry_after=3. Kinds: "
    "latency, http_status, rate_limit, close_connection, truncated_body, non_json, "
    "graphql_error, missing_field, expire_token, trickle, stuck_remaining, expire_link, "
    "hold, empty_page, deep_json, gzip_bomb, over_cap, duplicate_id, bad_hash "
    "(files: the download links). Repeatable."
)
HOSTILE_HELP = (
    "answer as a malicious server on every sync_mosaics: drip (a byte every 2 s), "
    "deep_json (100,000 levels), gzip_bomb (2 MB inflating to 2 GiB), over_cap (a page "
    "above the documented cap), duplicate_id, empty_hash, long_hash (10 kB); or names "
    "(markup and terminal controls in names, messages and a GraphQL error). Repeatable."
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="fielddesk-sim", description="A local FieldAgent-compatible server for FieldDesk."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--size", choices=SIZES, default="demo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--live",
        type=float,
        metavar="SECONDS",
        help="make a few changes to the account every SECONDS",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every GraphQL response"
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        metavar="N",
        help="answer HTTP 429 with Retry-After to GraphQL requests beyond N in flight",
    )
    parser.add_argument(
        "--overload-retry-after",
        type=int,
        default=1,
        metavar="SECONDS",
        help="the Retry-After sent with --max-in-flight refusals (default 1)",
    )
    parser.add_argument(
        "--latency-per-request",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds added to a GraphQL response per other request in flight",
    )
    parser.add_argument("--access-token-lifetime", type=int, default=8 * 3600)
    parser.add_argument("--refresh-token-lifetime", type=int, default=None)
    parser.add_argument(
        "--sign-in-page",
        action="store_true",
        help="show a sign-in page at /oauth/authorize instead of approving",
    )
    parser.add_argument(
        "--imagery-scale",
        type=float,
        default=1.0,
        help="multiply every mosaic GeoTIFF's pixel dimensions (e.g. 0.25 for benchmarks)",
    )
    parser.add_argument(
        "--imagery-cache",
        type=Path,
        default=None,
        help="folder for the generated GeoTIFFs (default: the user cache folder)",
    )
    parser.add_argument("--fault", action="append", default=[], help=FAULT_HELP)
    parser.add_argument(
        "--hostile", action="append", default=[], choices=HOSTILE_KINDS, help=HOSTILE_HELP
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def _stop_on_signals() -> None:
    """Ctrl+C (SIGINT) and SIGTERM both stop the server cleanly.

    A process inherits an *ignored* SIGINT from its parent (a background job of a
    non-interactive shell starts that way), and Python then never raises
    KeyboardInterrupt: "Press Ctrl+C to stop" would be a lie and `kill -INT` would do
    nothing. So both handlers are set here, whatever was inherited.
    """

    def interrupt(_number: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Run until interrupted (or until `stop` is set, for tests)."""
    args = parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        _stop_on_signals()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = SimulatorConfig(
            size=args.size,
            seed=args.seed,
            host=args.host,
            port=args.port,
            live_interval=args.live,
            latency=args.latency,
            max_in_flight=args.max_in_flight,
            overload_retry_after=args.overload_retry_after,
            latency_per_request=args.latency_per_request,
            access_token_lifetime=args.access_token_lifetime,
            refresh_token_lifetime=args.refresh_token_lifetime,
            oauth_auto_approve=not args.sign_in_page,
            imagery_scale=args.imagery_scale,
            imagery_cache_dir=args.imagery_cache,
            hostile_names="names" in args.hostile,
        )
        simulator = Simulator(config)
        for spec in args.fault:
            simulator.faults.add_spec(spec)
        for kind in args.hostile:
            if kind != "names":
                arm(kind, simulator.faults, simulator.dataset, page_cap=config.mosaics_cap)
        simulator.start()
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        print(f"fielddesk-sim: {exc}", file=sys.stderr)
        return 2
    counts = simulator.dataset.counts()
    print(f"FieldAgent simulator ({args.size}, seed {args.seed}): {simulator.base_url}")
    print(f"  GraphQL endpoint:  {simulator.graphql_url}")
    print(f"  Demo access token: {simulator.demo_token}")
    print(f"  OAuth client:      {simulator.oauth_client_id} / {simulator.oauth_client_secret}")
    print("                     redirect URI: http://127.0.0.1:<any port>/callback")
    print(f"  Demo sign-in:      {simulator.demo_user_email} / {simulator.demo_user_password}")
    print("  Account:           " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    print(f"  Imagery cache:     {simulator.imagery.folder} (generated on first request)")
    if args.max_in_flight is not None:
        print(
            f"  Admission:         {args.max_in_flight} GraphQL requests in flight, "
            f"then 429 (Retry-After {args.overload_retry_after} s)"
        )
    if args.latency_per_request:
        print(f"  Load latency:      +{args.latency_per_request:g} s per request in flight")
    for fault in simulator.faults.active():
        print(f"  Fault armed:       {fault.kind} on {fault.query or 'any query'}")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while stop is None or not stop.is_set():
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
