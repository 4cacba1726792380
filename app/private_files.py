"""Files only the user may read: the catalogue, its journals, settings, backups, locks.

A data folder FieldDesk creates itself is 0700, which protects everything inside. A
folder the user points `--data-dir` at may already exist with looser permissions, so
each file FieldDesk creates is 0600 on its own as well: created under a restrictive
umask (for files another library creates, such as SQLite's database and its backups),
or opened with mode 0600 directly, and tightened when an older FieldDesk left it 0644.
SQLite creates the `-wal` and `-shm` files with the permissions of the database file,
so a private database gets private journals.

On Windows the POSIX modes mean little; the per-user profile folder is what protects
the data there, and these helpers do nothing harmful.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
_PRIVATE_UMASK = 0o077
_umask_lock = threading.Lock()


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders created inside the block are for the user alone.

    The umask is process-wide: another thread creating a file meanwhile gets the
    stricter mask too, which is never less safe. The lock keeps nested or concurrent
    uses from restoring each other's value.
    """
    with _umask_lock:
        previous = os.umask(_PRIVATE_UMASK)
        try:
            yield
        finally:
            os.umask(previous)


def make_private(path: Path) -> None:
    """Tighten an existing regular file of ours to 0600; anything else is left alone."""
    if os.name != "posix":
        return
    try:
        info = path.lstat()
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        return
    if stat.S_IMODE(info.st_mode) & ~PRIVATE_FILE_MODE:
        with contextlib.suppress(OSError):  # a read-only mount: reading still works
            os.chmod(path, PRIVATE_FILE_MODE)


def create_private_file(path: Path) -> Path:
    """Make sure `path` exists as a 0600 file (creating it empty); returns it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE_MODE)
    os.close(fd)
    make_private(path)
    return path
