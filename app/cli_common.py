"""What every headless command shares: exit codes, the one-line failure, opening the
store. Its own module so the commands (`cli`, `cli_ls`) import it, not each other."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from app import config
from app.terminal import terminal_safe

if TYPE_CHECKING:
    from app.store import Store

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_SIGNED_OUT = 4
EXIT_INTERRUPTED = 5
EXIT_DAMAGED = 6
EXIT_NOT_FOUND = 7
EXIT_CANCELLED = 130
EXIT_PIPE_CLOSED = 141  # as a shell reports a tool stopped by SIGPIPE (`| head`)


def fail(reason: str) -> None:
    print(f"fielddesk: {terminal_safe(reason)}", file=sys.stderr)


def open_store(data_dir: str | None, *, read_only: bool = False) -> tuple[Store | None, int]:
    """(the store, 0), or (None, exit status) after saying why on stderr."""
    from app.store import DB_FILENAME, Store
    from app.store.errors import StoreError

    path = config.resolve_data_dir(data_dir) / DB_FILENAME
    try:
        # A sync reads every page first: before any request, and before any write.
        return Store.open(path, read_only=read_only, check_pages=not read_only), EXIT_OK
    except StoreError as error:
        fail(str(error))
        return None, store_exit(error)


def store_exit(error: BaseException) -> int:
    from app.store.errors import CorruptDatabaseError

    return EXIT_DAMAGED if isinstance(error, CorruptDatabaseError) else EXIT_FAILED
