"""The catalogue tree model and its filter proxy, over a real store file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex

from app.domain import Deleted, Level, ScopeKind, SyncPage
from app.store import Store
from app.ui.catalogue.model import KIND_ROLE, CatalogueTreeModel
from app.ui.catalogue.proxy import CatalogueFilterProxy
from app.ui.catalogue.snapshot import load_catalogue

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
