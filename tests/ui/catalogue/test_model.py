"""The catalogue tree model and its filter proxy, over a real store file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from app.domain import Deleted, Level, ScopeKind, SyncPage
from app.store import Store
from app.ui.catalogue.model import ID_ROLE, KIND_ROLE, OFFLINE_ROLE, CatalogueTreeModel
from app.ui.catalogue.proxy import CatalogueFilterProxy
from app.ui.catalogue.snapshot import load_catalogue
from app.ui.downloads.states import SurveyOffline

SURVEY = "syn0_OR_AS0_CO0"


def test_tree_model_and_filter_proxy(qtbot: Any, qtmodeltester: Any, filled: Store) -> None:
    tree = CatalogueTreeModel()
    tree.apply_snapshot(load_catalogue(filled))
    qtmodeltester.check(tree, force_py=True)
    assert tree.rowCount() == 2  # All mosaics + one organization
    org = tree.index(1, 0)
    assert org.data(KIND_ROLE) == ScopeKind.ORGANIZATION.value
    assert tree.rowCount(org) == 2
    field = tree.index(0, 0, org)
    assert tree.index(0, 1, field).data() == "30"  # mosaics, at every level
    assert tree.index(0, 1, org).data() == "60"
    assert tree.index(0, 1, org).data(Qt.ItemDataRole.ToolTipRole) == "2 surveys · 60 mosaics"
    assert tree.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) == (
        "2 fields · 4 surveys · 120 mosaics"
    )
    assert tree.index(0, 1).data() == "120"
    proxy = CatalogueFilterProxy()
    proxy.setSourceModel(tree)
    qtmodeltester.check(proxy, force_py=True)
    proxy.set_text("field 1")
    assert proxy.rowCount() == 2  # "All mosaics" stays, and the path to the match
    org_proxy = proxy.index(1, 0)
    assert proxy.rowCount(org_proxy) == 1
    assert proxy.rowCount(proxy.index(0, 0, org_proxy)) == 2  # a match keeps its surveys


def test_tree_merges_changes_without_reset(qtbot: Any, qtmodeltester: Any, filled: Store) -> None:
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


def test_fields_with_one_name_are_told_apart(qtbot: Any, filled: Store) -> None:
    from dataclasses import replace

    from app.domain import Field

    base = filled.fields()[0]
    twins = (
        replace(base, sentera_id="twin_a", content_hash="a", name="Bottom Quarter", farm="North"),
        replace(base, sentera_id="twin_b", content_hash="b", name="Bottom Quarter", farm="South"),
        # Same farm and grower: the area tells them apart.
        replace(base, sentera_id="twin_c", content_hash="c", name="Creek", area_value=40.0),
        replace(base, sentera_id="twin_d", content_hash="d", name="Creek", area_value=80.0),
    )
    assert all(isinstance(f, Field) for f in twins)
    page = SyncPage(twins, (), (), 0)
    filled.apply_page(
        Level.FIELDS, base.organization_sentera_id, page, scope_complete=True, run_id=None
    )
    tree = CatalogueTreeModel()
    tree.apply_snapshot(load_catalogue(filled))
    names = {
        sentera_id: tree.index_for(ScopeKind.FIELD, sentera_id).data()
        for sentera_id in ("twin_a", "twin_b", "twin_c", "twin_d")
    }
    assert names["twin_a"] == "Bottom Quarter (North)"
    assert names["twin_b"] == "Bottom Quarter (South)"
    assert names["twin_c"] != names["twin_d"] and names["twin_c"].startswith("Creek (")
    assert tree.index_for(ScopeKind.FIELD, base.sentera_id).data() == base.name  # unique: as is


def test_a_surveys_offline_mark_joins_its_tooltips_and_repaints(qtbot: Any, filled: Store) -> None:
    """The window's lookup is a plain function here; the window test drives the real one."""
    tree = CatalogueTreeModel()
    tree.apply_snapshot(load_catalogue(filled))
    index = tree.index_for(ScopeKind.SURVEY, SURVEY)
    assert index.data(OFFLINE_ROLE) is None
    marks = {SURVEY: SurveyOffline(kept=3, present=0, present_bytes=0)}
    tree.offline = lambda survey: (
        None if survey not in marks else (marks[survey].state, marks[survey].text)
    )
    with qtbot.waitSignal(tree.dataChanged) as changed:
        tree.offline_changed([SURVEY])
    assert changed.args[0].internalPointer() is index.internalPointer()
    assert index.data(OFFLINE_ROLE) == "missing"
    count_tip = index.siblingAtColumn(1).data(Qt.ItemDataRole.ToolTipRole)
    assert count_tip.endswith("\nKept offline: 3 mosaics, none downloaded yet")
    assert index.siblingAtColumn(1).data(Qt.ItemDataRole.DecorationRole) is not None
    marks[SURVEY] = SurveyOffline(kept=3, present=2, present_bytes=12_400_000)
    assert index.data(OFFLINE_ROLE) == "partial"
    assert index.data(Qt.ItemDataRole.ToolTipRole).endswith("\nOffline: 2 of 3 mosaics, 12.4 MB")
    field = index.parent()
    assert field.data(OFFLINE_ROLE) is None  # surveys only


def test_the_first_frame_reads_the_tree_without_counting(filled: Store, tmp_path: Path) -> None:
    quick = load_catalogue(filled, counts=False)
    full = load_catalogue(filled)
    assert [n.key for n in quick.roots] == [n.key for n in full.roots]
    assert quick.field_of_survey == full.field_of_survey and quick.names == full.names
    organization = quick.roots[1]
    assert organization.count is None and organization.count_tooltip == ""
    assert organization.children[0].children[0].count is None  # a survey
    assert quick.total_mosaics is None and quick.has_mosaics
    assert full.total_mosaics == 120 and full.has_mosaics
    with Store.open(tmp_path / "empty.sqlite3") as empty:
        assert not load_catalogue(empty, counts=False).has_mosaics
    assert not CatalogueTreeModel().snapshot.has_mosaics


def test_the_window_fills_in_the_tree_counts_in_the_background(
    qtbot: Any, filled: Store, make_window: Any
) -> None:
    window = make_window()
    all_mosaics = window.catalogue.model.index(0, 1)
    qtbot.waitUntil(lambda: all_mosaics.data() == "120")
    assert window.catalogue.model.snapshot.total_mosaics == 120


def test_a_merge_signals_only_the_changed_rows_one_run_per_parent(
    qtbot: Any, filled: Store
) -> None:
    """Every count changes: one dataChanged per run of changed siblings (not per row);
    one survey's count changes: only its path is signalled, the rest is left alone."""
    tree = CatalogueTreeModel()
    before = load_catalogue(filled)
    tree.apply_snapshot(before)
    signalled: list[tuple[str, int, int]] = []
    tree.dataChanged.connect(
        lambda top, bottom, _roles=(): signalled.append(
            (str(top.parent().data() or ""), top.row(), bottom.row())
        )
    )

    def bumped(node: Any, only: str | None) -> Any:
        children = tuple(bumped(c, only) for c in node.children)
        inside = only is None or node.sentera_id is None or _holds(node, only)
        count = (node.count or 0) + 1 if inside else node.count
        return replace(node, count=count, children=children)

    tree.apply_snapshot(replace(before, roots=tuple(bumped(r, None) for r in before.roots)))
    organization = tree.index(1, 0)
    assert (  # 2 top rows, 2 fields, 2 surveys under each: 4 signals
        sorted(signalled)
        == sorted(
            [("", 0, 1), (organization.data(), 0, 1)]
            + [(tree.index(row, 0, organization).data(), 0, 1) for row in range(2)]
        )
    )
    signalled.clear()
    after_all = tree.snapshot
    tree.apply_snapshot(replace(after_all, roots=tuple(bumped(r, SURVEY) for r in after_all.roots)))
    field, survey_row = next(
        (tree.index(f, 0, organization), row)
        for f in range(tree.rowCount(organization))
        for row in range(tree.rowCount(tree.index(f, 0, organization)))
        if tree.index(row, 0, tree.index(f, 0, organization)).data(ID_ROLE) == SURVEY
    )
    field_row = field.row()
    assert sorted(signalled) == sorted(
        [
            ("", 0, 1),
            (organization.data(), field_row, field_row),
            (field.data(), survey_row, survey_row),
        ]
    )


def _holds(node: Any, survey_id: str) -> bool:
    return node.sentera_id == survey_id or any(_holds(c, survey_id) for c in node.children)
