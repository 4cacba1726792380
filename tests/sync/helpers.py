"""Shared helpers for the sync tests: build an engine on a real store against a running
simulator, and compare the local catalogue with the server's, field for field."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.api.auth import StaticTokenProvider, TokenProvider
from app.api.client import FieldAgentClient
from app.domain import ChangeSet, Scope
from app.simulator import Simulator
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.events import CancelToken, Progress, RunSummary
from app.sync.retry import RetryPolicy

# Fast retries keep fault tests short; the policy's shape is what is under test.
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_total_delay=2.0)


@dataclass
class Recorder:
    """Collects engine events and the threads they arrived on."""

    progress: list[Progress] = field(default_factory=list)
    changes: list[ChangeSet] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)
    hook: Callable[[Progress | ChangeSet], None] | None = None

    def __call__(self, event: Progress | ChangeSet) -> None:
        self.threads.add(threading.get_ident())
        if isinstance(event, Progress):
            self.progress.append(event)
        else:
            self.changes.append(event)
        if self.hook is not None:
            self.hook(event)


def engine_for(
    store: Store,
    sim: Simulator,
    *,
    tokens: TokenProvider | None = None,
    concurrency: int = 4,
    retry: RetryPolicy = FAST_RETRY,
) -> SyncEngine:
    provider = tokens or StaticTokenProvider(sim.demo_token)
    return SyncEngine(
        store=store,
        client_factory=lambda: FieldAgentClient(sim.graphql_url, provider),
        concurrency=concurrency,
        retry=retry,
    )


def sync(
    store: Store,
    sim: Simulator,
    scope: Scope | None = None,
    *,
    recorder: Recorder | None = None,
    cancel: CancelToken | None = None,
    **engine_options: Any,
) -> RunSummary:
    engine = engine_for(store, sim, **engine_options)
    return engine.run(
        scope or Scope.everything(),
        cancel=cancel or CancelToken(),
        on_event=recorder if recorder is not None else (lambda event: None),
    )


def _area(item: dict[str, Any]) -> tuple[Any, Any]:
    area = item.get("area") or {}
    return (area.get("value"), area.get("unit"))


def _ref(item: dict[str, Any], key: str) -> Any:
    value = item.get(key)
    return value["sentera_id"] if value else None


def server_catalogue(sim: Simulator) -> dict[str, dict[str, tuple[Any, ...]]]:
    """The server's account, flattened the way the store keeps it."""
    data = sim.dataset
    out: dict[str, dict[str, tuple[Any, ...]]] = {
        "organizations": {},
        "fields": {},
        "surveys": {},
        "mosaics": {},
    }
    for org in data.organizations():
        out["organizations"][org["sentera_id"]] = (
            org["name"],
            org["organization_type"],
            org.get("parent_organization_id"),
        )
        for f in data.fields_of(org["sentera_id"]):
            out["fields"][f["sentera_id"]] = (
                f["content_hash"],
                org["sentera_id"],
                f["name"],
                f["latitude"],
                f["longitude"],
                *_area(f),
            )
            for s in data.surveys_of(f["sentera_id"]):
                out["surveys"][s["sentera_id"]] = (
                    s["content_hash"],
                    f["sentera_id"],
                    s["name"],
                    s["color"],
                    s["start_time"],
                    s["end_time"],
                )
                for m in data.mosaics_of(s["sentera_id"]):
                    out["mosaics"][m["sentera_id"]] = (
                        m["content_hash"],
                        s["sentera_id"],
                        m["name"],
                        m["mosaic_type"],
                        m["quality"],
                        m["image_status"],
                        *_area(m),
                        m["captured_at"],
                        m["images"]["total_count"],
                        m["is_from_sentera_sensor"],
                        m["released"],
                        m["message"],
                        m["created_at"],
                        _ref(m, "created_by"),
                        m["updated_at"],
                        _ref(m, "updated_by"),
                    )
    return out


def local_catalogue(store: Store) -> dict[str, dict[str, tuple[Any, ...]]]:
    """The store's copy, in the same shape as `server_catalogue`."""
    from app.store import MosaicQuery

    out: dict[str, dict[str, tuple[Any, ...]]] = {
        "organizations": {
            o.sentera_id: (o.name, o.organization_type, o.parent_organization_id)
            for o in store.organizations()
        },
        "fields": {
            f.sentera_id: (
                f.content_hash,
                f.organization_sentera_id,
                f.name,
                f.latitude,
                f.longitude,
                f.area_value,
                f.area_unit,
            )
            for f in store.fields()
        },
        "surveys": {
            s.sentera_id: (
                s.content_hash,
                s.field_sentera_id,
                s.name,
                s.color,
                s.start_time,
                s.end_time,
            )
            for s in store.surveys()
        },
        "mosaics": {},
    }
    for m in store.mosaics_by_id(store.mosaic_ids(MosaicQuery())):
        out["mosaics"][m.sentera_id] = (
            m.content_hash,
            m.survey_sentera_id,
            m.name,
            m.mosaic_type,
            m.quality,
            m.image_status,
            m.area_value,
            m.area_unit,
            m.captured_at,
            m.image_count,
            m.is_from_sentera_sensor,
            m.released,
            m.message,
            m.created_at,
            m.created_by,
            m.updated_at,
            m.updated_by,
        )
    return out


def assert_matches_server(store: Store, sim: Simulator) -> None:
    local, server = local_catalogue(store), server_catalogue(sim)
    for level in server:
        missing = server[level].keys() - local[level].keys()
        extra = local[level].keys() - server[level].keys()
        assert not missing and not extra, f"{level}: missing {missing}, extra {extra}"
        for sid, values in server[level].items():
            assert local[level][sid] == values, f"{level} {sid} differs"
