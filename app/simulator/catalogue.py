"""The simulated account's state and everything that reads it (snapshots, sync pages).

The server's event loop reads it while tests and live mode change it from other
threads, so every public method takes one re-entrant lock. Items are plain dicts shaped
like the GraphQL response (plus `__typename`) and are never mutated once stored: a change
stores a new dict, so a computed page can be serialised outside the lock.

Scopes: an organization's fields, a field's surveys, a survey's mosaics. A survey's
mosaics are built the first time anything touches that survey (see `generate`).

CHOICE: syncing a scope whose parent was deleted reports the scope's items as deleted
(the scope outlives its parent as tombstones); an id the server never knew is an error.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from app.simulator import ids
from app.simulator.config import SIZE_SPECS
from app.simulator.files import file_for_mosaic, mosaic_id_for
from app.simulator.generate import (
    EXAMPLE_SURVEY_ID,
    build_mosaics,
    example_tombstone,
    generate,
)
from app.simulator.rasterplan import RasterPlan, plan_for
from app.simulator.scopes import Item, PageOutcome, Scope, compute_page


class UnknownScope(LookupError):
    """A sync query named a parent the server never had."""

    def __init__(self, what: str, sentera_id: str) -> None:
        super().__init__(f"{what} {sentera_id} not found")
        self.what = what
        self.sentera_id = sentera_id


def export(item: Mapping[str, Any]) -> Item:
    """A caller's copy of an item in response shape; references reduced to their id."""
    out: Item = {}
    for key, value in item.items():
        if key == "__typename":
            continue
        if type(value) is dict:
            value = {"sentera_id": value["sentera_id"]} if "sentera_id" in value else dict(value)
        out[key] = value
    return out


class Catalogue:
    """State, lookups, snapshots and sync pages; `Dataset` adds the mutation API."""

    def __init__(self, *, seed: int = 1, size: str = "tiny", imagery_scale: float = 1.0) -> None:
        account = generate(seed, SIZE_SPECS[size])
        self._seed = seed
        self._size = size
        self._imagery_scale = imagery_scale
        self._plans_by_version: dict[tuple[str, str, str], RasterPlan] = {}
        self._giant: str | None = None
        self._account = account
        self._lock = threading.RLock()
        self.users: list[Item] = account.users
        self.demo_user: Item = account.users[0]
        self._users = {u["sentera_id"]: u for u in account.users}
        self._orgs: dict[str, Item] = {o["sentera_id"]: o for o in account.organizations}
        self._fields: dict[str, Scope] = {org_id: Scope() for org_id in self._orgs}
        self._surveys: dict[str, Scope] = {}
        self._mosaics: dict[str, Scope] = {}
        self._plans = dict(account.mosaic_plans)
        self._parent: dict[str, str] = {}
        self._gone: dict[str, Item] = {}
        self._failed: dict[str, list[Item]] = {}
        self._file_versions: dict[str, Item] = {}
        self._serial = dict(account.next_serial)
        self._rng = random.Random(f"runtime/{seed}")
        self._last_tick = datetime(2000, 1, 1, tzinfo=UTC)
        self.revision = 0  # bumped by every change; lets a watcher notice live changes
        for org_id, fields in account.fields.items():
            for fld in fields:
                self._store(self._fields[org_id], fld, org_id)
                self._surveys[fld["sentera_id"]] = Scope()
        for field_id, surveys in account.surveys.items():
            for survey in surveys:
                self._store(self._surveys[field_id], survey, field_id)

    # -- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[None]:
        with self._lock:
            yield
            self.revision += 1

    def _store(self, scope: Scope, item: Item, parent_id: str) -> None:
        scope.put(item)
        self._parent[item["sentera_id"]] = parent_id

    def _mosaic_scope(self, survey_id: str) -> Scope | None:
        scope = self._mosaics.get(survey_id)
        if scope is None and survey_id in self._plans:
            survey = self._surveys[self._parent[survey_id]].items[survey_id]
            built = build_mosaics(self._seed, self._account, survey, self._plans[survey_id])
            scope = self._install(survey_id, built)
        return scope

    def _install(self, survey_id: str, mosaics: list[Item]) -> Scope:
        scope = self._mosaics[survey_id] = Scope()
        for mosaic in mosaics:
            self._store(scope, mosaic, survey_id)
        if survey_id == EXAMPLE_SURVEY_ID:
            old = example_tombstone(survey_id)
            scope.tombstones[old["content_hash"]] = old
            self._gone[old["sentera_id"]] = old
        del self._plans[survey_id]
        return scope

    def prebuild(self, min_mosaics: int = 5_000) -> None:
        """Build the mosaics of very large surveys now rather than during a request,
        so no sync page pays for generating 20,000 mosaics."""
        with self._lock:
            for survey_id in [s for s, p in self._plans.items() if p.count >= min_mosaics]:
                self._mosaic_scope(survey_id)

    def _locate(self, sentera_id: str) -> tuple[Scope, Item]:
        """The scope holding a current field, survey or mosaic; KeyError if none does."""
        kind = sentera_id.split("_")[1] if sentera_id.count("_") > 1 else ""
        parent = self._parent.get(sentera_id)
        if parent is None and kind == ids.MOSAIC and self._plans:
            for survey_id in list(self._plans):  # an id from a survey not built yet
                self._mosaic_scope(survey_id)
            parent = self._parent.get(sentera_id)
        scopes = {ids.FIELD: self._fields, ids.SURVEY: self._surveys, ids.MOSAIC: self._mosaics}
        scope = scopes[kind].get(parent) if parent is not None and kind in scopes else None
        if scope is None or sentera_id not in scope.items:
            raise KeyError(f"no current item {sentera_id!r}")
        return scope, scope.items[sentera_id]

    def _descendants(self, org_id: str) -> list[str]:
        found = [org_id]
        for parent in found:  # grows while iterating: a breadth-first walk
            found.extend(
                o
                for o, org in self._orgs.items()
                if org["parent_organization_id"] == parent and o not in found
            )
        return found

    # -- snapshots (for tests and tools) -------------------------------------------------

    def get(self, sentera_id: str) -> Item | None:
        """The current version of any item, exported; None if it does not exist."""
        with self._lock:
            if sentera_id in self._orgs:
                return dict(self._orgs[sentera_id])
            try:
                return export(self._locate(sentera_id)[1])
            except KeyError:
                return None

    def organizations(self) -> list[Item]:
        with self._lock:
            return [dict(org) for org in self._orgs.values()]

    def fields_of(self, org_id: str, *, include_descendants: bool = False) -> list[Item]:
        with self._lock:
            org_ids = self._descendants(org_id) if include_descendants else [org_id]
            return [export(f) for o in org_ids for f in self._fields[o].items.values()]

    def surveys_of(self, field_id: str) -> list[Item]:
        with self._lock:
            return [export(s) for s in self._surveys[field_id].items.values()]

    def mosaics_of(self, survey_id: str) -> list[Item]:
        with self._lock:
            scope = self._mosaic_scope(survey_id)
            if scope is None:
                raise KeyError(f"no survey {survey_id!r}")
            return [export(m) for m in scope.items.values()]

    def field_ids(self) -> list[str]:
        with self._lock:
            return [f for scope in self._fields.values() for f in scope.items]

    def survey_ids(self) -> list[str]:
        with self._lock:
            return [s for scope in self._surveys.values() for s in scope.items]

    def mosaic_count(self, survey_id: str) -> int:
        """How many mosaics a survey holds, without building them."""
        with self._lock:
            if survey_id in self._plans:
                return self._plans[survey_id].count
            return len(self._mosaics[survey_id].items)

    def counts(self) -> dict[str, int]:
        """Current totals per kind."""
        with self._lock:
            surveys = [s for scope in self._surveys.values() for s in scope.items]
            return {
                "organizations": len(self._orgs),
                "fields": sum(len(scope.items) for scope in self._fields.values()),
                "surveys": len(surveys),
                "mosaics": sum(self.mosaic_count(s) for s in surveys),
            }

    # -- what the GraphQL resolvers read -------------------------------------------------

    def reference(self, sentera_id: str) -> Item | None:
        """The item a nested selection points at: current, else its last version."""
        with self._lock:
            if sentera_id in self._orgs:
                return self._orgs[sentera_id]
            if sentera_id in self._users:
                return self._users[sentera_id]
            try:
                return self._locate(sentera_id)[1]
            except KeyError:
                return self._gone.get(sentera_id)

    def organization_list(self) -> list[Item]:
        with self._lock:
            return list(self._orgs.values())

    def sync_fields(
        self,
        org_id: str,
        hashes: Iterable[str],
        cap: int,
        *,
        include_descendants: bool = False,
        stuck: bool = False,
    ) -> PageOutcome:
        with self._lock:
            if org_id not in self._orgs:
                raise UnknownScope("Organization", org_id)
            org_ids = self._descendants(org_id) if include_descendants else [org_id]
            page = compute_page([self._fields[o] for o in org_ids], hashes, cap, stuck=stuck)
            return self._with_failed(page, [org_id])

    def sync_surveys(
        self, field_id: str, hashes: Iterable[str], cap: int, *, stuck: bool = False
    ) -> PageOutcome:
        with self._lock:
            if field_id not in self._surveys:
                raise UnknownScope("Field", field_id)
            page = compute_page([self._surveys[field_id]], hashes, cap, stuck=stuck)
            return self._with_failed(page, [field_id])

    def sync_mosaics(
        self, survey_id: str, hashes: Iterable[str], cap: int, *, stuck: bool = False
    ) -> PageOutcome:
        with self._lock:
            scope = self._mosaic_scope(survey_id)
            if scope is None:
                raise UnknownScope("Survey", survey_id)
            page = compute_page([scope], hashes, cap, stuck=stuck)
            return self._with_failed(page, [survey_id])

    def _with_failed(self, page: PageOutcome, scope_ids: Sequence[str]) -> PageOutcome:
        found = [self._failed[s] for s in scope_ids if s in self._failed]
        if not found:
            return page
        failed = (page.failed or []) + [error for errors in found for error in errors]
        return PageOutcome(page.upserted, page.deleted, page.remaining_count, failed)

    # -- files ------------------------------------------------------------------------

    def giant_mosaic_id(self) -> str | None:
        """The mosaic of `large` whose GeoTIFF is 16,384 pixels square (None elsewhere):
        the example survey's first available RGB mosaic, else its documented one."""
        with self._lock:
            if self._size != "large":
                return None
            if self._giant is None:
                scope = self._mosaic_scope(EXAMPLE_SURVEY_ID)
                candidates = list(scope.items.values()) if scope is not None else []
                available = [m for m in candidates if m["image_status"] == "AVAILABLE"]
                rgb = [m for m in available if m["mosaic_type"] == "RGB"]
                self._giant = (rgb or available)[0]["sentera_id"] if available else ""
            return self._giant or None

    def _plan_of(self, mosaic: Item) -> RasterPlan:
        """The raster plan of a mosaic version over its field's current outline."""
        survey = self.reference(mosaic["survey"]["sentera_id"])
        assert survey is not None, "every mosaic's survey is known"
        field = self.reference(survey["field"]["sentera_id"])
        assert field is not None, "every survey's field is known"
        key = (mosaic["sentera_id"], mosaic["content_hash"], field["content_hash"])
        plan = self._plans_by_version.get(key)
        if plan is None:
            giant = mosaic["sentera_id"] == self.giant_mosaic_id()
            plan = plan_for(mosaic, field, size=self._size, scale=self._imagery_scale, giant=giant)
            self._plans_by_version[key] = plan
        return plan

    def raster_plan(self, mosaic_id: str) -> RasterPlan:
        """The plan of a current mosaic's GeoTIFF (no pixels drawn); KeyError if none."""
        with self._lock:
            return self._plan_of(self._locate(mosaic_id)[1])

    def _file_of(self, mosaic: Item) -> Item:
        item = file_for_mosaic(mosaic, self._plan_of(mosaic), ids.content_hash)
        self._file_versions[item["content_hash"]] = item  # a client may hold it from now on
        return item

    def files_of_mosaic(self, mosaic: Item) -> list[Item]:
        with self._lock:
            return [self._file_of(mosaic)]

    def file(self, file_id: str) -> Item | None:
        """The current File record behind a download link, if its mosaic still exists."""
        with self._lock:
            try:
                return self._file_of(self._locate(mosaic_id_for(file_id))[1])
            except (KeyError, ValueError, IndexError):
                return None

    def sync_files(
        self, owners: Sequence[Mapping[str, str]], hashes: Iterable[str], cap: int
    ) -> PageOutcome:
        """CHOICE: only MOSAIC owners have files here; other owner types have none."""
        with self._lock:
            current: dict[str, Item] = {}
            owner_ids: set[str] = set()
            failed: list[Item] = []
            for owner in owners:
                if owner["owner_type"] != "MOSAIC" or owner["sentera_id"] in owner_ids:
                    continue
                owner_ids.add(owner["sentera_id"])
                try:
                    mosaic = self._locate(owner["sentera_id"])[1]
                except KeyError:
                    if owner["sentera_id"] not in self._gone:
                        failed.append(_owner_not_found(owner["sentera_id"]))
                    continue
                item = self._file_of(mosaic)
                current[item["sentera_id"]] = item
            held = dict.fromkeys(hashes)
            changed = [f for f in current.values() if f["content_hash"] not in held]
            deleted = [
                old
                for h in held
                if (old := self._file_versions.get(h)) is not None
                and old["file_owner"]["sentera_id"] in owner_ids
                and old["sentera_id"] not in current
            ]
            page = PageOutcome(changed[:cap], deleted, max(0, len(changed) - cap), failed or None)
            return self._with_failed(page, sorted(owner_ids))


def _owner_not_found(sentera_id: str) -> Item:
    return {
        "code": "NOT_FOUND",
        "key": "owner_not_found",
        "reason": "not_found",
        "message": f"Mosaic {sentera_id} was not found.",
        "details": {"sentera_id": sentera_id},
    }
