"""`sync_files`: the mosaic file catalogue, one page per call, like every other level.

Kept beside the client rather than inside it: only the file side of FieldDesk uses it.
It goes through the client's one request path (token, refresh, errors, size limits),
so a file page fails exactly like a mosaic page does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.api import parse
from app.api.client import FieldAgentClient
from app.api.records import Invalid, Spec
from app.domain import SyncPage
from app.domain_files import RemoteFile

# The server refuses more owners than this in one call (as it caps upserts per page).
OWNERS_CAP = 500

FILE_SPEC: Spec = (
    (("sentera_id",), "str"),
    (("content_hash",), "str"),
    (("updated_at",), "str"),
    (("filename",), "str"),
    (("download_filename",), "str?"),
    (("file_type",), "str"),
    (("size",), "str?"),
    (("url",), "str?"),
    (("file_owner",), "obj"),
    (("file_owner", "owner_type"), "str"),
    (("file_owner", "sentera_id"), "str"),
)


def build_file(o: Any) -> RemoteFile:
    size = o["size"]
    if size is not None:
        if type(size) is not str or not size.isdigit():
            raise Invalid
        size = int(size)
    owner = o["file_owner"]
    f = RemoteFile(
        sentera_id=o["sentera_id"],
        content_hash=o["content_hash"],
        owner_type=owner["owner_type"],
        owner_id=owner["sentera_id"],
        filename=o["filename"],
        download_filename=o["download_filename"],
        file_type=o["file_type"],
        size=size,
        url=o["url"],
        updated_at=o["updated_at"],
    )
    texts = (f.sentera_id, f.content_hash, f.owner_type, f.owner_id, f.filename, f.file_type)
    if not all(type(t) is str for t in texts) or type(f.updated_at) is not str:
        raise Invalid
    if not all(v is None or type(v) is str for v in (f.download_filename, f.url)):
        raise Invalid
    return f


def parse_sync_files(data: dict[str, Any], response_bytes: int = 0) -> SyncPage[RemoteFile]:
    return parse._sync_page(data, "sync_files", build_file, FILE_SPEC, response_bytes)


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
    data, size = client._query("sync_files", variables, scope=scope, hashes=len(hashes))
    return parse_sync_files(data, size)
