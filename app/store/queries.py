"""What the mosaic list asks the store for, and the SQL that answers it.

The list keeps only ids and loads rows lazily (`mosaics_by_id`), so a query returns
sentera_ids in display order. Sorting by captured_at, name or updated_at within a survey
walks an index (`survey_id, column`, with the rowid as the tie-break the index already
holds), so even a survey of 100,000 mosaics comes back without a sort step.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true

from app.domain import Scope, ScopeKind
from app.store.models import fields, mosaics, organizations, surveys
from app.store.mosaic_query import MosaicQuery, MosaicSort
from app.units import SQUARE_METRES


def survey_ids_in_scope(scope: Scope) -> ColumnElement[bool]:
    """A condition on `mosaics.survey_id` selecting the surveys inside `scope`."""
    if scope.kind is ScopeKind.ALL:
        return true()
    if scope.kind is ScopeKind.SURVEY:
        one = select(surveys.c.id).where(surveys.c.sentera_id == scope.sentera_id)
        return mosaics.c.survey_id == one.scalar_subquery()
    in_fields = select(surveys.c.id).join(fields, surveys.c.field_id == fields.c.id)
    if scope.kind is ScopeKind.FIELD:
        return mosaics.c.survey_id.in_(in_fields.where(fields.c.sentera_id == scope.sentera_id))
    in_org = in_fields.join(organizations, fields.c.organization_id == organizations.c.id)
    return mosaics.c.survey_id.in_(in_org.where(organizations.c.sentera_id == scope.sentera_id))


def mosaic_ids_statement(query: MosaicQuery) -> Select[str]:
    conditions: list[ColumnElement[bool]] = []
    if query.scope is not None:
        conditions.append(survey_ids_in_scope(query.scope))
    if query.text.strip():
        pattern = "%" + _escape_like(query.text.strip()) + "%"
        conditions.append(
            or_(
                mosaics.c.name.like(pattern, escape="\\"),
                mosaics.c.message.like(pattern, escape="\\"),
            )
        )
    if query.mosaic_types:
        conditions.append(mosaics.c.mosaic_type.in_(sorted(query.mosaic_types)))
    if query.qualities:
        conditions.append(mosaics.c.quality.in_(sorted(query.qualities)))
    if query.captured_from:
        conditions.append(mosaics.c.captured_at >= query.captured_from)
    if query.captured_to:
        # Every text starting with the prefix sorts below prefix + DEL.
        conditions.append(mosaics.c.captured_at < query.captured_to + "\x7f")
    if query.only_new:
        conditions.append(mosaics.c.viewed_at.is_(None))
    column = _true_area() if query.sort is MosaicSort.AREA else mosaics.c[query.sort.value]
    order = (column.desc(), mosaics.c.id.desc()) if query.descending else (column, mosaics.c.id)
    return select(mosaics.c.sentera_id).where(and_(true(), *conditions)).order_by(*order)


def _true_area() -> ColumnElement[float]:
    """The area in m²: FieldAgent sends each in its own unit, and 1 ha > 2 ac."""
    unit = func.upper(mosaics.c.area_unit)
    factor = case(*((unit == name, value) for name, value in SQUARE_METRES.items()), else_=1.0)
    return mosaics.c.area_value * factor


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
