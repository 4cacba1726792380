"""Areas in one unit system, converted, and sorted by their true size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale

from app.simulator import Simulator
from app.store import DB_FILENAME, MosaicQuery, MosaicSort, Store
from app.ui.common.formatting import format_area, set_unit_choice
from app.units import UnitChoice, convert_area, square_metres
from tests.sync.test_cli import fielddesk


@pytest.fixture(autouse=True)
def _reset_units() -> Iterator[None]:
    yield
    set_unit_choice(UnitChoice.AUTO)


def test_every_area_is_converted_to_the_chosen_system() -> None:
    locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    set_unit_choice(UnitChoice.METRIC)
    assert format_area(131.7, "ACRE", locale) == "53.30 ha"
    assert format_area(53.11, "HECTARE", locale) == "53.11 ha"
    set_unit_choice(UnitChoice.US)
    assert format_area(53.11, "HECTARE", locale) == "131.2 ac"
    assert format_area(131.7, "ACRE", locale) == "131.7 ac"
    assert format_area(5.0, "FURLONG", locale) == "5.00 furlong"  # unknown: as sent


def test_automatic_follows_the_locale() -> None:
    set_unit_choice(UnitChoice.AUTO)
    us = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    germany = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert format_area(10.0, "HECTARE", us).endswith(" ac")
    assert format_area(10.0, "HECTARE", germany) == "10,00 ha"


def test_conversion_is_exact_both_ways() -> None:
    hectares = convert_area(1.0, "ACRE", True)
    assert hectares is not None and hectares[0] == pytest.approx(0.40468564224)
    assert square_metres(1.0, "hectare") == 10_000.0
    assert convert_area(None, "ACRE", True) is None


def test_sorting_by_area_uses_the_true_area(tmp_path: Path, simulator: Simulator) -> None:
    # The simulator's account mixes hectares and acres, as FieldAgent does.
    done = fielddesk("sync", sim=simulator, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    with Store.open(tmp_path / DB_FILENAME, read_only=True) as store:
        for descending in (False, True):
            ids = store.mosaic_ids(MosaicQuery(sort=MosaicSort.AREA, descending=descending))
            mosaics = {m.sentera_id: m for m in store.mosaics_by_id(ids)}
            assert len({mosaics[i].area_unit for i in ids}) > 1, "the data must mix units"
            areas = [square_metres(mosaics[i].area_value, mosaics[i].area_unit) or 0 for i in ids]
            assert areas == sorted(areas, reverse=descending)
