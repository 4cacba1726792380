"""The library folder: where each mosaic's GeoTIFF lives, and the read API for the map.

Read API (stable; any thread; no Qt):

    library = Library(store, root)
    library.local_path(mosaic_id) -> Path | None   # only the current, verified version
    library.state(mosaic_id) -> FileState          # present / partial / missing / evicted
    library.local_file(mosaic_id) -> LocalFile | None
    library.files(mosaic_ids=None) -> list[LocalFile]
    library.mark_viewed(mosaic_id)                 # call when the imagery is shown
    store.field_boundary(field_id) / store.fields_with_boundaries(org_id)

A path is handed out only while the catalogue says the bytes on disk are the version
the server lists for the mosaic's current content: a re-processed or deleted mosaic
never shows its old imagery as current. Files are named from the mosaic id (made safe
for any file system), so the library never trusts a server file name for a path.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.domain_files import FileState, LocalFile
from app.files.errors import DownloadError
from app.store.snapshots import utc_now_text

if TYPE_CHECKING:
    from app.store.files import FileRow
    from app.store.store import Store

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
# Written into the library folder when FieldDesk takes it: only a folder with it is
# ever swept, so a folder the user pointed at by mistake never loses its own files.
MARKER = ".fielddesk-library"
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,120}$")


class ForeignFolder(DownloadError):
    """The chosen library folder is not empty and not FieldDesk's."""


def local_name_for(mosaic_id: str) -> str:
    """The library's file name for a mosaic: its id if harmless, else a digest of it."""
    if _SAFE.match(mosaic_id):
        return f"{mosaic_id}.tif"
    return f"{hashlib.sha256(mosaic_id.encode()).hexdigest()[:40]}.tif"


@dataclass(frozen=True, slots=True)
class Usage:
    """Bytes the library holds: for pinned mosaics, for others (cache), in .part files."""

    pinned: int
    cache: int
    partial: int

    @property
    def total(self) -> int:
        return self.pinned + self.cache + self.partial


class Library:
    """The files of the library folder, as the catalogue describes them."""

    def __init__(self, store: Store, root: Path) -> None:
        self.store = store
        self.root = root

    def path_of(self, name: str) -> Path:
        return self.root / name

    def part_path(self, mosaic_id: str) -> Path:
        return self.root / (local_name_for(mosaic_id) + PART_SUFFIX)

    # -- read API -----------------------------------------------------------------------

    def local_path(self, mosaic_id: str) -> Path | None:
        """The current GeoTIFF of the mosaic on this computer, or None."""
        found = self.local_file(mosaic_id)
        return found.path if found is not None else None

    def state(self, mosaic_id: str) -> FileState:
        found = self.local_file(mosaic_id)
        return found.state if found is not None else FileState.MISSING

    def local_file(self, mosaic_id: str) -> LocalFile | None:
        """None when the catalogue knows no file for the mosaic (not kept offline)."""
        rows = self.store.file_rows([mosaic_id])
        if not rows:
            return None
        pinned = set(self.store.pinned_mosaic_ids())
        return self._local(rows[0], mosaic_id in pinned)

    def files(self, mosaic_ids: list[str] | None = None) -> list[LocalFile]:
        pinned = set(self.store.pinned_mosaic_ids())
        rows = self.store.file_rows(mosaic_ids)
        return [self._local(row, row.mosaic_id in pinned) for row in rows]

    def mark_viewed(self, mosaic_id: str) -> None:
        """Record that the imagery was shown, so eviction takes older files first."""
        self.store.record_viewed_file(mosaic_id)

    def usage(self) -> Usage:
        pinned_ids = set(self.store.pinned_mosaic_ids())
        pinned = cache = partial = 0
        for row in self.store.file_rows():
            partial += _size_of(self.part_path(row.mosaic_id))
            if row.local_name is None:
                continue
            size = _size_of(self.path_of(row.local_name))
            if row.mosaic_id in pinned_ids:
                pinned += size
            else:
                cache += size
        return Usage(pinned=pinned, cache=cache, partial=partial)

    # -- housekeeping -------------------------------------------------------------------

    def ensure_root(self) -> None:
        """Create (or adopt, when empty) the library folder; refuse one holding other files."""
        root = self.root
        if (root / MARKER).is_file():
            return
        root.mkdir(parents=True, exist_ok=True)
        if any(root.iterdir()):
            raise ForeignFolder(
                f"The imagery folder {root} already holds other files. Choose an empty "
                "folder (or a new one) for FieldDesk's imagery in Settings, Storage."
            )
        (root / MARKER).write_text("FieldDesk keeps downloaded mosaics here.\n")

    def remove_bytes(self, names: list[str] | tuple[str, ...]) -> None:
        """Delete library files (and their .part) by name; missing ones are fine."""
        for name in names:
            for path in (self.path_of(name), self.path_of(name + PART_SUFFIX)):
                path.unlink(missing_ok=True)

    def evict(self, row: FileRow) -> None:
        """Remove an unpinned file to make room; the catalogue remembers it was here."""
        if row.local_name:
            self.remove_bytes([row.local_name])
        self.store.record_local(
            row.file_id,
            local_name=None,
            local_hash=None,
            local_size=None,
            verified_at=None,
            part_hash=None,
            evicted_at=utc_now_text(),
        )
        log.info("Evicted the imagery of %s to stay within the disk budget", row.mosaic_id)

    def remove(self, mosaic_id: str) -> bool:
        """ "Remove from this computer": the bytes go; the catalogue row stays, evicted.

        Returns False when there was nothing to remove. A pin that still covers the
        mosaic brings it back on the next download pass; callers unpin first.
        """
        rows = self.store.file_rows([mosaic_id])
        if not rows:
            return False
        self.remove_bytes([local_name_for(mosaic_id)])
        self.evict(rows[0])
        return True

    def record_present(self, row: FileRow) -> None:
        """The verified file of `row`'s current version is now in place."""
        self.store.record_local(
            row.file_id,
            local_name=local_name_for(row.mosaic_id),
            local_hash=row.content_hash,
            local_size=row.size,
            verified_at=utc_now_text(),
            part_hash=None,
            evicted_at=None,
        )

    def sweep(self) -> int:
        """Delete library files no catalogue row claims (a deleted mosaic, a crash)."""
        if not (self.root / MARKER).is_file():
            return 0  # not a folder FieldDesk took: nothing here is ours to delete
        rows = self.store.file_rows()
        keep = {local_name_for(row.mosaic_id) for row in rows}
        keep |= {name + PART_SUFFIX for name in keep}
        removed = 0
        with os.scandir(self.root) as entries:
            for entry in entries:
                ours = entry.name.endswith((".tif", ".tif" + PART_SUFFIX))
                if ours and entry.is_file() and entry.name not in keep:
                    os.unlink(entry.path)
                    removed += 1
        if removed:
            log.info("Removed %d library file(s) no mosaic claims any more", removed)
        return removed

    def _local(self, row: FileRow, pinned: bool) -> LocalFile:
        path = self.path_of(row.local_name) if row.local_name else None
        part_bytes = _size_of(self.part_path(row.mosaic_id))
        if row.present and path is not None and path.is_file():
            state, local_bytes = FileState.PRESENT, _size_of(path)
        elif part_bytes and row.current and row.part_hash == row.content_hash:
            state, local_bytes, path = FileState.PARTIAL, part_bytes, None
        elif row.evicted_at is not None:
            state, local_bytes, path = FileState.EVICTED, 0, None
        else:
            state, local_bytes, path = FileState.MISSING, 0, None
        return LocalFile(
            mosaic_id=row.mosaic_id,
            file_id=row.file_id,
            state=state,
            size=row.size,
            local_bytes=local_bytes,
            path=path,
            pinned=pinned,
            last_viewed_at=row.last_viewed_at,
        )


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
