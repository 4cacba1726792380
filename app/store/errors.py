"""Errors the local store raises, split into expected conditions and bugs.

Expected conditions are `StoreError` subclasses. Each carries a message a user can act
on, and the UI shows it as it is. Anything else that escapes the store (an
`sqlite3.IntegrityError`, a `sqlalchemy` programming error) is a bug and belongs to the
crash handler.

    StoreError                      expected; str(error) is the user message
    ├── DatabaseOpenError           the file cannot be created or opened (path, permissions)
    ├── NewerDatabaseError          written by a newer FieldDesk; refused, never altered
    ├── CorruptDatabaseError        not SQLite, not FieldDesk's, or damaged
    │   └── DamagedDatabaseError    FieldDesk's, but damaged: `fielddesk repair` rebuilds it
    ├── MigrationError              upgrading the schema failed; the backup is untouched
    ├── DatabaseLockedError         another program held the database past the busy timeout
    ├── DiskFullError               no space left for the database or its journal
    ├── DiskIOError                 the operating system reported a read/write failure
    ├── ReadOnlyDatabaseError       the file or its folder is read-only
    ├── SyncInProgressError         another live process holds the sync lock
    └── UnknownScopeError           a sync page names a parent that is not stored (any more)

`translate_sqlite_error` maps an `sqlite3` exception (or SQLAlchemy's wrapper around one)
to this tree by its SQLite result code, falling back to the message text, the way
qutebrowser's `raise_sqlite_error` does; `translating()` applies it around a block.
Both take the database's path when they know it: every message names the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


class StoreError(Exception):
    """An expected problem with the local database; the message is meant for the user."""


class DatabaseOpenError(StoreError):
    pass


class NewerDatabaseError(StoreError):
    pass


class CorruptDatabaseError(StoreError):
    pass


class DamagedDatabaseError(CorruptDatabaseError):
    """A FieldDesk database whose pages or schema are damaged.

    Nothing more is written to it. Everything in it came from FieldAgent, so the way
    out is to set it aside and sync again (`fielddesk repair`, or the window's
    "Rebuild the local copy").
    """


class SyncInProgressError(StoreError):
    pass


class MigrationError(StoreError):
    pass


class DatabaseLockedError(StoreError):
    pass


class DiskFullError(StoreError):
    pass


class DiskIOError(StoreError):
    pass


class ReadOnlyDatabaseError(StoreError):
    pass


class UnknownScopeError(StoreError):
    """The scope of a sync page is not in the local database.

    Happens when a parent was deleted by an earlier page of the same run (for example a
    field removed while its surveys were still being synced). The page is not applied.
    """


# Primary SQLite result codes (https://sqlite.org/rescode.html).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

_LOCKED = (
    "The FieldDesk database{where} is in use by another program. "
    "Close other FieldDesk windows or sync commands and try again."
)
_FULL = "The disk holding the FieldDesk database{where} is full. Free some space and try again."
_IOERR = "The FieldDesk database{where} could not be read or written (disk error): {text}."
_READONLY = "The FieldDesk database{where} is read-only. Check the permissions of its folder."
_CANTOPEN = (
    "The FieldDesk database{where} could not be opened: {text}. Check its folder and permissions."
)
_CORRUPT = (
    "The FieldDesk database{where} is damaged ({text}). Run `fielddesk repair` (or choose "
    "Rebuild in the window): the damaged file is kept aside and everything is synced "
    "again from FieldAgent."
)

_BY_CODE: dict[int, tuple[type[StoreError], str]] = {
    _SQLITE_BUSY: (DatabaseLockedError, _LOCKED),
    _SQLITE_LOCKED: (DatabaseLockedError, _LOCKED),
    _SQLITE_FULL: (DiskFullError, _FULL),
    _SQLITE_IOERR: (DiskIOError, _IOERR),
    _SQLITE_READONLY: (ReadOnlyDatabaseError, _READONLY),
    _SQLITE_PERM: (ReadOnlyDatabaseError, _READONLY),
    _SQLITE_CANTOPEN: (DatabaseOpenError, _CANTOPEN),
    _SQLITE_CORRUPT: (DamagedDatabaseError, _CORRUPT),
    _SQLITE_NOTADB: (CorruptDatabaseError, _CORRUPT),
}

# Used when the driver gives no result code (older Pythons, wrapped errors).
_BY_TEXT: tuple[tuple[str, int], ...] = (
    ("database is locked", _SQLITE_BUSY),
    ("database table is locked", _SQLITE_LOCKED),
    ("database or disk is full", _SQLITE_FULL),
    ("disk i/o error", _SQLITE_IOERR),
    ("readonly database", _SQLITE_READONLY),
    ("unable to open database file", _SQLITE_CANTOPEN),
    ("database disk image is malformed", _SQLITE_CORRUPT),
    ("file is not a database", _SQLITE_NOTADB),
)


def translate_sqlite_error(error: BaseException, path: object = None) -> StoreError | None:
    """The `StoreError` for an SQLite failure, or None when it is a bug to re-raise.

    `path` (the database file) is named in the message when given.
    """
    # SQLAlchemy wraps the driver's exception (its DBAPIError keeps it as `orig`). Told
    # apart by that shape, so this module loads before SQLAlchemy does (a cold start
    # draws its first frame without it).
    wrapped = getattr(error, "orig", None)
    if isinstance(wrapped, sqlite3.Error):
        error = wrapped
    if not isinstance(error, sqlite3.Error):
        return None
    text = str(error)
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary not in _BY_CODE:
        lowered = text.lower()
        primary = next((c for needle, c in _BY_TEXT if needle in lowered), None)
    if primary is None:
        return None
    cls, template = _BY_CODE[primary]
    return cls(template.format(where=f" {path}" if path else "", text=text))


@contextmanager
def translating(path: object = None) -> Iterator[None]:
    """Re-raise SQLite failures inside the block as `StoreError`s where they are expected."""
    try:
        yield
    except Exception as error:
        mapped = translate_sqlite_error(error, path)
        if mapped is None:
            raise
        raise mapped from error
