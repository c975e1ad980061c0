"""The keyboard shortcuts, listed once: the Help → Keyboard shortcuts window shows this list."""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDialog, QDialogButtonBox, QHeaderView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)


def shortcuts() -> list[tuple[str, str]]:
    """(keys as this system writes them, what they do)."""
    tr = lambda s: QApplication.translate("Shortcuts", s)  # noqa: E731
    native = lambda k: QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)  # noqa: E731
    return [
        (native(QKeySequence.StandardKey.New), tr(QT_TRANSLATE_NOOP("Shortcuts", "New chat"))),
        (tr(QT_TRANSLATE_NOOP("Shortcuts", "Enter")), tr(QT_TRANSLATE_NOOP("Shortcuts", "Send the message"))),
        (tr(QT_TRANSLATE_NOOP("Shortcuts", "Shift+Enter")), tr(QT_TRANSLATE_NOOP("Shortcuts", "New line in the message"))),
        (native("Esc"), tr(QT_TRANSLATE_NOOP("Shortcuts", "Stop the answer (what was written is kept); cancel editing a question"))),
        (tr(QT_TRANSLATE_NOOP("Shortcuts", "Up")), tr(QT_TRANSLATE_NOOP("Shortcuts", "In an empty message box: edit your last question"))),
        (native("Ctrl+Shift+C"), tr(QT_TRANSLATE_NOOP("Shortcuts", "Copy the last answer"))),
        (tr(QT_TRANSLATE_NOOP("Shortcuts", "/")), tr(QT_TRANSLATE_NOOP("Shortcuts", "In the message box: use a prompt template"))),
        (native("Ctrl+K"), tr(QT_TRANSLATE_NOOP("Shortcuts", "Search chats"))),
        (native("Ctrl+B"), tr(QT_TRANSLATE_NOOP("Shortcuts", "Show or hide the side panel"))),
        (native("Ctrl+M"), tr(QT_TRANSLATE_NOOP("Shortcuts", "Model manager"))),
        (native("Ctrl+,"), tr(QT_TRANSLATE_NOOP("Shortcuts", "Settings"))),
        (native(QKeySequence.StandardKey.Quit), tr(QT_TRANSLATE_NOOP("Shortcuts", "Quit"))),
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
