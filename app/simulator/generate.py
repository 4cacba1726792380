"""A realistic FieldAgent account, generated deterministically from (seed, size).

Organizations, users, fields and surveys are built up front (a few thousand small
records at most). Mosaics are only *planned* up front (how many per survey and their
serial numbers) and built the first time their survey is read, from a random generator
seeded by the survey: `large` holds 100,000 mosaics yet starts in well under a second,
and the result never depends on the order in which surveys are read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.simulator import ids
from app.simulator.config import SizeSpec
from app.simulator.makers import (
    FIRST_NAMES,
    Item,
    finish,
    make_field,
    make_mosaic,
    make_organization,
    make_survey,
    make_user,
)

_ROOT_NAMES = ["Prairie Agronomy", "Heartland Crop Consulting", "Red River Ag", "Northstar Agro"]
_CHILD_SUFFIXES = ["North", "South", "Research Plots", "West", "Seed Trials"]
_FAMILY_NAMES = ["Anderson", "Larson", "Olson", "Meyer", "Becker"]
_CITIES = ["Ames", "Brookings", "Mankato", "Grand Forks"]

# The survey of the sync_mosaics example in Sentera's docs. Every account holds it (as
# the first survey of the root organization's first field) so the documented example
# query runs unchanged: its first mosaic is the documented one, and one mosaic of the
# documented hash list was deleted, so the answer has the documented shape.
EXAMPLE_SURVEY_ID = "itqkn28_CO_SHORT1_CV_test_dc0d87d_170907_235328"
_EXAMPLE_USER = {
    "sentera_id": "w7agap3_US_ljkuAcme_CV_deve_12421c42d_211221_133838",
    "first_name": "Example",
    "last_name": "User",
    "email": None,
}


@dataclass(frozen=True, slots=True)
class MosaicPlan:
    count: int
    first_serial: int


@dataclass(slots=True)
class Account:
    """The generated starting state; the dataset takes ownership of it."""

    ids: ids.IdFactory
    users: list[Item]
    organizations: list[Item]
    fields: dict[str, list[Item]]  # organization id -> its fields
    surveys: dict[str, list[Item]]  # field id -> its surveys
    mosaic_plans: dict[str, MosaicPlan]  # survey id -> planned mosaics
    next_serial: dict[str, int] = field(default_factory=dict)


def survey_start(rng: random.Random) -> datetime:
    """A flight during a Midwest growing season, in daylight (UTC)."""
    day = datetime(rng.randint(2021, 2024), 5, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 150))
    return day + timedelta(hours=rng.randint(14, 21), seconds=rng.randint(0, 3_599))


def build_mosaics(seed: int, account: Account, survey: Item, plan: MosaicPlan) -> list[Item]:
    """The planned mosaics of one survey; the same for a seed whatever the call order."""
    rng = random.Random(f"{seed}/mosaics/{plan.first_serial}")
    flown = ids.parse_iso(survey["start_time"])
    made = [
        make_mosaic(rng, account.ids, plan.first_serial + i, survey=survey,
                    user=rng.choice(account.users), flown=flown)
        for i in range(plan.count)
    ]  # fmt: skip
    if survey["sentera_id"] == EXAMPLE_SURVEY_ID and made:
        made[0] = finish(_example_mosaic(survey["sentera_id"]))
    return made


def _example_mosaic(survey_id: str) -> Item:
    return {
        "__typename": "Mosaic",
        "sentera_id": "84mj0xz_MO_ljkuAcme_CV_deve_12421c42d_211221_133840",
        "created_at": "2021-12-21T19:38:40Z",
        "created_by": _EXAMPLE_USER,
        "updated_at": "2021-12-21T23:38:12Z",
        "updated_by": None,
        "name": "Example",
        "mosaic_type": "WEED_DETECTION",
        "quality": "FULL",
        "image_status": "AVAILABLE",
        "area": {"value": 100.0, "unit": "ACRE"},
        "captured_at": "2021-12-16T21:23:53Z",
        "images": {"total_count": 10},
        "is_from_sentera_sensor": True,
        "message": "Example message",
        "released": True,
        "survey": {"sentera_id": survey_id},
    }


def example_tombstone(survey_id: str) -> Item:
    """A mosaic deleted before the simulator's history began. Its hash is the first of
    the documented example's list, so it is pinned rather than computed."""
    return dict(
        _example_mosaic(survey_id),
        name="Example (deleted)",
        sentera_id="wivyzrk_MO_ljkuAcme_CV_deve_12421c42d_211221_133840",
        content_hash="xdNDk/aet07YA1pi",
    )


def _adopt_example_survey(account: Account) -> None:
    root_fields = account.fields[account.organizations[0]["sentera_id"]]
    surveys = account.surveys[root_fields[0]["sentera_id"]]
    old_id = surveys[0]["sentera_id"]
    surveys[0] = finish(dict(surveys[0], sentera_id=EXAMPLE_SURVEY_ID))
    account.mosaic_plans[EXAMPLE_SURVEY_ID] = account.mosaic_plans.pop(old_id)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` spread over `parts` buckets of at least 1, unevenly but deterministically."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.3, 1.7) for _ in range(parts)]
    spare = max(0, total - parts)
    counts = [1 + int(spare * w / sum(weights)) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts


def _organizations(rng: random.Random, factory: ids.IdFactory, count: int) -> list[Item]:
    """A root, children (and a grandchild), and from 4 up a partner organization."""
    root_name = rng.choice(_ROOT_NAMES)
    orgs = [make_organization(factory, 0, name=root_name, parent=None,
                              organization_type="ENTERPRISE", city="Fargo")]  # fmt: skip
    for i in range(1, count):
        orgs.append(make_organization(
            factory, i, name=f"{root_name} {_CHILD_SUFFIXES[(i - 1) % len(_CHILD_SUFFIXES)]}",
            parent=orgs[0 if i < 3 else 1]["sentera_id"], organization_type="STANDARD",
            city=rng.choice(_CITIES),
        ))  # fmt: skip
    if count >= 4:  # shared with the user by another account: no parent
        orgs[-1].update(name="Valley Co-op (partner)", parent_organization_id=None,
                        organization_type="PARTNER")  # fmt: skip
    return orgs


def generate(seed: int, spec: SizeSpec) -> Account:
    rng = random.Random(f"account/{seed}")
    factory = ids.IdFactory(seed, rng.choice(["Acme", "Prairie", "North"]))
    users = [make_user(factory, i, rng.choice(FIRST_NAMES), rng.choice(_FAMILY_NAMES))
             for i in range(4)]  # fmt: skip
    users[0].update(first_name="Demo", last_name="Agronomist", email="demo@fielddesk.example")
    orgs = _organizations(rng, factory, spec.organizations)
    account = Account(factory, users, orgs, fields={}, surveys={}, mosaic_plans={})
    all_fields: list[Item] = []
    for org, count in zip(orgs, _split(rng, spec.fields, len(orgs)), strict=True):
        for _ in range(count):
            created = datetime(2020, 3, 2, 16, 0, tzinfo=UTC) + timedelta(
                days=rng.randint(0, 400), seconds=rng.randint(0, 86_399))  # fmt: skip
            made = make_field(rng, factory, len(all_fields), org_id=org["sentera_id"],
                              created=created, user=rng.choice(users))  # fmt: skip
            account.fields.setdefault(org["sentera_id"], []).append(made)
            all_fields.append(made)
    mosaic_counts = _split(rng, spec.mosaics, spec.surveys)
    big_index = rng.randrange(spec.surveys) if spec.big_survey_mosaics else -1
    index = serial = 0
    for fld, count in zip(all_fields, _split(rng, spec.surveys, len(all_fields)), strict=True):
        surveys = account.surveys.setdefault(fld["sentera_id"], [])
        for _ in range(count):
            big = index == big_index
            survey = make_survey(
                rng, factory, index, field_id=fld["sentera_id"], start=survey_start(rng),
                user=rng.choice(users), name="2023-07-14 Research plots, hourly" if big else None,
            )  # fmt: skip
            mosaics = mosaic_counts[index] + (spec.big_survey_mosaics if big else 0)
            surveys.append(survey)
            account.mosaic_plans[survey["sentera_id"]] = MosaicPlan(mosaics, serial)
            serial += mosaics
            index += 1
    _adopt_example_survey(account)
    account.next_serial = {ids.ORGANIZATION: len(orgs), ids.FIELD: len(all_fields),
                           ids.SURVEY: index, ids.MOSAIC: serial, ids.USER: len(users)}  # fmt: skip
    return account
