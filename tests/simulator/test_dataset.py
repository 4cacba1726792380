"""The generated account and the mutation API, without HTTP."""

from __future__ import annotations

import base64
import re

import pytest

from app.simulator.config import SimulatorConfig
from app.simulator.dataset import Dataset
from app.simulator.generate import EXAMPLE_SURVEY_ID
from app.simulator.live import live_step

SENTERA_ID = re.compile(r"^[0-9a-z]{7}_(OR|AS|CO|MO|US)_[A-Za-z0-9_]+_\d{6}_\d{6}$")


def _all_items(data: Dataset) -> list[dict[str, object]]:
    fields = [f for o in data.organizations() for f in data.fields_of(o["sentera_id"])]
    surveys = [s for f in fields for s in data.surveys_of(str(f["sentera_id"]))]
    mosaics = [m for s in surveys for m in data.mosaics_of(str(s["sentera_id"]))]
    return fields + surveys + mosaics


def test_same_seed_same_account_other_seed_other_account() -> None:
    one, two, other = Dataset(seed=5), Dataset(seed=5), Dataset(seed=6)
    assert _all_items(one) == _all_items(two)
    shared = {i["content_hash"] for i in _all_items(one)} & {
        i["content_hash"] for i in _all_items(other)
    }
    assert [i["name"] for i in _all_items(one) if i["content_hash"] in shared] == ["Example"]


def test_mosaics_do_not_depend_on_the_order_surveys_are_read() -> None:
    forward, backward = Dataset(seed=2), Dataset(seed=2)
    ids = forward.survey_ids()
    first = {s: forward.mosaics_of(s) for s in ids}
    second = {s: backward.mosaics_of(s) for s in reversed(ids)}
    assert first == second


def test_hashes_are_16_character_standard_base64() -> None:
    hashes = [str(i["content_hash"]) for i in _all_items(Dataset(seed=1, size="demo"))]
    assert len(set(hashes)) == len(hashes)
    for content_hash in hashes:
        assert len(content_hash) == 16
        assert len(base64.b64decode(content_hash, validate=True)) == 12
    joined = "".join(hashes)
    assert "/" in joined and "+" in joined


def test_ids_look_like_fieldagent_ids() -> None:
    data = Dataset(seed=1)
    items = [*data.organizations(), *_all_items(data), *data.users]
    ids = [str(i["sentera_id"]) for i in items]
    assert len(set(ids)) == len(ids)
    documented = {EXAMPLE_SURVEY_ID, "84mj0xz_MO_ljkuAcme_CV_deve_12421c42d_211221_133840"}
    for sentera_id in set(ids) - documented:
        assert SENTERA_ID.match(sentera_id), sentera_id


@pytest.mark.parametrize(
    ("size", "expected"),
    [("tiny", (2, 4, 10, 60)), ("demo", (4, 40, 400, 4_000)), ("large", (6, 200, 2_000, 100_500))],
)
def test_sizes(size: str, expected: tuple[int, int, int, int]) -> None:
    data = Dataset(seed=1, size=size)
    counts = data.counts()
    assert (
        counts["organizations"],
        counts["fields"],
        counts["surveys"],
        counts["mosaics"],
    ) == expected
    orgs = data.organizations()
    assert any(o["parent_organization_id"] for o in orgs)
    if size == "large":
        assert max(data.mosaic_count(s) for s in data.survey_ids()) > 20_000


def test_changes_always_give_a_new_hash_and_keep_the_position() -> None:
    data = Dataset(seed=1)
    survey = data.survey_ids()[0]
    before = data.mosaics_of(survey)
    target = str(before[2]["sentera_id"])

    hashes = {data.update_mosaic(target) for _ in range(3)}  # touches only
    after = data.mosaics_of(survey)

    assert len(hashes) == 3 and before[2]["content_hash"] not in hashes
    assert [m["sentera_id"] for m in after] == [m["sentera_id"] for m in before]


def test_mutation_api_rejects_unknown_names_and_ids() -> None:
    data = Dataset(seed=1)
    mosaic = str(data.mosaics_of(data.survey_ids()[0])[0]["sentera_id"])
    with pytest.raises(KeyError):
        data.update_mosaic(mosaic, colour="red")
    with pytest.raises(KeyError):
        data.update_mosaic(mosaic, survey={"sentera_id": "elsewhere"})
    with pytest.raises(KeyError):
        data.delete_mosaic("0000000_MO_missing_220101_000000")
    with pytest.raises(KeyError):
        data.add_survey("0000000_AS_missing_220101_000000")
    with pytest.raises(KeyError):
        data.set_failed(mosaic, [{"message": "no key"}])


def test_add_organization_and_children() -> None:
    data = Dataset(seed=1)
    root = str(data.organizations()[0]["sentera_id"])
    org = data.add_organization(name="Trial Co", parent_id=root)
    field = data.add_field(org, name="Plot 7")
    survey = data.add_survey(field, mosaics=5, name="First flight")
    assert data.fields_of(root, include_descendants=True)[-1]["sentera_id"] == field
    assert data.get(survey) is not None and data.mosaic_count(survey) == 5
    assert data.get(field)["name"] == "Plot 7"  # type: ignore[index]


def test_live_step_adds_reprocesses_and_deletes() -> None:
    import random

    data = Dataset(seed=1)
    before = data.counts()
    lines = live_step(data, random.Random(0))
    after = data.counts()

    assert [line.split()[0] for line in lines] == ["new", "re-processed", "deleted"]
    assert after["surveys"] == before["surveys"] + 1
    assert after["mosaics"] >= before["mosaics"] + 3 - 1


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        SimulatorConfig(size="huge")
    with pytest.raises(ValueError):
        SimulatorConfig(mosaics_cap=0)
    with pytest.raises(ValueError):
        SimulatorConfig(live_interval=0)
