"""The headless `fielddesk` commands: sync, ls, login, logout (imagery: `cli_files`). No Qt.

Exit status: 0 only when the command did everything it was asked (for `sync`: every
scope completed); otherwise non-zero with a one-line reason on stderr. 6 means the
local database is damaged: `fielddesk repair` (`app/cli_repair.py`) sets it aside.
`ls` opens the database read-only: it never writes, so it works in a read-only
folder and beside a running sync.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, TextIO

from app import cli_files, config, settings
from app.cli_common import (
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_SIGNED_OUT,
)
from app.cli_common import fail as _fail
from app.cli_common import open_store as _open_store
from app.domain import ChangeSet, Level, Outcome, Scope, ScopeKind
from app.sync.events import CancelToken, Progress, RunSummary
from app.terminal import terminal_safe

if TYPE_CHECKING:  # imported where used: `fielddesk --help` stays quick
    from app.account.session import OAuthSettings
    from app.api.auth import TokenProvider

log = logging.getLogger(__name__)

ENVIRONMENT_HELP = """\
environment:
  FIELDDESK_SERVER       FieldAgent address (base URL or its /graphql endpoint)
  FIELDDESK_TOKEN        an access token to use instead of the stored sign-in (never saved)
  FIELDDESK_DATA_DIR     where the local database lives
  FIELDDESK_CONFIG_DIR   where the settings file lives
  FIELDDESK_OAUTH_CLIENT_ID, FIELDDESK_OAUTH_CLIENT_SECRET
                         FieldDesk's OAuth registration (browser sign-in)
"""

EXIT_HELP = """\
exit status:
  0    done: everything asked for (for sync: every scope completed)
  1    failed (the reason is on stderr)
  2    wrong usage
  3    sync finished with problems (some parts could not be synced)
  4    signed out, or the server rejected the token
  5    interrupted: FieldAgent could not be reached
  6    the local database is damaged: run `fielddesk repair`
  7    an id given is not in the local catalogue
  130  cancelled (Ctrl+C)
  141  the output was closed early (e.g. piped into head)
"""

HELP_EPILOG = ENVIRONMENT_HELP + "\n" + EXIT_HELP

OUTCOME_EXIT = {
    Outcome.COMPLETE: EXIT_OK,
    Outcome.PARTIAL: EXIT_PARTIAL,
    Outcome.SIGNED_OUT: EXIT_SIGNED_OUT,
    Outcome.INTERRUPTED: EXIT_INTERRUPTED,
    Outcome.CANCELLED: EXIT_CANCELLED,
    Outcome.FAILED: EXIT_FAILED,
}


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    from app import cli_ls

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sync = sub.add_parser(
        "sync",
        help="sync the local catalogue with FieldAgent",
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    sync.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help=(
            "most seconds one request may take in all, however slowly the answer arrives "
            f"(default {settings.REQUEST_DEADLINE.default:g}; also FIELDDESK_REQUEST_DEADLINE)"
        ),
    )
    _common_options(sync)

    cli_ls.add_parser(sub, _common_options)

    login = sub.add_parser(
        "login",
        help="sign in and keep the token in the system keyring",
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    login.add_argument(
        "--method",
        choices=["browser", "token", "password"],
        help="email and password (the default without an OAuth client), a pasted token, "
        "or the browser (needs FIELDDESK_OAUTH_CLIENT_ID; the default when it is set)",
    )
    _common_options(login)
    logout = sub.add_parser("logout", help="revoke and forget the stored sign-in")
    _common_options(logout)
    from app import cli_repair

    cli_repair.add_parser(sub)
    cli_files.add_subcommands(sub, _common_options)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", metavar="URL", help="FieldAgent address (base URL or its /graphql endpoint)"
    )
    parser.add_argument("--data-dir", metavar="DIR", help="where the local database lives")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")


def run_command(args: argparse.Namespace) -> int:
    # A command says what went wrong in its own words, once; log warnings repeat
    # those (the window's log file keeps them), so only errors reach the terminal.
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "sync":
            return _sync(args)
        if args.command == "ls":
            from app import cli_ls

            return cli_ls.run(args, file_rows=cli_files.file_rows)
        if args.command == "repair":
            from app import cli_repair

            return cli_repair.run(args)
        if args.command in cli_files.COMMANDS:
            return cli_files.run(args, _open_store, lambda url: _token_provider(url)[0])
        if args.command in ("login", "logout"):
            from app.account import cli_flows

            server = config.base_url_of(config.resolve_server_url(args.server))
            if args.command == "login":
                oauth = _oauth_settings()
                method: cli_flows.LoginMethod = args.method or (
                    "browser" if oauth.client_id else "password"
                )
                return cli_flows.login(server, method, oauth=oauth)
            return cli_flows.logout(server, oauth=_oauth_settings())
    except KeyboardInterrupt:
        _fail("interrupted")
        return EXIT_CANCELLED
    raise AssertionError(f"unknown command {args.command}")


# -- sync ---------------------------------------------------------------------------


def _sync(args: argparse.Namespace) -> int:
    from app.api.client import FieldAgentClient
    from app.api.errors import ApiError
    from app.sync.backoff import backoff_for
    from app.sync.engine import SyncEngine
    from app.sync.limiter import AdaptiveLimiter

    server, source = config.resolve_server(args.server)
    try:
        token_provider, token_source = _token_provider(server)
    except LookupError as error:
        _fail(str(error))
        return EXIT_SIGNED_OUT
    store, status = _open_store(args.data_dir)
    if store is None:
        return status
    scope = _scope_from(args)
    maximum = config.resolve_concurrency(args.concurrency)
    deadline = config.resolve_request_deadline(args.deadline)
    engine = SyncEngine(
        store=store,
        client_factory=lambda: FieldAgentClient(server, token_provider, deadline=deadline),
        concurrency=maximum,
        # the limiter logs each change of the limit at INFO: `-v` shows them
        limiter=lambda: AdaptiveLimiter(maximum, backoff=backoff_for(server)),
    )
    reporter = _ProgressReporter(sys.stderr)
    cancel = CancelToken()
    try:
        summary = engine.run(scope, cancel=cancel, on_event=reporter.on_event)
    except ApiError as error:  # e.g. an http:// URL to a non-loopback host
        _fail(_for_command(error.user_message, server=server, source=source))
        return EXIT_FAILED
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    finally:
        reporter.close()
        store.close()
    _print_summary(summary, server=server, source=source, token_source=token_source)
    return OUTCOME_EXIT[summary.outcome]


_SETTINGS_PHRASE = "Check the server address in the settings"
_WINDOW_PROMISE = "Sync will continue where it stopped when the connection is back."


def _for_command(message: str, *, server: str, source: str) -> str:
    """A window's sentence made true for a one-off command: name where the server
    address came from, and promise no automatic retry (the command has ended)."""
    message = message.replace(
        _SETTINGS_PHRASE, f"Check the server address {server} (from {source})"
    )
    return message.replace(_WINDOW_PROMISE, "Run the command again when it is back.").strip()


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


def _token_provider(server: str) -> tuple[TokenProvider, str]:
    """(provider, where its token came from): FIELDDESK_TOKEN if set, else what
    `fielddesk login` stored in the keyring. The keyring is not touched (nor warned
    about) when the environment gives the token."""
    import os

    from app.account.session import TOKEN_ENV, AccountManager
    from app.account.token_store import TokenStore
    from app.api.auth import StaticTokenProvider
    from app.api.errors import AuthError

    if os.environ.get(TOKEN_ENV, "").strip():
        return StaticTokenProvider(os.environ[TOKEN_ENV].strip()), TOKEN_ENV
    base = config.base_url_of(server)
    tokens = TokenStore(base)
    manager = AccountManager(base, tokens, _oauth_settings())
    try:
        return manager.token_provider(), "the sign-in stored by `fielddesk login`"
    except AuthError as error:
        hint = "run `fielddesk login` or set FIELDDESK_TOKEN"
        if not tokens.persistent:
            hint = (
                "there is no usable system keyring, so no sign-in can be kept between "
                "commands: set FIELDDESK_TOKEN (or install and unlock a keyring, then "
                "run `fielddesk login`)"
            )
        raise LookupError(f"not signed in: {hint}") from error


def _print_summary(
    summary: RunSummary, *, server: str, source: str, token_source: str = ""
) -> None:
    stream = sys.stdout if summary.outcome is Outcome.COMPLETE else sys.stderr
    message = _for_command(summary.message, server=server, source=source)
    if summary.outcome is Outcome.SIGNED_OUT:
        message = (
            f"The server rejected the token (from {token_source}). "
            "Run `fielddesk login`, or set a valid FIELDDESK_TOKEN."
            if token_source
            else message
        )
    moved = summary.upserted or summary.deleted or summary.bytes_received
    if moved or summary.outcome is Outcome.COMPLETE:
        message += (
            f" ({summary.upserted} received, {summary.deleted} deleted, "
            f"{summary.requests} requests, {summary.bytes_received / 1e6:.1f} MB)"
        )
    print(terminal_safe(message), file=stream)
    said = {message}
    for failure in summary.scope_failures:
        text = _for_command(failure.message, server=server, source=source)
        if any(text in line for line in said):
            continue  # the summary already quotes it (a one-scope run)
        said.add(text)
        print(terminal_safe(f"  {failure.level} of {failure.scope_id}: {text}"), file=stream)
    for error in summary.sync_errors[:20]:
        if any(error.message in line for line in said):
            continue
        said.add(error.message)
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
