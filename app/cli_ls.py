"""`fielddesk ls`: what is stored locally, as text, JSON or CSV. Read-only, no Qt.

An id that is not in the local catalogue is an error (exit 7), not an empty list: a
script that mistypes an id must not take "nothing there" for an answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from app import config
from app.domain import Mosaic, Scope, ScopeKind
from app.export import rows_csv
from app.terminal import terminal_safe

if TYPE_CHECKING:
    from app.store import Store

LS_CHOICES = ("organizations", "fields", "surveys", "mosaics", "files")

# `ls files` rows come from the imagery commands (`cli_files.file_rows`); the caller hands
# them in, so listing stays independent of the files layer.
FileRows = Callable[[Any, argparse.Namespace], Iterable[dict[str, Any]]]


def add_parser(sub: Any, common: Any) -> None:
    ls = sub.add_parser(
        "ls",
        help="list what is stored locally (works offline)",
        description="List what is stored locally. Works offline and in a read-only folder.",
    )
    ls.add_argument(
        "what",
        nargs="?",
        choices=LS_CHOICES,
        help="organizations, fields, surveys, mosaics or files (imagery on this computer)",
    )
    ls.add_argument("--organization", metavar="ID", help="only within this organization")
    ls.add_argument("--field", metavar="ID", help="only within this field")
    ls.add_argument("--survey", metavar="ID", help="only within this survey")
    ls.add_argument("--library", metavar="DIR", help="the imagery library folder (files)")
    form = ls.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON using the API's field names")
    form.add_argument("--csv", action="store_true", help="print CSV (one column per JSON leaf)")
    common(ls)


def run(args: argparse.Namespace, *, file_rows: FileRows | None = None) -> int:
    from app.cli_common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
    from app.cli_common import fail as _fail
    from app.cli_common import open_store as _open_store
    from app.cli_common import store_exit as _store_exit
    from app.store import DB_FILENAME
    from app.store.errors import StoreError

    fail = _fail

    if args.what is None:
        fail(f"ls: say what to list: {', '.join(LS_CHOICES)} (e.g. `fielddesk ls fields`)")
        return EXIT_USAGE
    path = config.resolve_data_dir(args.data_dir) / DB_FILENAME
    if not path.exists():
        if _named_id(args):
            kind, wanted = _named_id(args)[0]
            fail(f"no {kind} {wanted} in the local catalogue (nothing synced yet in {path.parent})")
            return EXIT_NOT_FOUND
        print(f"(nothing stored locally in {path.parent}; run `fielddesk sync`)", file=sys.stderr)
        rows: list[dict[str, Any]] = []  # creating a file is a write
    else:
        store, status = _open_store(args.data_dir, read_only=True)
        if store is None:
            return status
        try:
            missing = _missing_id(store, args)
            if missing is not None:
                fail(missing)
                return EXIT_NOT_FOUND
            rows = list(_rows(store, args, file_rows))
        except StoreError as error:  # e.g. a damaged page met while reading
            fail(str(error))
            return _store_exit(error)
        finally:
            store.close()
    if args.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.csv:
        rows_csv(sys.stdout, rows)
    else:
        _print_table(rows)
    return EXIT_OK


def _named_id(args: argparse.Namespace) -> list[tuple[str, str]]:
    named = [
        ("organization", args.organization),
        ("field", args.field),
        ("survey", args.survey),
    ]
    return [(kind, value) for kind, value in named if value]


def _missing_id(store: Store, args: argparse.Namespace) -> str | None:
    """The message for the first id given that the local catalogue does not hold."""
    for kind, wanted in _named_id(args):
        if kind == "organization":
            known = {o.sentera_id for o in store.organizations()}
        elif kind == "field":
            known = {f.sentera_id for f in store.fields()}
        else:
            known = {s.sentera_id for s in store.surveys()}
        if wanted not in known:
            return f"no {kind} {wanted} in the local catalogue"
    return None


def _rows(
    store: Store, args: argparse.Namespace, file_rows: FileRows | None
) -> Iterable[dict[str, Any]]:
    """Stored records in the API's own JSON shape, as `app.api.records` declares it."""
    import msgspec

    from app.api import records

    items: Iterable[msgspec.Struct]
    if args.what == "organizations":
        items = map(records.OrganizationRecord.from_domain, store.organizations())
    elif args.what == "files":
        if file_rows is not None:
            yield from file_rows(store, args)
        return
    elif args.what == "fields":
        items = map(records.FieldRecord.from_domain, store.fields(args.organization))
    elif args.what == "surveys":
        surveys = store.surveys(args.field)
        if args.organization and not args.field:
            within = {f.sentera_id for f in store.fields(args.organization)}
            surveys = [s for s in surveys if s.field_sentera_id in within]
        items = map(records.SurveyRecord.from_domain, surveys)
    else:
        items = map(records.MosaicRecord.from_domain, _mosaics(store, args))
    for item in items:
        yield msgspec.to_builtins(item)


def _mosaics(store: Store, args: argparse.Namespace) -> Iterable[Mosaic]:
    from app.store.mosaic_query import MosaicQuery

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
        print("(nothing stored here locally; run `fielddesk sync`)", file=sys.stderr)
        return
    for row in rows:
        print(terminal_safe(f"{row['sentera_id']}  {row.get('name') or ''}"))
