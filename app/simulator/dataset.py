"""The mutation API of the simulated account, for tests and live mode.

Every change stores a new version of the item (the old one becomes a tombstone, see
`scopes`), bumps `updated_at` to a strictly increasing "now" so its content hash always
changes, and runs under the catalogue's lock. Deleting a field deletes its surveys and
their mosaics, leaving tombstones at each level so each scope reports its deletions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from app.simulator import ids
from app.simulator.catalogue import Catalogue
from app.simulator.geometry import bbox_of, boundary_fields, shape_of
from app.simulator.makers import make_field, make_mosaic, make_organization, make_survey
from app.simulator.scopes import Item, Scope

_FIXED_KEYS = frozenset({"__typename", "sentera_id", "content_hash"})
_PARENT_KEYS = {ids.FIELD: "organization", ids.SURVEY: "field", ids.MOSAIC: "survey"}
_SYNC_ERROR_KEYS = frozenset({"code", "details", "key", "message", "reason"})
_PLACEMENT_KEYS = frozenset({"latitude", "longitude", "area"})


class Dataset(Catalogue):
    """A simulated account that tests and live mode can change; thread-safe.

    Overrides and changes use the response's field names (`name=`, `image_status=`,
    `area={"value": 12.5, "unit": "ACRE"}`, `updated_by=<user id or None>`); an unknown
    name raises KeyError. Parents change only through `move_survey`.
    """

    def _next_serial(self, kind: str) -> int:
        serial = self._serial[kind]
        self._serial[kind] = serial + 1
        return serial

    def _tick(self) -> datetime:
        """Now, but strictly later than the previous change: every edit gets a new hash."""
        now = datetime.now(UTC).replace(microsecond=0)
        self._last_tick = max(now, self._last_tick + timedelta(seconds=1))
        return self._last_tick

    def _user(self, value: Any) -> Item | None:
        if value is None or isinstance(value, Mapping):
            return None if value is None else self._users.get(value["sentera_id"], dict(value))
        return self._users[value]

    def _edited(self, item: Item, changes: Mapping[str, Any], *, touch: bool) -> Item:
        """A new version of `item` with `changes`; unknown keys are a caller bug."""
        kind = item["sentera_id"].split("_")[1]
        allowed = set(item) - _FIXED_KEYS - {_PARENT_KEYS.get(kind, "")}
        unknown = set(changes) - allowed
        if unknown:
            raise KeyError(f"cannot set {sorted(unknown)} on {item['__typename']}")
        new = dict(item)
        new.update(changes)
        if kind == ids.FIELD:
            if "boundary" in changes:
                new["bbox"] = bbox_of(new["boundary"])
            elif _PLACEMENT_KEYS & set(changes):  # moved or resized: redraw the outline
                new.update(boundary_fields(new, shape=shape_of(item["boundary"])))
        for key in ("created_by", "updated_by"):
            if key in changes:
                new[key] = self._user(changes[key])
        if touch and "updated_at" not in changes:
            new["updated_at"] = ids.iso(self._tick())
            new["updated_by"] = new["updated_by"] or self.demo_user
        new["content_hash"] = ids.content_hash(new)
        return new

    def _fresh(self, item: Item, overrides: Mapping[str, Any]) -> Item:
        """A just-created item: updated when created, then the caller's overrides."""
        item["updated_at"], item["updated_by"] = item["created_at"], None
        return self._edited(item, overrides, touch=False)

    def _remove(self, scope: Scope, sentera_id: str) -> Item:
        old = scope.remove(sentera_id)
        self._gone[sentera_id] = old
        return old

    # -- organizations and fields -----------------------------------------------------

    def add_organization(
        self,
        *,
        name: str = "New Organization",
        parent_id: str | None = None,
        organization_type: str = "STANDARD",
        city: str | None = None,
    ) -> str:
        with self._changing():
            if parent_id is not None and parent_id not in self._orgs:
                raise KeyError(f"no organization {parent_id!r}")
            org = make_organization(
                self._account.ids,
                self._next_serial(ids.ORGANIZATION),
                name=name,
                parent=parent_id,
                organization_type=organization_type,
                city=city or "Fargo",
            )
            self._orgs[org["sentera_id"]] = org
            self._fields[org["sentera_id"]] = Scope()
            return str(org["sentera_id"])

    def add_field(self, org_id: str, **overrides: Any) -> str:
        with self._changing():
            if org_id not in self._orgs:
                raise KeyError(f"no organization {org_id!r}")
            item = make_field(
                self._rng,
                self._account.ids,
                self._next_serial(ids.FIELD),
                org_id=org_id,
                created=self._tick(),
                user=self.demo_user,
            )
            item = self._fresh(item, overrides)
            self._store(self._fields[org_id], item, org_id)
            self._surveys[item["sentera_id"]] = Scope()
            return str(item["sentera_id"])

    def update_field(self, field_id: str, **changes: Any) -> str:
        return self._update(field_id, changes)

    def delete_field(self, field_id: str) -> None:
        """Delete a field, its surveys and their mosaics, leaving tombstones at each level."""
        with self._changing():
            scope, _ = self._locate(field_id)
            self._remove(scope, field_id)
            surveys = self._surveys[field_id]
            for survey_id in list(surveys.items):
                self._delete_survey_in(surveys, survey_id)

    # -- surveys ------------------------------------------------------------------------

    def add_survey(self, field_id: str, *, mosaics: int = 0, **overrides: Any) -> str:
        with self._changing():
            self._locate(field_id)
            now = self._tick()
            item = make_survey(
                self._rng,
                self._account.ids,
                self._next_serial(ids.SURVEY),
                field_id=field_id,
                start=now - timedelta(hours=4),
                user=self.demo_user,
            )
            item = self._fresh(item, overrides)
            self._store(self._surveys[field_id], item, field_id)
            self._mosaics[item["sentera_id"]] = Scope()
            if mosaics:
                self.add_mosaics(item["sentera_id"], mosaics)
            return str(item["sentera_id"])

    def update_survey(self, survey_id: str, **changes: Any) -> str:
        return self._update(survey_id, changes)

    def delete_survey(self, survey_id: str) -> None:
        with self._changing():
            scope, _ = self._locate(survey_id)
            self._delete_survey_in(scope, survey_id)

    def _delete_survey_in(self, scope: Scope, survey_id: str) -> None:
        mosaics = self._mosaic_scope(survey_id)  # built from the survey, so first
        assert mosaics is not None
        self._remove(scope, survey_id)
        for mosaic_id in list(mosaics.items):
            self._remove(mosaics, mosaic_id)

    def move_survey(self, survey_id: str, new_field_id: str) -> str:
        """Move a survey to another field: deleted from the old scope, new in the other."""
        with self._changing():
            scope, old = self._locate(survey_id)
            self._locate(new_field_id)
            self._mosaic_scope(survey_id)  # build its mosaics while they still belong here
            scope.remove(survey_id)
            moved = dict(old, field={"sentera_id": new_field_id})
            moved = self._edited(moved, {}, touch=True)
            self._store(self._surveys[new_field_id], moved, new_field_id)
            return str(moved["content_hash"])

    # -- mosaics ------------------------------------------------------------------------

    def add_mosaic(self, survey_id: str, **overrides: Any) -> str:
        return self.add_mosaics(survey_id, 1, **overrides)[0]

    def add_mosaics(self, survey_id: str, count: int, **overrides: Any) -> list[str]:
        """Add `count` mosaics at once (a quick way to build a multi-page survey)."""
        with self._changing():
            survey = self._locate(survey_id)[1]
            scope = self._mosaic_scope(survey_id)
            assert scope is not None
            created = self._tick()
            made = []
            for _ in range(count):
                item = make_mosaic(
                    self._rng,
                    self._account.ids,
                    self._next_serial(ids.MOSAIC),
                    survey=survey,
                    user=self.demo_user,
                    created=created,
                )
                item = self._fresh(item, overrides)
                self._store(scope, item, survey_id)
                made.append(str(item["sentera_id"]))
            return made

    def update_mosaic(self, mosaic_id: str, **changes: Any) -> str:
        return self._update(mosaic_id, changes)

    def delete_mosaic(self, mosaic_id: str) -> None:
        with self._changing():
            scope, _ = self._locate(mosaic_id)
            self._remove(scope, mosaic_id)

    def _update(self, sentera_id: str, changes: Mapping[str, Any]) -> str:
        """Store a new version; returns its content hash."""
        with self._changing():
            scope, old = self._locate(sentera_id)
            new = self._edited(old, changes, touch=True)
            scope.put(new)
            return str(new["content_hash"])

    # -- sync errors ----------------------------------------------------------------------

    def set_failed(self, scope_id: str, errors: Iterable[Mapping[str, Any]] | None) -> None:
        """Make every sync of `scope_id` (a parent id) report these SyncErrors.

        Each error needs `key` and `message` (`code`, `reason`, `details` optional).
        `[]` makes the scope answer `failed: []`; `None` restores `failed: null`.
        """
        with self._changing():
            if errors is None:
                self._failed.pop(scope_id, None)
                return
            stored = []
            for error in errors:
                if not {"key", "message"} <= set(error) <= _SYNC_ERROR_KEYS:
                    raise KeyError(f"a SyncError needs key and message, has {sorted(error)}")
                stored.append(dict.fromkeys(_SYNC_ERROR_KEYS) | dict(error))
            self._failed[scope_id] = stored
