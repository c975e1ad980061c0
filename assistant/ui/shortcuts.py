"""The keyboard shortcuts, listed once: the Help → Keyboard shortcuts window shows this list."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDialog, QDialogButtonBox, QHeaderView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)


def shortcuts() -> list[tuple[str, str]]:
    """(keys as this system writes them, what they do)."""
    tr = lambda s: QApplication.translate("Shortcuts", s)  # noqa: E731
    native = lambda k: QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)  # noqa: E731
    return [
        (native(QKeySequence.StandardKey.New), tr("New chat")),
        (tr("Enter"), tr("Send the message")),
        (tr("Shift+Enter"), tr("New line in the message")),
        (native("Esc"), tr("Stop the answer (what was written is kept); cancel editing a question")),
        (tr("Up"), tr("In an empty message box: edit your last question")),
        (native("Ctrl+Shift+C"), tr("Copy the last answer")),
        (tr("/"), tr("In the message box: use a prompt template")),
        (native("Ctrl+K"), tr("Search chats")),
        (native("Ctrl+B"), tr("Show or hide the side panel")),
        (native("Ctrl+M"), tr("Model manager")),
        (native("Ctrl+,"), tr("Settings")),
        (native(QKeySequence.StandardKey.Quit), tr("Quit")),
    ]


class ShortcutsDialog(QDialog):
    """A table of :func:`shortcuts`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        rows = shortcuts()
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("What they do")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (keys, what) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(what))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(560, 420)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]
