"""Showing text from files, models and chats literally.

Qt treats text that looks like HTML as rich text in tooltips, labels and message boxes (and
loads the ``<img>``s in it, ``/dev/zero`` included). Text that is not ours goes through these.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

__all__ = ["ask_plain", "escape", "plain_label", "plain_message", "plain_tooltip"]


def escape(text: str) -> str:
    """``text`` escaped for a place that shows rich text (line breaks kept)."""
    return html.escape(text or "").replace("\n", "<br>")


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that is shown literally.

    Escaped and wrapped in an explicit rich-text tag, so Qt's guess never sees markup.
    """
    if not text:
        return ""
    return "<qt>" + escape(text) + "</qt>"


def plain_label(label: QLabel) -> QLabel:
    """Make ``label`` show its text literally; returns it."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_message(box: QMessageBox) -> QMessageBox:
    """Make ``box`` show its text literally (its reason may quote a file name); returns it."""
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def ask_plain(parent: QWidget | None, title: str, text: str) -> bool:
    """A Yes/No question whose text (a file or template name in it) is shown literally."""
    box = plain_message(QMessageBox(QMessageBox.Icon.Question, title, text,
                                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent))
    return box.exec() == QMessageBox.StandardButton.Yes
