"""One download pass with the settings of the moment: what the window's worker runs.

`PassFactory` is the download side's `EngineFactory`: the window keeps one, the
session's account decides the client factory (None when signed out), the Storage
settings decide the folder and the budget, and each pass builds its own API client and
manager on the worker's thread and closes them when it ends. `limiter_factory` (given
by the window, which may build the sync's adaptive limiter) makes each pass's download
limiter with `concurrency` as its maximum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.files.library import Library

if TYPE_CHECKING:
    from app.domain import CancelToken
    from app.files.events import DownloadEvent, DownloadSummary
    from app.files.pacing import RequestLimiter
    from app.store.store import Store


@dataclass(slots=True)
class PassFactory:
    store: Store
    library_root: Path
    quota: int
    client_factory: Callable[[], Any] | None = None  # -> FieldAgentClient
    concurrency: int = 4  # with a limiter: the most downloads in flight
    limiter_factory: Callable[[int], RequestLimiter] | None = None

    @property
    def library(self) -> Library:
        return Library(self.store, self.library_root)

    def run(
        self,
        *,
        survey_id: str | None,
        cancel: CancelToken,
        on_event: Callable[[DownloadEvent], None],
    ) -> DownloadSummary:
        if self.client_factory is None:
            raise RuntimeError("downloads started without an account")
        # Imported here, on the worker's thread: the manager brings the HTTP stack, which
        # the window's first frame does not need (the window imports this module).
        from app.files.manager import DownloadManager, DownloadOptions

        options = DownloadOptions(quota=self.quota, concurrency=self.concurrency)
        limiter = self.limiter_factory(self.concurrency) if self.limiter_factory else None
        with self.client_factory() as client:
            manager = DownloadManager(
                library=self.library, client=client, options=options, limiter=limiter
            )
            try:
                return manager.run(survey_id=survey_id, cancel=cancel, on_event=on_event)
            finally:
                manager.close()
