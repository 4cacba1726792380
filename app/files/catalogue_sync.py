"""Keep the file catalogue of the pinned mosaics in step with the server.

The same protocol as every other level: per batch of owners, send the hashes of every
file held for them, apply the page in one transaction, ask again until
`remaining_count` is 0. Bytes a page made stale (a deleted file, a new version) are
removed after its commit. Only a loop that ended at zero confirms the batch's rows as
describing the mosaics' current content.

`fresh_links` asks for the download links of files already in the catalogue: an empty
hash set makes the server list them all again, with links valid for the next hour;
nothing is written (links are never stored).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.api.client import FieldAgentClient
from app.api.files import OWNERS_CAP, sync_files
from app.domain import CancelToken
from app.domain_files import RemoteFile
from app.files.library import Library

log = logging.getLogger(__name__)

MAX_PAGES = 10_000  # a server that never converges must not keep us here forever


@dataclass(slots=True)
class CatalogueResult:
    changed: set[str] = field(default_factory=set)  # mosaic ids whose file row changed
    complete: bool = True
    links: dict[str, tuple[RemoteFile, float]] = field(default_factory=dict)


def _batches(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + OWNERS_CAP] for i in range(0, len(ids), OWNERS_CAP)]


def sync_catalogue(
    client: FieldAgentClient,
    library: Library,
    mosaic_ids: Sequence[str],
    *,
    cancel: CancelToken,
    clock: Callable[[], float] = time.monotonic,
) -> CatalogueResult:
    store = library.store
    result = CatalogueResult()
    for batch in _batches(mosaic_ids):
        converged = False
        for _ in range(MAX_PAGES):
            if cancel.cancelled:
                result.complete = False
                return result
            page = sync_files(client, batch, store.file_hashes(batch).values())
            applied = store.apply_file_page(page)
            library.remove_bytes(applied.stale_names)
            result.changed |= applied.inserted | applied.changed | applied.deleted
            fetched = clock()
            for item in page.upserted:
                result.links[item.owner_id] = (item, fetched)
            if page.failed:
                log.warning("sync_files reported %d failed entries", len(page.failed))
            if page.remaining_count == 0:
                converged = True
                break
            if not page.upserted and not page.deleted:
                break  # the server claims more but sends nothing: do not spin
        if converged:
            store.confirm_files(batch)
        else:
            result.complete = False
    return result


def fresh_links(
    client: FieldAgentClient,
    mosaic_ids: Sequence[str],
    *,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, tuple[RemoteFile, float]]:
    """mosaic id → (its File with a fresh link, when fetched); writes nothing."""
    links: dict[str, tuple[RemoteFile, float]] = {}
    for batch in _batches(mosaic_ids):
        held: list[str] = []
        for _ in range(MAX_PAGES):
            page = sync_files(client, batch, held)
            fetched = clock()
            for item in page.upserted:
                links[item.owner_id] = (item, fetched)
                held.append(item.content_hash)
            if page.remaining_count == 0 or not page.upserted:
                break
    return links
