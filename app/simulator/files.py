"""Mosaic files: File records derived from mosaics, signed download URLs, byte ranges.

Each mosaic has one GeoTIFF (see `rasterplan` and `imagery`). Its File record is derived
from the mosaic (id, names, timestamps) and from the plan of its raster, so
re-processing a mosaic (or redrawing its field's outline) gives its file a new content
hash and deleting a mosaic deletes its file. Mosaics that are not AVAILABLE have no
stored file yet: `size` and `url` are null, as the reference says for "no stored file".

CHOICE: the record is built without pixels; `size` is resolved only when a query selects
it, and resolving it generates that one GeoTIFF (then cached) because a compressed
file's size is known only once it is written. So a sync_files page costs one generation
per not-yet-generated file whose size it asks for, and nothing when it does not ask.

Download URLs are signed and expire after 60 minutes like Sentera's, on the simulator's
clock (`AuthService.advance_clock` expires them without waiting).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from app.simulator.rasterplan import RasterPlan

Item = dict[str, Any]

URL_LIFETIME = 3_600


def file_id_for(mosaic_id: str) -> str:
    prefix, rest = mosaic_id.split("_", 1)
    return f"{prefix[::-1]}_{rest.replace('MO_', 'FI_', 1)}"


def mosaic_id_for(file_id: str) -> str:
    prefix, rest = file_id.split("_", 1)
    return f"{prefix[::-1]}_{rest.replace('FI_', 'MO_', 1)}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def file_for_mosaic(mosaic: Item, plan: RasterPlan, content_hash: Any) -> Item:
    """The File record of a mosaic version; `content_hash` is `ids.content_hash`.

    `size` is left out: the resolver asks the imagery cache (see the module docstring).
    """
    stored = mosaic["image_status"] == "AVAILABLE"
    filename = f"{_slug(mosaic['name'])}.tif"
    item: Item = {
        "__typename": "File",
        "sentera_id": file_id_for(mosaic["sentera_id"]),
        "created_at": mosaic["updated_at"],
        "created_by": mosaic["updated_by"] or mosaic["created_by"],
        "updated_at": mosaic["updated_at"],
        "updated_by": mosaic["updated_by"],
        "filename": filename,
        "download_filename": f"{mosaic['captured_at'][:10]}_{filename}",
        "file_type": "MOSAIC_GEOTIFF",
        "file_owner": {"owner_type": "MOSAIC", "sentera_id": mosaic["sentera_id"]},
        "version": 1,
        # Not served: ties the file's hash to the raster it describes (mosaic version,
        # field outline, imagery scale), and whether bytes exist at all.
        "raster": plan.key if stored else None,
    }
    item["content_hash"] = content_hash(item)
    item["_plan"] = plan if stored else None  # after hashing: not content, not served
    return item


class UrlSigner:
    """HMAC-signed, expiring download links (the simulator's stand-in for S3 links)."""

    def __init__(self, secret: bytes, clock: Callable[[], float]) -> None:
        self._secret = secret
        self.now = clock

    def _signature(self, file_id: str, expires: int) -> str:
        message = f"{file_id}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def url(self, base_url: str, item: Item) -> str:
        expires = int(self.now()) + URL_LIFETIME
        return (
            f"{base_url}/files/{item['sentera_id']}/{quote(item['filename'])}"
            f"?expires={expires}&sig={self._signature(item['sentera_id'], expires)}"
        )

    def verify(self, file_id: str, expires: str, signature: str) -> bool:
        if not expires.isdigit() or int(expires) < self.now():
            return False
        return hmac.compare_digest(self._signature(file_id, int(expires)), signature)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single `bytes=` range; None means "send it all".

    Raises ValueError for a range that cannot be satisfied (HTTP 416). Malformed and
    multi-range requests are answered with the whole file, which HTTP allows.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, _, last_text = header[len("bytes=") :].strip().partition("-")
    if not (first_text or last_text) or not all(t.isdigit() for t in (first_text, last_text) if t):
        return None
    if not first_text:  # suffix range: the last N bytes
        length = int(last_text)
        if length == 0:
            raise ValueError("empty suffix range")
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if first >= size or last < first:
        raise ValueError(f"range {header!r} outside a {size}-byte file")
    return first, min(last, size - 1)
