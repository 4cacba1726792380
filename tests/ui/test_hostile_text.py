"""Server text that looks like markup is shown as text, everywhere in the real window.

A hostile (or merely odd) FieldAgent account names things with HTML. Qt renders rich
text in every QLabel, tooltip and message box left at its default (`Qt.AutoText`), so
such a name could show as an image, bold text, a link or a heading. This test syncs
the simulator's hostile account (`SimulatorConfig(hostile_names=True)`: markup and
terminal controls in names, messages, a failed item and a GraphQL error) through the
real window and the real worker, then walks every widget, tooltip, window title and
item model cell and checks that what the user sees is the literal text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from app.domain import Outcome, ScopeKind
from app.simulator import Simulator, hostile
from app.sync.events import Progress
from app.ui.window import MainWindow
from tests.ui.conftest import run_sync, settle

MOSAIC = hostile.MOSAIC_NAME
FIELD = hostile.FIELD_NAME
SURVEY = hostile.SURVEY_NAME
MESSAGE = hostile.MOSAIC_MESSAGE
FAILED_ITEM = hostile.FAILED_MESSAGE
SERVER_ERROR = hostile.ERROR_MESSAGE
# A word from inside each hostile string: where a widget shows the word, it must show
# the whole string, tags and all (a rendered tag would have swallowed its brackets).
HOSTILE = {
    "bold mosaic": MOSAIC,
    "field link": FIELD,
    "BIG survey": SURVEY,
    "BIG message": MESSAGE,
    "underlined failure": FAILED_ITEM,
    "Click here": SERVER_ERROR,
}


def _rendered(text: str) -> str:
    """What a rich-text widget shows for `text`: its markup interpreted."""
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def _check_shown(where: str, text: str, *, rich: bool) -> None:
    shown = _rendered(text) if rich else text
    for word, literal in HOSTILE.items():
        if rich:  # rich text shows a CR as a line break: layout, not markup obeyed
            literal = literal.replace("\r", "\n")
        if word in shown:
            assert literal in shown, f"{where} interprets server text: {text!r} shows {shown!r}"


def _check_auto(where: str, text: str) -> None:
    """Tooltips and other auto-detecting texts: Qt renders them when they look rich."""
    _check_shown(where, text, rich=QtGui.Qt.mightBeRichText(text))


def _label_is_rich(widget: QLabel | QMessageBox, text: str) -> bool:
    fmt = widget.textFormat()
    if fmt == Qt.TextFormat.PlainText:
        return False
    return fmt != Qt.TextFormat.AutoText or QtGui.Qt.mightBeRichText(text)


def _cells(model: QAbstractItemModel, parent: QModelIndex) -> Iterator[QModelIndex]:
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            yield index
            if column == 0:
                yield from _cells(model, index)


def _walk(top: QWidget) -> int:
    """Check every text `top` and its children show; returns how many hostile strings
    were seen, so the test can prove it looked at the right widgets."""
    seen = 0

    def count(text: str) -> None:
        nonlocal seen
        seen += sum(1 for word in HOSTILE if word in text)

    widgets = [top, *top.findChildren(QWidget)]
    for widget in widgets:
        name = f"{type(widget).__name__} {widget.objectName()!r}"
        _check_shown(f"{name} window title", widget.windowTitle(), rich=False)
        count(widget.windowTitle())
        _check_auto(f"{name} tooltip", widget.toolTip())
        count(widget.toolTip())
        if isinstance(widget, QLabel):
            text = QLabel.text(widget)  # what is shown, even where a subclass overrides text()
            _check_shown(f"{name} text", text, rich=_label_is_rich(widget, text))
            count(text)
        if isinstance(widget, QMessageBox):
            _check_shown(f"{name} text", widget.text(), rich=_label_is_rich(widget, widget.text()))
            count(widget.text())
        model = getattr(widget, "model", None)
        model = model() if callable(model) else None
        if isinstance(model, QAbstractItemModel):
            for index in _cells(model, QModelIndex()):
                display = index.data(Qt.ItemDataRole.DisplayRole)
                tip = index.data(Qt.ItemDataRole.ToolTipRole)
                if isinstance(display, str):
                    # Item views paint DisplayRole as plain text; it must carry the literal.
                    _check_shown(f"{name} cell", display, rich=False)
                    count(display)
                if isinstance(tip, str):
                    _check_auto(f"{name} cell tooltip", tip)
                    count(tip)
    return seen


def test_hostile_names_are_shown_as_text_everywhere(
    qtbot: Any, make_window: Any, simulator_factory: Callable[..., Simulator]
) -> None:
    simulator = simulator_factory(hostile_names=True)
    account = simulator.hostile
    assert account is not None
    survey, mosaic = account.survey_id, account.mosaic_id
    window: MainWindow = make_window(simulator)

    # The status bar's stage label names the scope being synced: check it at every step.
    stages: list[tuple[bool, str]] = []
    progress_seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        progress_seen.append(progress)
        stage = window.sync.status.stage
        stages.append((_label_is_rich(stage, stage.text()), stage.text()))

    window.controller.progress.connect(on_progress)
    summary = run_sync(qtbot, window)
    assert summary.outcome is Outcome.PARTIAL, summary.message
    # Which progress events pass the worker's throttle depends on timing; one that
    # names the hostile field is replayed through the same signal to be sure.
    window.controller.progress.emit(replace(progress_seen[-1], scope_label=FIELD))
    assert FIELD in stages[-1][1]
    for rich, text in stages:
        _check_shown("status bar stage", text, rich=rich)

    # Show the hostile mosaic in the details pane.
    tree = window.catalogue
    index = tree.proxy.mapFromSource(tree.model.index_for(ScopeKind.SURVEY, survey))
    assert index.isValid()
    tree.tree.setCurrentIndex(index)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.mosaics.model.row_of(mosaic) is not None, timeout=10_000)
    row = window.mosaics.model.row_of(mosaic)
    window.mosaics.table.selectRow(row)
    qtbot.waitUntil(
        lambda: (
            window.mosaics.details.detail is not None
            and window.mosaics.details.detail.mosaic.sentera_id == mosaic
        ),
        timeout=10_000,
    )
    assert window.sync.banner.isVisible()
    assert "Click here" in window.sync.banner.text

    seen = _walk(window)
    # Banner, details (title, message, field, survey), tree, table, stage tooltip.
    assert seen >= 8, f"only {seen} hostile strings found: the walk missed the widgets"

    window.sync.banner.details_button.click()
    qtbot.waitUntil(lambda: window.problems_dialog is not None, timeout=10_000)
    dialog = window.problems_dialog
    assert dialog is not None
    assert _walk(dialog) >= 2  # the failed item's message and the run's message
    for top in QApplication.topLevelWidgets():
        if top.isVisible() and top not in (window, dialog):
            _walk(top)
