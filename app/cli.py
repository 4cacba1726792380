"""The headless `fielddesk` commands: sync, ls, login, logout (imagery: `cli_files`). No Qt.

Exit status: 0 only when the command did everything it was asked (for `sync`: every
scope completed); otherwise non-zero with a one-line reason on stderr. 6 means the
local database is damaged: `fielddesk repair` (`app/cli_repair.py`) sets it aside.
`ls` opens the database read-only: it never writes, so it works in a read-only
folder and beside a running sync.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from app import cli_files, config, settings
from app.domain import ChangeSet, Level, Mosaic, Outcome, Scope, ScopeKind
from app.sync.events import CancelToken, Progress, RunSummary
from app.terminal import terminal_safe

if TYPE_CHECKING:  # imported where used: `fielddesk --help` stays quick
    from app.account.session import OAuthSettings
    from app.api.auth import TokenProvider
    from app.store import Store

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_SIGNED_OUT = 4
EXIT_INTERRUPTED = 5
EXIT_DAMAGED = 6
EXIT_CANCELLED = 130

OUTCOME_EXIT = {
    Outcome.COMPLETE: EXIT_OK,
    Outcome.PARTIAL: EXIT_PARTIAL,
    Outcome.SIGNED_OUT: EXIT_SIGNED_OUT,
    Outcome.INTERRUPTED: EXIT_INTERRUPTED,
    Outcome.CANCELLED: EXIT_CANCELLED,
    Outcome.FAILED: EXIT_FAILED,
}


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sync = sub.add_parser("sync", help="sync the local catalogue with FieldAgent")
    which = sync.add_mutually_exclusive_group()
    which.add_argument("--organization", metavar="ID", help="only this organization")
    which.add_argument("--field", metavar="ID", help="only this field")
    which.add_argument("--survey", metavar="ID", help="only this survey")
    sync.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help=(
            f"most requests in flight (default {settings.CONCURRENCY.default}, "
            f"{settings.CONCURRENCY.low:g}-{settings.CONCURRENCY.high:g}); the sync finds "
            "how many the server answers without slowing, up to this"
        ),
    )
    _common_options(sync)

    ls = sub.add_parser("ls", help="list what is stored locally (works offline)")
    ls.add_argument("what", choices=["organizations", "fields", "surveys", "mosaics", "files"])
    ls.add_argument("--library", metavar="DIR", help="the imagery library folder (files)")
    ls.add_argument("--organization", metavar="ID")
    ls.add_argument("--field", metavar="ID")
    ls.add_argument("--survey", metavar="ID")
    ls.add_argument("--json", action="store_true", help="print JSON using the API's field names")
    _common_options(ls)

    login = sub.add_parser("login", help="sign in and keep the token in the system keyring")
    login.add_argument(
        "--method",
        choices=["browser", "token", "password"],
        default="browser",
        help="browser (OAuth, default), a pasted token, or legacy email and password",
    )
    _common_options(login)
    logout = sub.add_parser("logout", help="revoke and forget the stored sign-in")
    _common_options(logout)
    from app import cli_repair

    cli_repair.add_parser(sub)
    cli_files.add_subcommands(sub, _common_options)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL", help="FieldAgent GraphQL URL")
    parser.add_argument("--data-dir", metavar="DIR", help="where the local database lives")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")


def run_command(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "sync":
            return _sync(args)
        if args.command == "ls":
            return _ls(args)
        if args.command == "repair":
            from app import cli_repair

            return cli_repair.run(args)
        if args.command in cli_files.COMMANDS:
            return cli_files.run(args, _open_store, _token_provider)
        if args.command in ("login", "logout"):
            from app.account import cli_flows

            server = config.base_url_of(config.resolve_server_url(args.server))
            if args.command == "login":
                return cli_flows.login(server, args.method, oauth=_oauth_settings())
            return cli_flows.logout(server, oauth=_oauth_settings())
    except KeyboardInterrupt:
        _fail("interrupted")
        return EXIT_CANCELLED
    raise AssertionError(f"unknown command {args.command}")


def _fail(reason: str) -> None:
    print(f"fielddesk: {terminal_safe(reason)}", file=sys.stderr)


def _open_store(data_dir: str | None, *, read_only: bool = False) -> tuple[Store | None, int]:
    """(the store, 0), or (None, exit status) after saying why on stderr."""
    from app.store import DB_FILENAME, Store
    from app.store.errors import StoreError

    path = config.resolve_data_dir(data_dir) / DB_FILENAME
    try:
        # A sync reads every page first: before any request, and before any write.
        return Store.open(path, read_only=read_only, check_pages=not read_only), EXIT_OK
    except StoreError as error:
        _fail(str(error))
        return None, _store_exit(error)


def _store_exit(error: BaseException) -> int:
    from app.store.errors import CorruptDatabaseError

    return EXIT_DAMAGED if isinstance(error, CorruptDatabaseError) else EXIT_FAILED


# -- sync ---------------------------------------------------------------------------


def _sync(args: argparse.Namespace) -> int:
    from app.api.client import FieldAgentClient
    from app.api.errors import ApiError
    from app.sync.backoff import backoff_for
    from app.sync.engine import SyncEngine
    from app.sync.limiter import AdaptiveLimiter

    server = config.resolve_server_url(args.server)
    try:
        token_provider = _token_provider(server)
    except LookupError as error:
        _fail(str(error))
        return EXIT_SIGNED_OUT
    store, status = _open_store(args.data_dir)
    if store is None:
        return status
    scope = _scope_from(args)
    maximum = config.resolve_concurrency(args.concurrency)
    engine = SyncEngine(
        store=store,
        client_factory=lambda: FieldAgentClient(server, token_provider),
        concurrency=maximum,
        # the limiter logs each change of the limit at INFO: `-v` shows them
        limiter=lambda: AdaptiveLimiter(maximum, backoff=backoff_for(server)),
    )
    reporter = _ProgressReporter(sys.stderr)
    cancel = CancelToken()
    try:
        summary = engine.run(scope, cancel=cancel, on_event=reporter.on_event)
    except ApiError as error:  # e.g. an http:// URL to a non-loopback host
        _fail(error.user_message)
        return EXIT_FAILED
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    finally:
        reporter.close()
        store.close()
    _print_summary(summary)
    return OUTCOME_EXIT[summary.outcome]


def _scope_from(args: argparse.Namespace) -> Scope:
    if args.organization:
        return Scope(ScopeKind.ORGANIZATION, args.organization)
    if args.field:
        return Scope(ScopeKind.FIELD, args.field)
    if args.survey:
        return Scope(ScopeKind.SURVEY, args.survey)
    return Scope.everything()


def _oauth_settings() -> OAuthSettings:
    from app.account.session import OAuthSettings

    client_id, secret = config.oauth_client()
    return OAuthSettings(client_id=client_id, client_secret=secret)


def _token_provider(server: str) -> TokenProvider:
    """FIELDDESK_TOKEN if set, else what `fielddesk login` stored in the keyring."""
    from app.account.session import AccountManager
    from app.account.token_store import TokenStore
    from app.api.errors import AuthError

    base = config.base_url_of(server)
    manager = AccountManager(base, TokenStore(base), _oauth_settings())
    try:
        return manager.token_provider()
    except AuthError as error:
        raise LookupError("not signed in: run `fielddesk login` or set FIELDDESK_TOKEN") from error


def _print_summary(summary: RunSummary) -> None:
    stream = sys.stdout if summary.outcome is Outcome.COMPLETE else sys.stderr
    print(
        f"{terminal_safe(summary.message)} ({summary.upserted} received, "
        f"{summary.deleted} deleted, "
        f"{summary.requests} requests, {summary.bytes_received / 1e6:.1f} MB)",
        file=stream,
    )
    for failure in summary.scope_failures:
        line = f"  {failure.level} of {failure.scope_id}: {failure.message}"
        print(terminal_safe(line), file=stream)
    for error in summary.sync_errors[:20]:
        line = f"  FieldAgent could not sync an item: {error.message} ({error.key})"
        print(terminal_safe(line), file=stream)


class _ProgressReporter:
    """A one-line bar on a terminal; a line per level and a few per minute otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last_level: Level | None = None
        self._drawn = False

    def on_event(self, event: Progress | ChangeSet) -> None:
        if not isinstance(event, Progress):
            return
        stage = terminal_safe(_stage_label(event))
        if self._tty:
            width = 30
            filled = int(width * (event.fraction or 0))
            line = f"\r[{'#' * filled}{'.' * (width - filled)}] {stage:<60.60}"
            self._stream.write(line)
            self._stream.flush()
            self._drawn = True
        elif event.level != self._last_level:
            print(stage, file=self._stream)
        self._last_level = event.level

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


def _stage_label(progress: Progress) -> str:
    what = progress.level.value.capitalize()
    where = f" in {progress.scope_label}" if progress.scope_label else ""
    if progress.scopes_total > 1:
        return f"{what}: {progress.scopes_done:,}/{progress.scopes_total:,} done{where}"
    return f"{what}{where}: {progress.remaining_count:,} left"


# -- ls -----------------------------------------------------------------------------


def _ls(args: argparse.Namespace) -> int:
    from app.store import DB_FILENAME
    from app.store.errors import StoreError

    if not (config.resolve_data_dir(args.data_dir) / DB_FILENAME).exists():
        rows: list[dict[str, Any]] = []  # nothing synced yet; creating a file is a write
    else:
        store, status = _open_store(args.data_dir, read_only=True)
        if store is None:
            return status
        try:
            rows = list(_rows(store, args))
        except StoreError as error:  # e.g. a damaged page met while reading
            _fail(str(error))
            return _store_exit(error)
        finally:
            store.close()
    if args.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(rows)
    return EXIT_OK


def _rows(store: Store, args: argparse.Namespace) -> Iterable[dict[str, Any]]:
    """Stored records in the API's own JSON shape, as `app.api.records` declares it."""
    import msgspec

    from app.api import records

    items: Iterable[msgspec.Struct]
    if args.what == "organizations":
        items = map(records.OrganizationRecord.from_domain, store.organizations())
    elif args.what == "files":
        yield from cli_files.file_rows(store, args)
        return
    elif args.what == "fields":
        # boundary and bbox come with the record, in the API's shape
        items = map(records.FieldRecord.from_domain, store.fields(args.organization))
    elif args.what == "surveys":
        items = map(records.SurveyRecord.from_domain, store.surveys(args.field))
    else:
        items = map(records.MosaicRecord.from_domain, _mosaics(store, args))
    for item in items:
        yield msgspec.to_builtins(item)


def _mosaics(store: Store, args: argparse.Namespace) -> Iterable[Mosaic]:
    from app.store.queries import MosaicQuery

    if args.survey:
        query = MosaicQuery(scope=Scope(ScopeKind.SURVEY, args.survey))
    elif args.field:
        query = MosaicQuery(scope=Scope(ScopeKind.FIELD, args.field))
    elif args.organization:
        query = MosaicQuery(scope=Scope(ScopeKind.ORGANIZATION, args.organization))
    else:
        query = MosaicQuery()
    ids = store.mosaic_ids(query)
    for start in range(0, len(ids), 2000):
        yield from store.mosaics_by_id(ids[start : start + 2000])


def _print_table(rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        print("(nothing stored locally; run `fielddesk sync`)")
        return
    for row in rows:
        print(terminal_safe(f"{row['sentera_id']}  {row.get('name') or ''}"))
