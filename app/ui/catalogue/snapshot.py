"""A read of the catalogue shaped for the tree: plain frozen data, built on any thread.

`load_catalogue(store)` does the store reads and turns them into `NodeData` (what one
tree row shows) nested organization → field → survey, plus the lookups the window needs
(which field a survey is in, names for labels). The tree model merges these snapshots in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from app.domain import Level, ScopeKind
from app.store import FieldRow, SyncState
from app.ui.common.formatting import counted, format_area, format_count, format_datetime

if TYPE_CHECKING:
    from app.store import Store


@dataclass(frozen=True, slots=True)
class NodeData:
    kind: ScopeKind
    sentera_id: str | None
    name: str
    count: int | None = None
    new_count: int = 0
    state: SyncState | None = None
    tooltip: str = ""
    count_tooltip: str = ""
    children: tuple[NodeData, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.kind.value, self.sentera_id)

    @property
    def display(self) -> tuple[object, ...]:
        return (self.name, self.count, self.new_count, self.state, self.tooltip, self.count_tooltip)


@dataclass(frozen=True, slots=True)
class CatalogueSnapshot:
    roots: tuple[NodeData, ...]
    field_of_survey: Mapping[str, str]
    organization_of_field: Mapping[str, str]
    names: Mapping[str, str]  # sentera_id -> name, every level
    total_mosaics: int | None  # None: not counted (the first frame's quick read)
    has_mosaics: bool

    @classmethod
    def empty(cls) -> CatalogueSnapshot:
        return cls((), {}, {}, {}, 0, False)


_STATE_TEXT = {
    SyncState.SYNCED: "Synced",
    SyncState.WITH_ERRORS: "Synced, but FieldAgent reported problems (see Details)",
    SyncState.PARTIAL: "The last sync did not finish; some items may be missing",
    SyncState.NEVER: "Never synced",
}


def _when(value: datetime | None) -> str:
    """Local short date and time (QLocale/QDateTime are QtCore: fine off the UI thread)."""
    return "" if value is None else format_datetime(value.isoformat())


def _counts(**counts: int) -> str:
    """ "3 fields · 14 surveys · 162 mosaics": what the count column (mosaics, at every
    level) adds up, said in full."""
    return " · ".join(counted(n, noun.rstrip("s")) for noun, n in counts.items())


def _field_labels(store: Store, rows: Sequence[FieldRow]) -> dict[str, str]:
    """Names for fields that share a name in one organization, told apart by what a
    grower would: the farm, else the grower, else the area ("Bottom Quarter (North
    farm)"). Unique names are left as they are."""
    groups: dict[tuple[str, str], list[FieldRow]] = {}
    for row in rows:
        groups.setdefault((row.organization_sentera_id, row.name.casefold()), []).append(row)
    clashes = [group for group in groups.values() if len(group) > 1]
    if not clashes:
        return {}
    areas: dict[str, str] = {}
    labels: dict[str, str] = {}
    for group in clashes:
        for attempt in ("farm", "grower", "both", "area", "id"):
            if attempt == "area" and not areas:
                areas = {
                    f.sentera_id: format_area(f.area_value, f.area_unit) for f in store.fields()
                }
            parts = [_telling(row, attempt, areas) for row in group]
            if all(parts) and len(set(parts)) == len(parts):
                break
        for row, part in zip(group, parts, strict=True):
            labels[row.sentera_id] = f"{row.name} ({part})" if part else row.name
    return labels


def _telling(row: FieldRow, attempt: str, areas: Mapping[str, str]) -> str:
    if attempt == "farm":
        return row.farm or ""
    if attempt == "grower":
        return row.grower or ""
    if attempt == "both":
        return ", ".join(p for p in (row.farm, row.grower) if p)
    if attempt == "area":
        return areas.get(row.sentera_id, "")
    return f"id …{row.sentera_id[-6:]}"


def load_catalogue(store: Store, *, counts: bool = True) -> CatalogueSnapshot:
    """The tree as stored now. `counts=False` is the first frame's quick read: names,
    nesting and sync states without mosaic counts (None), which a full read fills in."""
    organizations = store.organizations()
    field_rows = store.field_rows()
    survey_rows = store.survey_rows(counts=counts)
    org_states = {
        s.scope_id: s for s in store.scope_states() if s.level is Level.FIELDS and s.scope_id
    }
    surveys_by_field: dict[str, list[NodeData]] = {}
    field_of_survey: dict[str, str] = {}
    names: dict[str, str] = {}
    total = 0
    for s in survey_rows:
        total += s.mosaic_count
        field_of_survey[s.sentera_id] = s.field_sentera_id
        names[s.sentera_id] = s.name
        state_text = _STATE_TEXT[s.sync_state]
        if s.last_full_sync_at is not None:
            state_text += f"\nLast complete sync: {_when(s.last_full_sync_at)}"
        new = f", {format_count(s.new_mosaic_count)} new" if s.new_mosaic_count else ""
        surveys_by_field.setdefault(s.field_sentera_id, []).append(
            NodeData(
                ScopeKind.SURVEY,
                s.sentera_id,
                s.name,
                count=s.mosaic_count,
                new_count=s.new_mosaic_count,
                state=s.sync_state,
                tooltip=f"{s.name}\nMosaics: {state_text}",
                count_tooltip=counted(s.mosaic_count, "mosaic") + new,
            )
        )
    mosaics_of_field: dict[str, int] = {}
    for s in survey_rows:
        mosaics_of_field[s.field_sentera_id] = (
            mosaics_of_field.get(s.field_sentera_id, 0) + s.mosaic_count
        )
    labels = _field_labels(store, field_rows)
    fields_by_org: dict[str, list[NodeData]] = {}
    organization_of_field: dict[str, str] = {}
    surveys_of_org: dict[str, int] = {}
    for f in field_rows:
        organization_of_field[f.sentera_id] = f.organization_sentera_id
        names[f.sentera_id] = f.name
        children = tuple(surveys_by_field.get(f.sentera_id, ()))
        where = ", ".join(part for part in (f.farm, f.grower) if part)
        mosaic_count = mosaics_of_field.get(f.sentera_id, 0)
        surveys_of_org[f.organization_sentera_id] = (
            surveys_of_org.get(f.organization_sentera_id, 0) + f.survey_count
        )
        fields_by_org.setdefault(f.organization_sentera_id, []).append(
            NodeData(
                ScopeKind.FIELD,
                f.sentera_id,
                labels.get(f.sentera_id, f.name),
                count=mosaic_count,
                new_count=sum(c.new_count for c in children),
                state=f.sync_state,
                tooltip="\n".join(
                    line
                    for line in (f.name, where, f"Surveys: {_STATE_TEXT[f.sync_state]}")
                    if line
                ),
                count_tooltip=_counts(surveys=f.survey_count, mosaics=mosaic_count),
                children=children,
            )
        )
    roots: list[NodeData] = [
        NodeData(
            ScopeKind.ALL,
            None,
            "All mosaics",
            count=total,
            tooltip="Every mosaic stored on this computer",
            count_tooltip=counted(total, "mosaic"),
        )
    ]
    for org in organizations:
        names[org.sentera_id] = org.name
        children = tuple(fields_by_org.get(org.sentera_id, ()))
        state = org_states.get(org.sentera_id)
        if state is None:
            org_state = SyncState.NEVER
        elif not state.last_run_complete:
            org_state = SyncState.PARTIAL
        else:
            org_state = SyncState.SYNCED
        org_mosaics = sum(c.count or 0 for c in children)
        roots.append(
            NodeData(
                ScopeKind.ORGANIZATION,
                org.sentera_id,
                org.name,
                count=org_mosaics,
                new_count=sum(c.new_count for c in children),
                state=org_state,
                tooltip=f"{org.name}\nFields: {_STATE_TEXT[org_state]}",
                count_tooltip=_counts(
                    fields=len(children),
                    surveys=surveys_of_org.get(org.sentera_id, 0),
                    mosaics=org_mosaics,
                ),
                children=children,
            )
        )
    if not counts:
        return CatalogueSnapshot(
            tuple(_uncounted(node) for node in roots),
            field_of_survey,
            organization_of_field,
            names,
            None,
            store.has_mosaics(),
        )
    return CatalogueSnapshot(
        tuple(roots), field_of_survey, organization_of_field, names, total, total > 0
    )


def _uncounted(node: NodeData) -> NodeData:
    """`node` with its counts blank rather than a wrong 0 (until they are counted)."""
    children = tuple(_uncounted(child) for child in node.children)
    return replace(node, count=None, new_count=0, count_tooltip="", children=children)
