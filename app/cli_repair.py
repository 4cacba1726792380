"""`fielddesk repair`: set a damaged local database aside and start a fresh one.

Exit status:
    0  the database was sound (nothing changed), or it was set aside and a fresh one made
    1  it could not be repaired (a sync is running, a newer FieldDesk wrote it, the
       folder cannot be changed); the reason is on stderr
The next `fielddesk sync` (or the window) fills the fresh database from FieldAgent.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app import config
from app.terminal import terminal_safe

EXIT_OK = 0
EXIT_FAILED = 1


def add_parser(subparsers: Any) -> None:
    repair = subparsers.add_parser(
        "repair",
        help="set a damaged local database aside (kept) and start a fresh one",
        description="Checks every page of the local database. When it is damaged, or is "
        "not a FieldDesk database, it is renamed to <name>.damaged-<time> (kept) and a "
        "fresh, empty one is created; the next sync refills it from FieldAgent.",
    )
    repair.add_argument("--data-dir", metavar="DIR", help="where the local database lives")
    repair.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    repair.add_argument("--server", metavar="URL", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from app.store import DB_FILENAME
    from app.store.errors import StoreError
    from app.store.repair import rebuild

    path = config.resolve_data_dir(args.data_dir) / DB_FILENAME
    try:
        result = rebuild(path)
    except StoreError as error:
        print(f"fielddesk: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_FAILED
    if result.kept_as is None:
        print(terminal_safe(f"{path} is sound; nothing to repair."))
        return EXIT_OK
    print(
        terminal_safe(
            f"{path} was damaged ({result.problem}).\n"
            f"It is kept as {result.kept_as}; a fresh local copy was created. "
            "Run `fielddesk sync` to fill it from FieldAgent."
        )
    )
    return EXIT_OK
