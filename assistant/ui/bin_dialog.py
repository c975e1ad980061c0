"""The bin: chats deleted in the last 30 days, with Restore and Delete forever."""
from __future__ import annotations

import datetime as _dt
import logging
import math
import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QVBoxLayout, QWidget)

from assistant.core.conversations import BIN_DAYS

log = logging.getLogger("assistant.ui")
IdRole = Qt.ItemDataRole.UserRole + 1


class BinDialog(QDialog):
    """Lists the deleted chats; Restore brings one back, Delete forever erases it now.

    Args:
        backend: anything with a ``store`` (the ``Hearth`` facade).
        confirm: ask before erasing (tests pass False).

    Signals:
        restored(str): a conversation id taken out of the bin (show it in the list).
        erased(str): a conversation id erased for good.
    """

    restored = Signal(str)
    erased = Signal(str)

    def __init__(self, backend: Any, parent: QWidget | None = None, *, confirm: bool = True) -> None:
        super().__init__(parent)
        self.backend = backend
        self.confirm = confirm
        self.setObjectName("binDialog")
        self.setWindowTitle(self.tr("Deleted chats"))
        self.resize(460, 360)
        self.note = QLabel(self.tr("Deleted chats are kept for %1 days, then erased for good.").replace("%1", str(BIN_DAYS)), self)
        self.note.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("binList")
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _it: self.restore_selected())
        self.empty = QLabel(self.tr("The bin is empty."), self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.restore_button = QPushButton(self.tr("Restore"), self)
        self.restore_button.setObjectName("binRestore")
        self.restore_button.clicked.connect(self.restore_selected)
        self.erase_button = QPushButton(self.tr("Delete forever…"), self)
        self.erase_button.setObjectName("binDeleteForever")
        self.erase_button.clicked.connect(self.erase_selected)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addWidget(self.erase_button)
        row.addStretch(1)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.empty)
        lay.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the bin from the store."""
        self.list.clear()
        now = time.time()
        for c in self.backend.store.deleted():
            when = _dt.datetime.fromtimestamp(c.deleted).strftime("%Y-%m-%d %H:%M")
            left = max(0, math.ceil(BIN_DAYS - (now - c.deleted) / 86400))
            title = c.title or self.tr("New chat")
            erased = self.tr("erased within a day") if left <= 1 else \
                self.tr("erased in %1 days").replace("%1", str(left))
            it = QListWidgetItem(title + "\n" + self.tr("deleted %1").replace("%1", when) + " · " + erased)
            it.setData(IdRole, c.id)
            it.setToolTip(title)
            self.list.addItem(it)
        has = self.list.count() > 0
        self.list.setVisible(has)
        self.empty.setVisible(not has)
        self._update_buttons()

    def selected_ids(self) -> list[str]:
        return [it.data(IdRole) for it in self.list.selectedItems()]

    def _update_buttons(self) -> None:
        some = bool(self.list.selectedItems())
        self.restore_button.setEnabled(some)
        self.erase_button.setEnabled(some)

    def restore_selected(self) -> None:
        """Take the selected chats out of the bin."""
        for cid in self.selected_ids():
            self.backend.store.restore(cid)
            self.restored.emit(cid)
        self.refresh()

    def erase_selected(self) -> None:
        """Erase the selected chats now, after asking (this cannot be undone)."""
        ids = self.selected_ids()
        if not ids:
            return
        if self.confirm:
            answer = QMessageBox.question(
                self, self.tr("Delete forever"),
                self.tr("Erase this chat for good? This cannot be undone.") if len(ids) == 1 else
                self.tr("Erase these %1 chats for good? This cannot be undone.").replace("%1", str(len(ids))),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.backend.store.purge_deleted(ids=ids)
        for cid in ids:
            self.erased.emit(cid)
        self.refresh()


def show_bin(backend: Any, parent: QWidget | None = None, on_restored: Any = None) -> BinDialog:
    """Open the bin (non-modal) and return it.

    Args:
        backend: the ``Hearth`` facade (its ``store``).
        parent: the window.
        on_restored: called with a conversation id when one is restored (e.g. select it in the list).
    """
    dlg = BinDialog(backend, parent)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_restored is not None:
        dlg.restored.connect(on_restored)
    dlg.show()
    return dlg
