"""The synthetic-data helper the UI benchmarks use."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain import Level, Scope, ScopeKind
from app.store import MosaicQuery, Store, SyncState
from app.store.devtools import fill_synthetic, main


def test_fill_synthetic_builds_a_consistent_catalogue(store: Store) -> None:
    counts = fill_synthetic(
        store,
        organizations=2,
        fields_per_organization=3,
        surveys_per_field=2,
        mosaics_per_survey=40,
    )
    assert (counts.organizations, counts.fields, counts.surveys, counts.mosaics) == (2, 6, 12, 480)
    stored = store.counts()
    assert (stored.organizations, stored.fields, stored.surveys, stored.mosaics) == (2, 6, 12, 480)
    assert stored.new_mosaics == 0
    survey_id = store.surveys()[0].sentera_id
    assert len(store.local_hashes(Level.MOSAICS, survey_id)) == 40
    assert len(store.mosaic_ids(MosaicQuery(scope=Scope(ScopeKind.SURVEY, survey_id)))) == 40
    assert {r.sync_state for r in store.survey_rows()} == {SyncState.NEVER}


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fill", str(tmp_path / "x.sqlite3"), "--mosaics", "200"]) == 0
    assert "mosaics=200" in capsys.readouterr().out
    assert main(["bench", "--rounds", "1", "--page-size", "20"]) == 0
    assert "ratio" in capsys.readouterr().out
