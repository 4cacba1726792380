"""Showing untrusted text as text: labels, tooltips and message boxes that never render markup.

Names, messages and errors come from FieldAgent or from the user's data. Qt guesses
whether a string is rich text (`Qt.mightBeRichText`) for every QLabel, tooltip and
message box left at its default `Qt.AutoText`, so a mosaic named `<img src=x>` would be
drawn as an image and `<a href=...>` as a link. Labels that show data are therefore
built plain from the start (`plain_label`), and strings that reach a place which always
guesses (tooltips, including an item model's `ToolTipRole`) go through `plain_tooltip`.
"""

from __future__ import annotations

import html
from typing import TypeVar

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

__all__ = ["make_plain", "plain_label", "plain_tooltip"]

W = TypeVar("W", QLabel, QMessageBox)


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = False) -> QLabel:
    """A QLabel that shows its text literally, whatever the text looks like; `wrap` for
    sentences that should wrap to the dialog's width rather than widen it."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


def make_plain(widget: W) -> W:
    """Switch an existing label (or a message box's text) to plain text; returns it."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def plain_tooltip(text: str) -> str:
    """`text` as a tooltip that shows literally.

    Tooltips cannot be told "plain text": Qt renders anything that looks like markup.
    Text that does not look like markup is left as it is; text that does is escaped and
    wrapped so Qt renders it as (our) rich text whose visible content is exactly `text`.
    """
    if not text or not QtGui.Qt.mightBeRichText(text):
        return text
    return f'<p style="white-space:pre-wrap">{html.escape(text, quote=False)}</p>'
