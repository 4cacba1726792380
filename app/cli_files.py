"""The headless imagery commands: `offline add|remove|list`, `download`, `ls files`.

Exit status of `download`: 0 only when every pinned file is present and verified; 3 when
some are not (the reason on stderr); 130 when interrupted (what is stored stays, and
the next `download` resumes the partial files).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

from app import config
from app.domain_files import Pin, PinKind
from app.files.events import DownloadEvent, FileFinished, OverallProgress

if TYPE_CHECKING:
    from app.api.auth import TokenProvider

COMMANDS = ("offline", "download")
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_SIGNED_OUT, EXIT_CANCELLED = 0, 1, 2, 3, 4, 130


def _target_options(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    for kind in ("organization", "field", "survey", "mosaic"):
        which.add_argument(f"--{kind}", metavar="ID", help=f"this {kind}")
    which.add_argument("--all", action="store_true", help="all imagery")


def add_subcommands(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    offline = sub.add_parser("offline", help="choose which imagery to keep on this computer")
    action = offline.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = action.add_parser("add", help="keep imagery offline")
    _target_options(add)
    add.add_argument("--quality", metavar="Q", help="only this quality (e.g. FULL)")
    add.add_argument("--index-only", action="store_true", help="only index mosaics (NDVI, ...)")
    add.add_argument("--seasons", type=int, metavar="N", help="only the last N seasons")
    common(add)
    remove = action.add_parser("remove", help="stop keeping imagery offline")
    _target_options(remove)
    common(remove)
    listing = action.add_parser("list", help="what is kept offline")
    listing.add_argument("--json", action="store_true")
    common(listing)

    download = sub.add_parser("download", help="download the imagery kept offline")
    download.add_argument("--survey", metavar="ID", help="only this survey's imagery")
    download.add_argument("--concurrency", type=int, default=4, metavar="N")
    download.add_argument("--budget-gb", type=float, metavar="GB", help="the disk budget")
    common(download)
    for parser in (add, remove, listing, download):
        parser.add_argument("--library", metavar="DIR", help="the imagery library folder")


def run(
    args: argparse.Namespace,
    open_store: Callable[..., tuple[Any, int]],
    token_provider: Callable[[str], TokenProvider],
) -> int:
    """`open_store(data_dir, read_only=)` gives (store, 0) or (None, exit status);
    `token_provider(server)` the sign-in `fielddesk sync` uses (LookupError if none).
    Both come from `app.cli`, which imports this module, not the other way round."""
    read_only = args.command == "offline" and args.action == "list"
    store, status = open_store(args.data_dir, read_only=read_only)
    if store is None:
        return status
    try:
        if args.command == "download":
            return _download(args, store, token_provider)
        return _offline(args, store)
    finally:
        store.close()


def _pin_from(args: argparse.Namespace) -> Pin | None:
    for kind in (PinKind.ORGANIZATION, PinKind.FIELD, PinKind.SURVEY, PinKind.MOSAIC):
        target = getattr(args, kind.value, None)
        if target:
            return Pin(
                kind,
                target,
                getattr(args, "quality", None),
                getattr(args, "index_only", False),
                getattr(args, "seasons", None),
            )
    if getattr(args, "all", False):
        return Pin(
            PinKind.ALL,
            "",
            getattr(args, "quality", None),
            getattr(args, "index_only", False),
            getattr(args, "seasons", None),
        )
    return None


def _pin_json(pin: Pin) -> dict[str, Any]:
    return {
        "kind": pin.kind.value,
        "target_id": pin.target_id or None,
        "quality": pin.quality,
        "index_only": pin.index_only,
        "seasons": pin.seasons,
    }


def _offline(args: argparse.Namespace, store: Any) -> int:
    if args.action == "list":
        pins = store.pins()
        if args.json:
            json.dump([_pin_json(p) for p in pins], sys.stdout, indent=2)
            sys.stdout.write("\n")
        elif not pins:
            print("Nothing is kept offline; use `fielddesk offline add`.")
        for pin in [] if args.json else pins:
            print(f"{pin.kind.value} {pin.target_id}".rstrip())
        return EXIT_OK
    pin = _pin_from(args)
    if pin is None:
        print(
            "fielddesk: name what to keep: --all, --organization, --field, --survey or --mosaic ID",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.action == "add":
        if pin.seasons is not None and pin.seasons < 1:
            print("fielddesk: --seasons takes a number of seasons, 1 or more", file=sys.stderr)
            return EXIT_USAGE
        store.add_pin(pin)
        print(f"Keeping {pin.kind.value} {pin.target_id} offline; run `fielddesk download`.")
        return EXIT_OK
    if not store.remove_pin(pin.kind, pin.target_id):
        print(f"fielddesk: {pin.kind.value} {pin.target_id} was not kept offline", file=sys.stderr)
        return EXIT_FAILED
    print("No longer kept offline; its files may be removed to make room.")
    return EXIT_OK


def library_for(args: argparse.Namespace, store: Any) -> Any:
    from app.files.library import Library
    from app.files.settings import resolve_library_dir

    data_dir = config.resolve_data_dir(args.data_dir)
    return Library(store, resolve_library_dir(getattr(args, "library", None), data_dir))


def _download(
    args: argparse.Namespace, store: Any, _token_provider: Callable[[str], TokenProvider]
) -> int:
    from app.api.client import FieldAgentClient
    from app.domain import CancelToken
    from app.files.manager import DownloadManager, DownloadOptions
    from app.files.settings import resolve_quota

    server = config.resolve_server_url(args.server)
    try:
        tokens = _token_provider(server)
    except LookupError as error:
        print(f"fielddesk: {error}", file=sys.stderr)
        return EXIT_SIGNED_OUT
    library = library_for(args, store)
    quota = resolve_quota(args.budget_gb, library.root)
    options = DownloadOptions(quota=quota, concurrency=max(1, args.concurrency))
    cancel = CancelToken()
    bar = _Bar(sys.stderr)
    deadline = config.resolve_request_deadline(None)
    with FieldAgentClient(server, tokens, deadline=deadline) as client:
        manager = DownloadManager(library=library, client=client, options=options)
        try:
            summary = manager.run(survey_id=args.survey, cancel=cancel, on_event=bar.on_event)
        except KeyboardInterrupt:
            cancel.cancel()
            raise
        finally:
            bar.close()
            manager.close()
    if summary.complete:
        print(
            f"All {summary.present} file(s) kept offline are here "
            f"({summary.downloaded} downloaded, {summary.bytes_downloaded / 1e6:.1f} MB)."
        )
        return EXIT_OK
    if summary.cancelled:
        print("fielddesk: download cancelled; run it again to resume", file=sys.stderr)
        return EXIT_CANCELLED
    print(
        f"fielddesk: {summary.message} ({summary.present} of {summary.wanted} present)",
        file=sys.stderr,
    )
    for mosaic_id, message in summary.failures[:20]:
        print(f"  {mosaic_id}: {message}", file=sys.stderr)
    return EXIT_PARTIAL


class _Bar:
    """A one-line bar with bytes, rate and ETA on a terminal; a line per file otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._drawn = False

    def on_event(self, event: DownloadEvent) -> None:
        if isinstance(event, OverallProgress) and self._tty:
            fraction = event.bytes_done / event.bytes_total if event.bytes_total else 1.0
            eta = f", {event.eta_seconds:.0f} s left" if event.eta_seconds is not None else ""
            line = (
                f"\r[{'#' * int(30 * fraction):.<30}] {event.files_done}/{event.files_total} "
                f"files, {event.bytes_done / 1e6:.1f}/{event.bytes_total / 1e6:.1f} MB, "
                f"{event.rate / 1e6:.1f} MB/s{eta}"
            )
            self._stream.write(f"{line:<90.90}")
            self._stream.flush()
            self._drawn = True
        elif isinstance(event, FileFinished) and not self._tty:
            state = "done" if event.ok else f"failed: {event.message}"
            print(f"{event.mosaic_id}: {state}", file=self._stream, flush=True)

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")


def file_rows(store: Any, args: argparse.Namespace) -> Iterable[dict[str, Any]]:
    """`ls files`: every mosaic file the catalogue knows, with its local state."""
    library = library_for(args, store)
    files = library.files()
    known = {local.mosaic_id for local in files}
    for mosaic_id in store.pinned_mosaic_ids():
        if mosaic_id not in known:  # kept offline, but no file listed yet (no download ran)
            yield {
                "mosaic_id": mosaic_id,
                "sentera_id": None,
                "path": None,
                "size": None,
                "local_bytes": 0,
                "state": "missing",
                "pinned": True,
            }
    for local in files:
        yield {
            "mosaic_id": local.mosaic_id,
            "sentera_id": local.file_id,
            "path": str(local.path) if local.path else None,
            "size": local.size,
            "local_bytes": local.local_bytes,
            "state": local.state.value,
            "pinned": local.pinned,
        }
