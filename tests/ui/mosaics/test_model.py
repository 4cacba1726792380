"""The item models on a real store file: validity, laziness, sorting, filters, live edits."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.domain import Deleted, Level, Scope, ScopeKind, SyncPage
from app.store import MosaicQuery, MosaicSort, Store
from app.store.devtools import fill_synthetic, synthetic_mosaics
from app.ui.common.formatting import enum_label
from app.ui.common.tasks import TaskManager
from app.ui.mosaics.columns import BOOL_ROLE, COLUMNS, ID_ROLE, IS_NEW_ROLE
from app.ui.mosaics.model import CACHE_LIMIT, EDIT_CHUNK_ROWS, HEAD_ROWS, MosaicTableModel

SURVEY = "syn0_OR_AS0_CO0"


@pytest.fixture
def model(qtbot: Any, filled: Store) -> MosaicTableModel:
    tasks = TaskManager()
    model = MosaicTableModel(filled, tasks)
    model.set_query(MosaicQuery())
    yield model
    tasks.wait()


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
    # The C locale of the tests measures in metric: areas sent in acres show in hectares.
    assert cell["area"].data().endswith(" ha")
    assert cell["released"].data() == ""  # drawn as a check mark, never "True"
    assert cell["released"].data(BOOL_ROLE) is snapshot.released
    assert cell["mosaic_type"].data() == enum_label(snapshot.mosaic_type)
    assert "T" not in cell["captured_at"].data()  # local, not the ISO text
    assert cell["name"].data(ID_ROLE) == snapshot.sentera_id
    assert cell["name"].data(IS_NEW_ROLE) is False


def test_rows_load_lazily_in_blocks(qtbot: Any, store: Store) -> None:
    fill_synthetic(store, fields_per_organization=1, surveys_per_field=1, mosaics_per_survey=9000)
    tasks = TaskManager()
    model = MosaicTableModel(store, tasks)
    model.set_query(MosaicQuery())
    qtbot.waitUntil(lambda: not model.refresh_pending)
    assert model.rowCount() == 9000
    assert model.cached_rows == 0
    model.index(5000, 0).data()
    assert 0 < model.cached_rows <= 400
    for row in range(0, 9000, 50):
        model.index(row, 0).data()
    assert model.cached_rows <= CACHE_LIMIT


def test_a_query_shows_its_first_rows_at_once_and_appends_the_rest(
    qtbot: Any, store: Store
) -> None:
    """The window's first frame needs only a screenful: the rest of a big query is read
    in the background and appended as one insertion (no reset, selection kept)."""
    fill_synthetic(store, fields_per_organization=1, surveys_per_field=2, mosaics_per_survey=1500)
    tasks = TaskManager()
    model = MosaicTableModel(store, tasks)
    query = MosaicQuery(sort=MosaicSort.NAME, descending=False)
    resets: list[None] = []
    inserted: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(None))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.set_query(query)
    assert model.rowCount() == HEAD_ROWS
    assert model.refresh_pending
    head = list(model.ids())
    qtbot.waitUntil(lambda: not model.refresh_pending)
    assert list(model.ids()) == store.mosaic_ids(query)
    assert model.ids()[:HEAD_ROWS] == head
    assert len(resets) == 1
    assert inserted == [(HEAD_ROWS, 2999)]
    tasks.wait()


def test_a_small_query_is_complete_at_once(qtbot: Any, store: Store) -> None:
    fill_synthetic(store, fields_per_organization=1, surveys_per_field=1, mosaics_per_survey=40)
    tasks = TaskManager()
    model = MosaicTableModel(store, tasks)
    model.set_query(MosaicQuery())
    assert model.rowCount() == 40
    assert not model.refresh_pending


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


def _sync_page_into(store: Store, survey: str, count: int, start: int) -> Any:
    page = SyncPage(tuple(synthetic_mosaics(survey, count, start=start)), (), (), 0)
    return store.apply_page(Level.MOSAICS, survey, page, scope_complete=True, run_id=None)


def test_a_long_run_of_new_rows_amid_the_list_goes_in_bounded_chunks(
    qtbot: Any, qtmodeltester: Any, model: MosaicTableModel, filled: Store
) -> None:
    """450 new mosaics that sort between two shown ones: inserted in chunks of at most
    EDIT_CHUNK_ROWS rows, each a consistent list, with no reset."""
    query = MosaicQuery(scope=Scope(ScopeKind.SURVEY, SURVEY), sort=MosaicSort.NAME)
    model.set_query(query)
    qtmodeltester.check(model, force_py=True)
    resets: list[None] = []
    inserted: list[tuple[int, int]] = []
    model.modelAboutToBeReset.connect(lambda: resets.append(None))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    # "Mosaic 5000" … "Mosaic 5449" sort after "Mosaic 5 …" and before "Mosaic 6 …".
    model.apply_changes([_sync_page_into(filled, SURVEY, 450, start=5000)])
    qtbot.waitUntil(lambda: not model.refresh_pending)
    assert not resets
    assert sum(b - a + 1 for a, b in inserted) == 450
    assert len(inserted) >= 3
    assert max(b - a + 1 for a, b in inserted) <= EDIT_CHUNK_ROWS
    assert inserted[-1][1] < model.rowCount() - 1  # amid the list, not at its end
    assert list(model.ids()) == filled.mosaic_ids(query)


def test_the_rows_a_live_edit_brings_into_view_are_read_off_the_ui_thread(
    qtbot: Any, model: MosaicTableModel, filled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh formats the rows the view will show after the edit in the background,
    so painting them reads nothing from the store on the UI thread."""
    query = MosaicQuery(scope=Scope(ScopeKind.SURVEY, SURVEY), sort=MosaicSort.NAME)
    model.set_query(query)
    model.visible_rows = lambda: (0, 9)
    reads_on_ui_thread: list[int] = []
    read = filled.mosaics_by_id

    def watched_read(ids: Any) -> Any:  # the real read, noting the UI thread's ones
        if threading.current_thread() is threading.main_thread():
            reads_on_ui_thread.append(len(ids))
        return read(ids)

    monkeypatch.setattr(filled, "mosaics_by_id", watched_read)
    # Sorted by name, "Mosaic 10000" … come right after "Mosaic 1 …": rows 2 onwards.
    model.apply_changes([_sync_page_into(filled, SURVEY, 40, start=10000)])
    qtbot.waitUntil(lambda: not model.refresh_pending)
    assert model.rowCount() == 70
    for row in range(10):  # what a paint of the visible rows asks
        assert model.index(row, 0).data()
    assert reads_on_ui_thread == []
    assert model.index(65, 0).data()  # a row far below the view is read when first shown
    assert reads_on_ui_thread != []


def test_a_page_scattered_over_the_list_is_one_layout_change_that_keeps_the_selection(
    qtbot: Any, qtmodeltester: Any, store: Store
) -> None:
    """New mosaics that sort in between many shown ones (more runs than LAYOUT_EDIT_RUNS)
    arrive in one layout change, not thousands of one-row inserts; the selection stays
    on its mosaic, and a selected mosaic that is deleted leaves the selection."""
    from PySide6.QtCore import QItemSelectionModel

    survey = "syn0_OR_AS0_CO0"
    fill_synthetic(store, fields_per_organization=1, surveys_per_field=1, mosaics_per_survey=300)
    tasks = TaskManager()
    model = MosaicTableModel(store, tasks)
    query = MosaicQuery(scope=Scope(ScopeKind.SURVEY, survey), sort=MosaicSort.CAPTURED_AT)
    model.set_query(query)
    qtmodeltester.check(model, force_py=True)
    selection = QItemSelectionModel(model)
    kept, gone = model.sentera_id(200), model.sentera_id(100)
    assert kept is not None and gone is not None
    for row in (200, 100):
        selection.select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select)
    signals: list[str] = []
    model.modelAboutToBeReset.connect(lambda: signals.append("reset"))
    model.rowsInserted.connect(lambda *_args: signals.append("inserted"))
    model.rowsRemoved.connect(lambda *_args: signals.append("removed"))
    model.layoutChanged.connect(lambda *_args: signals.append("layout"))
    stored = store.mosaics_by_id([gone])[0]
    page = SyncPage(
        tuple(synthetic_mosaics(survey, 150, start=1000)),
        (Deleted(gone, stored.content_hash),),
        (),
        0,
    )
    change = store.apply_page(Level.MOSAICS, survey, page, scope_complete=True, run_id=None)
    model.apply_changes([change])
    qtbot.waitUntil(lambda: not model.refresh_pending)
    assert signals == ["layout"]
    assert list(model.ids()) == store.mosaic_ids(query)
    assert model.rowCount() == 449
    selected = [index.data(ID_ROLE) for index in selection.selectedIndexes()]
    assert selected == [kept]
    assert model.sentera_id(selection.selectedIndexes()[0].row()) == kept
    assert gone not in model.ids()
    qtmodeltester.check(model, force_py=True)
    tasks.wait()
