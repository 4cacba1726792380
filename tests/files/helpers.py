"""Helpers for the imagery tests: pick mosaics, download reference bytes, run a pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.api.client import FieldAgentClient
from app.api.files import sync_files
from app.domain import CancelToken
from app.files.events import DownloadEvent, DownloadSummary, FileFinished
from app.files.fetch import Limits
from app.files.library import Library
from app.files.manager import DownloadManager, DownloadOptions
from app.simulator import Simulator

FAST = dict(base_delay=0.01, max_delay=0.05)


def survey_with_files(sim: Simulator, at_least: int = 2) -> tuple[str, list[str]]:
    """A survey and its AVAILABLE mosaics (the ones with a GeoTIFF)."""
    for survey in sim.dataset.survey_ids():
        ids = [
            m["sentera_id"]
            for m in sim.dataset.mosaics_of(survey)
            if m["image_status"] == "AVAILABLE"
        ]
        if len(ids) >= at_least:
            return survey, ids
    raise AssertionError("no survey with enough available mosaics")


def server_bytes(client: FieldAgentClient, mosaic_id: str) -> bytes:
    """The mosaic's current file, fetched whole with plain httpx: the reference."""
    page = sync_files(client, [mosaic_id], [])
    (item,) = page.upserted
    assert item.url is not None
    response = httpx.get(item.url, timeout=30)
    assert response.status_code == 200
    return response.content


@dataclass
class Events:
    seen: list[DownloadEvent] = field(default_factory=list)
    hook: Callable[[DownloadEvent], None] | None = None

    def __call__(self, event: DownloadEvent) -> None:
        self.seen.append(event)
        if self.hook is not None:
            self.hook(event)

    def finished(self) -> list[FileFinished]:
        return [e for e in self.seen if isinstance(e, FileFinished)]


def run_pass(
    library: Library,
    client: FieldAgentClient,
    *,
    quota: int = 10**9,
    events: Events | None = None,
    cancel: CancelToken | None = None,
    survey_id: str | None = None,
    **options: Any,
) -> DownloadSummary:
    settings: dict[str, Any] = {**FAST, **options}
    settings.setdefault("limits", Limits(stall_seconds=10))
    manager = DownloadManager(
        library=library, client=client, options=DownloadOptions(quota=quota, **settings)
    )
    try:
        return manager.run(survey_id=survey_id, cancel=cancel, on_event=events or Events())
    finally:
        manager.close()


def files_requests(sim: Simulator) -> list[Any]:
    return sim.request_log.for_query("files")


def library_files(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in root.iterdir()} if root.is_dir() else {}
