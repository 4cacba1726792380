"""What the demo keeps offline, so a new user sees real imagery on the map at once.

Only `--demo` uses it (see `app.ui.application`): a real account's imagery is never
downloaded unless the user asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain import Scope, ScopeKind
from app.domain_files import Pin, PinKind
from app.store import MosaicQuery

if TYPE_CHECKING:
    from app.store import Store

DEMO_QUALITY = "FULL"  # the demo shows real mosaics, not their previews


def recent_survey_pins(store: Store, count: int = 2) -> list[Pin]:
    """Pins for the first organization's `count` newest surveys with full-quality imagery.

    "First" is the tree's order (by name). Surveys without an available full-quality
    mosaic are passed over: pinning them would download nothing to look at.
    """
    organizations = store.organizations()
    if not organizations:
        return []
    org_id = organizations[0].sentera_id
    surveys = [s for f in store.fields(org_id) for s in store.surveys(f.sentera_id)]
    surveys.sort(key=lambda s: (s.start_time, s.sentera_id), reverse=True)
    pins: list[Pin] = []
    for survey in surveys:
        query = MosaicQuery(
            scope=Scope(ScopeKind.SURVEY, survey.sentera_id), qualities=frozenset({DEMO_QUALITY})
        )
        mosaics = store.mosaics_by_id(store.mosaic_ids(query))
        if any(m.image_status == "AVAILABLE" for m in mosaics):
            pins.append(Pin(PinKind.SURVEY, survey.sentera_id, quality=DEMO_QUALITY))
            if len(pins) == count:
                break
    return pins
