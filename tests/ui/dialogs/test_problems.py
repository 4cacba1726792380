"""The sync problems dialog's table model."""

from __future__ import annotations

from typing import Any

from app.store import Store
from app.ui.dialogs.problems import RecordsModel, error_rows, run_rows


def test_records_model(qtbot: Any, qtmodeltester: Any, filled: Store) -> None:
    model = RecordsModel(("a", "b"))
    model.set_rows([("1", "2"), ("3", "4")])
    qtmodeltester.check(model, force_py=True)
    assert error_rows(filled.sync_errors(), {}) == []
    assert run_rows(filled.runs(), {}) == []
    assert model.as_text().splitlines()[1] == "1\t2"
