"""`sync_files`: the mosaic file catalogue, one page per call, like every other level.

Kept beside the client rather than inside it: only the file side of FieldDesk uses it.
It goes through the client's one request path (token, refresh, errors, size limits),
so a file page fails exactly like a mosaic page does; the page is decoded into
`records.SyncFilesData` like every other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.api import parse
from app.api.client import FieldAgentClient
from app.api.records import SyncFilesData
from app.domain import SyncPage
from app.domain_files import RemoteFile

# The server refuses more owners than this in one call (as it caps upserts per page).
OWNERS_CAP = 500


def parse_sync_files(
    content: bytes, response_bytes: int = 0, *, scrub: str | None = None
) -> SyncPage[RemoteFile]:
    data = parse.decode(content, SyncFilesData, scrub=scrub)
    return parse.sync_page(data.sync_files, response_bytes, "sync_files")


def sync_files(
    client: FieldAgentClient, mosaic_ids: Sequence[str], content_hashes: Iterable[str]
) -> SyncPage[RemoteFile]:
    """One page of the files of these mosaics; `content_hashes` is everything held for them."""
    if len(mosaic_ids) > OWNERS_CAP:
        raise ValueError(f"sync_files takes at most {OWNERS_CAP} owners per call")
    hashes = list(content_hashes)
    owners = [{"owner_type": "MOSAIC", "sentera_id": mosaic_id} for mosaic_id in mosaic_ids]
    variables = {"owners": owners, "content_hashes": hashes}
    scope = mosaic_ids[0] if len(mosaic_ids) == 1 else f"{len(mosaic_ids)} mosaics"
    return client._query("sync_files", variables, parse_sync_files, scope=scope, hashes=len(hashes))
