"""The sync lock: one process at a time runs a sync against a database.

A sync run is recorded as "running" when it starts and given its outcome when it ends.
A run still "running" with nobody syncing was cut short (the process was killed or
the machine went down) and is marked "interrupted" — but only a process that holds this
lock may conclude that, because only then does it know no live process owns the run.
Reading the store never takes the lock and never writes.

The lock is an OS lock on `<database>.lock` (`flock` on POSIX, `msvcrt.locking` on
Windows), held through an open file. The OS releases it when the process ends however
it ends, SIGKILL included, so a killed sync never leaves a stale lock behind. The file
itself stays (removing it would race with a process about to lock it) and holds the pid
of the last holder, for the message a second process shows.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

from app.private_files import PRIVATE_FILE_MODE, make_private
from app.store.errors import DatabaseOpenError, SyncInProgressError

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(stream: IO[bytes]) -> bool:
        try:
            stream.seek(0)
            msvcrt.locking(stream.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(stream: IO[bytes]) -> None:
        stream.seek(0)
        msvcrt.locking(stream.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(stream: IO[bytes]) -> bool:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(stream: IO[bytes]) -> None:
        fcntl.flock(stream.fileno(), fcntl.LOCK_UN)


def lock_path_of(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class SyncLock:
    """The sync lock of one database; `acquire()` never waits."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path_of(database)
        self._stream: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._stream is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it; True when this object holds it."""
        if self._stream is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
        except OSError as error:
            raise DatabaseOpenError(
                f"The sync lock {self.path} could not be opened: {error.strerror}. "
                "Check the permissions of the FieldDesk data folder."
            ) from error
        make_private(self.path)
        stream = os.fdopen(fd, "r+b")
        if not _try_lock(stream):
            stream.close()
            return False
        stream.seek(0)
        stream.truncate()
        stream.write(f"{os.getpid()}\n".encode())
        stream.flush()
        self._stream = stream
        return True

    def acquire(self) -> None:
        """Take the lock or raise `SyncInProgressError` naming the holder."""
        if not self.try_acquire():
            holder = self.holder_pid()
            who = f"FieldDesk process {holder}" if holder else "another FieldDesk process"
            raise SyncInProgressError(
                f"{who} is already syncing {self.path.with_suffix('')}. "
                "Wait for it to finish, then try again."
            )

    def release(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        with contextlib.suppress(OSError):
            _unlock(stream)
        stream.close()

    def holder_pid(self) -> int | None:
        """The pid the current (or last) holder wrote, if readable."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None
