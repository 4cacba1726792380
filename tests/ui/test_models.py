"""The item models on a real store file: validity, laziness, sorting, filters, live edits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.domain import Deleted, Level, Scope, ScopeKind, SyncPage
from app.store import MosaicQuery, MosaicSort, Store
from app.store.devtools import fill_synthetic, synthetic_mosaics
from app.ui.background import BackgroundJobs
from app.ui.catalogue import load_catalogue
from app.ui.formatting import enum_label
from app.ui.mosaic_columns import BOOL_ROLE, COLUMNS, ID_ROLE, IS_NEW_ROLE
from app.ui.mosaic_model import CACHE_LIMIT, MosaicTableModel
from app.ui.problems import RecordsModel, error_rows, run_rows
from app.ui.tree_model import KIND_ROLE, CatalogueTreeModel
from app.ui.tree_proxy import CatalogueFilterProxy

SURVEY = "syn0_OR_AS0_CO0"


@pytest.fixture
def filled(store: Store) -> Store:
    fill_synthetic(store, fields_per_organization=2, surveys_per_field=2, mosaics_per_survey=30)
    return store


@pytest.fixture
def model(qtbot: Any, filled: Store) -> MosaicTableModel:
    jobs = BackgroundJobs()
    model = MosaicTableModel(filled, jobs)
    model.set_query(MosaicQuery())
    yield model
    jobs.wait()


def _column_values(model: MosaicTableModel, key: str) -> list[Any]:
    return [getattr(model.snapshot(row), key) for row in range(model.rowCount())]


def test_mosaic_model_passes_the_model_tester(qtmodeltester: Any, model: MosaicTableModel) -> None:
    assert model.rowCount() == 120
    qtmodeltester.check(model, force_py=True)


def test_cells_are_formatted_for_people(model: MosaicTableModel) -> None:
    row = 0
    snapshot = model.snapshot(row)
    assert snapshot is not None
    cell = {c.key: model.index(row, n) for n, c in enumerate(COLUMNS)}
    assert cell["area"].data().endswith(" ac")
    assert cell["released"].data() == ""  # drawn as a check mark, never "True"
    assert cell["released"].data(BOOL_ROLE) is snapshot.released
    assert cell["mosaic_type"].data() == enum_label(snapshot.mosaic_type)
    assert "T" not in cell["captured_at"].data()  # local, not the ISO text
    assert cell["name"].data(ID_ROLE) == snapshot.sentera_id
    assert cell["name"].data(IS_NEW_ROLE) is False


def test_rows_load_lazily_in_blocks(qtbot: Any, store: Store) -> None:
    fill_synthetic(store, fields_per_organization=1, surveys_per_field=1, mosaics_per_survey=9000)
    jobs = BackgroundJobs()
    model = MosaicTableModel(store, jobs)
    model.set_query(MosaicQuery())
    assert model.rowCount() == 9000
    assert model.cached_rows == 0
    model.index(5000, 0).data()
    assert 0 < model.cached_rows <= 400
    for row in range(0, 9000, 50):
        model.index(row, 0).data()
    assert model.cached_rows <= CACHE_LIMIT


@pytest.mark.parametrize("number", [n for n, c in enumerate(COLUMNS) if c.sort is not None])
def test_every_sortable_column_sorts_in_the_store(model: MosaicTableModel, number: int) -> None:
    column = COLUMNS[number]
    assert column.sort is not None
    key = {"area": "area_value"}.get(column.key, column.key)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(number, order)
        values = _column_values(model, key)
        assert values == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder)
        assert model.query.sort == column.sort


def test_filters_are_store_queries(model: MosaicTableModel, filled: Store) -> None:
    model.set_query(MosaicQuery(scope=Scope(ScopeKind.SURVEY, SURVEY)))
    assert model.rowCount() == 30
    assert {m.survey_sentera_id for m in map(model.snapshot, range(30)) if m} == {SURVEY}
    model.set_query(MosaicQuery(mosaic_types=frozenset({"RGB"})))
    assert model.rowCount() > 0
    assert set(_column_values(model, "mosaic_type")) == {"RGB"}
    model.set_query(MosaicQuery(text="Mosaic 7 "))
    assert all(name.startswith("Mosaic 7 ") for name in _column_values(model, "name"))
    model.set_query(MosaicQuery(captured_from="2024-06-01", captured_to="2024-06-30"))
    assert all(v.startswith("2024-06") for v in _column_values(model, "captured_at"))


def test_live_changes_are_applied_in_place(
    qtbot: Any, qtmodeltester: Any, model: MosaicTableModel, filled: Store
) -> None:
    model.set_query(
        MosaicQuery(scope=Scope(ScopeKind.SURVEY, SURVEY), sort=MosaicSort.NAME, descending=False)
    )
    qtmodeltester.check(model, force_py=True)
    resets: list[bool] = []
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    changed: list[tuple[int, int]] = []
    model.modelAboutToBeReset.connect(lambda: resets.append(True))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.dataChanged.connect(lambda a, b, _r=(): changed.append((a.row(), b.row())))
    before = list(model.ids())
    stored = {m.sentera_id: m for m in filled.mosaics_by_id(before)}
    gone = before[3]
    kept = before[10]
    fresh = list(synthetic_mosaics(SURVEY, 2, start=500))
    page = SyncPage(
        upserted=(*fresh, replace(_as_mosaic(stored[kept]), content_hash="new", image_count=1)),
        deleted=(Deleted(gone, stored[gone].content_hash),),
        failed=(),
        remaining_count=0,
    )
    change = filled.apply_page(Level.MOSAICS, SURVEY, page, scope_complete=True, run_id=None)
    model.apply_changes([change])
    qtbot.waitUntil(lambda: not model.refresh_pending)
    assert not resets
    assert removed == [(3, 3)]
    assert len(inserted) >= 1 and sum(b - a + 1 for a, b in inserted) == 2
    assert model.rowCount() == 31
    assert gone not in model.ids()
    row = model.row_of(kept)
    assert row is not None and (row, row) in changed
    assert model.snapshot(row).image_count == 1  # type: ignore[union-attr]
    assert list(model.ids()) == filled.mosaic_ids(model.query)


def test_changes_elsewhere_do_not_touch_the_view(
    qtbot: Any, model: MosaicTableModel, filled: Store
) -> None:
    model.set_query(MosaicQuery(scope=Scope(ScopeKind.SURVEY, SURVEY)))
    other = "syn0_OR_AS1_CO1"
    page = SyncPage(tuple(synthetic_mosaics(other, 3, start=900)), (), (), 0)
    change = filled.apply_page(Level.MOSAICS, other, page, scope_complete=True, run_id=None)
    model.apply_changes([change])
    assert not model.refresh_pending


def _as_mosaic(snapshot: Any) -> Any:
    from app.domain import Mosaic

    fields = Mosaic.__dataclass_fields__
    return Mosaic(**{name: getattr(snapshot, name) for name in fields})


def test_tree_model_and_filter_proxy(qtmodeltester: Any, filled: Store) -> None:
    tree = CatalogueTreeModel()
    tree.apply_snapshot(load_catalogue(filled))
    qtmodeltester.check(tree, force_py=True)
    assert tree.rowCount() == 2  # All mosaics + one organization
    org = tree.index(1, 0)
    assert org.data(KIND_ROLE) == ScopeKind.ORGANIZATION.value
    assert tree.rowCount(org) == 2
    field = tree.index(0, 0, org)
    assert tree.index(0, 1, field).data() == "30"  # a survey's mosaic count
    assert tree.index(0, 1).data() == "120"
    proxy = CatalogueFilterProxy()
    proxy.setSourceModel(tree)
    qtmodeltester.check(proxy, force_py=True)
    proxy.set_text("field 1")
    assert proxy.rowCount() == 2  # "All mosaics" stays, and the path to the match
    org_proxy = proxy.index(1, 0)
    assert proxy.rowCount(org_proxy) == 1
    assert proxy.rowCount(proxy.index(0, 0, org_proxy)) == 2  # a match keeps its surveys


def test_tree_merges_changes_without_reset(qtmodeltester: Any, filled: Store) -> None:
    tree = CatalogueTreeModel()
    tree.apply_snapshot(load_catalogue(filled))
    qtmodeltester.check(tree, force_py=True)
    resets: list[bool] = []
    tree.modelAboutToBeReset.connect(lambda: resets.append(True))
    page = SyncPage((), (Deleted(SURVEY, "sh0"),), (), 0)
    filled.apply_page(Level.SURVEYS, "syn0_OR_AS0", page, scope_complete=True, run_id=None)
    tree.apply_snapshot(load_catalogue(filled))
    assert not tree.index_for(ScopeKind.SURVEY, SURVEY).isValid()
    assert tree.index(0, 1).data() == "90"
    assert not resets
    assert tree.index_for(ScopeKind.SURVEY, "syn0_OR_AS0_CO1").isValid()
    assert tree.parent(QModelIndex()) == QModelIndex()


def test_records_model(qtmodeltester: Any, filled: Store) -> None:
    model = RecordsModel(("a", "b"))
    model.set_rows([("1", "2"), ("3", "4")])
    qtmodeltester.check(model, force_py=True)
    assert error_rows(filled.sync_errors(), {}) == []
    assert run_rows(filled.runs(), {}) == []
    assert model.as_text().splitlines()[1] == "1\t2"
