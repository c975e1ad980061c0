"""The left panel: conversations, newest and pinned first, with search, rename, pin, export,
delete (+ undo, and the bin: "Deleted chats…")."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMenu, QPushButton, QVBoxLayout, QWidget)

from assistant.core.app import NEW_CHAT_TITLE
from assistant.ui.plaintext import plain_label, plain_message, plain_tooltip

log = logging.getLogger("assistant.ui")
IdRole = Qt.ItemDataRole.UserRole + 1


class ConversationList(QWidget):
    """Lists conversations from the store and edits them.

    Signals:
        selected(object): a conversation id (str), or None when nothing is selected.
        newRequested(): the user asked for a new chat.
    """

    selected = Signal(object)
    newRequested = Signal()
    UNDO_MS = 10000

    def __init__(self, backend: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.search = QLineEdit(self)
        self.search.setObjectName("conversationSearch")
        self.search.setPlaceholderText(self.tr("Search chats (Ctrl+K)"))
        self.search.setClearButtonEnabled(True)
        self.new_button = QPushButton(self.tr("New chat"), self)
        self.new_button.setToolTip(self.tr("Start a new conversation (Ctrl+N)"))
        self.new_button.clicked.connect(self.newRequested)
        self.list = QListWidget(self)
        self.list.setObjectName("conversations")
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemDoubleClicked.connect(lambda it: self.rename(it.data(IdRole)))
        self.undo_label = plain_label(QLabel(self))  # it quotes the chat title
        self.undo_button = QPushButton(self.tr("Undo"), self)
        self.undo_button.clicked.connect(self.undo_delete)
        undo_row = QHBoxLayout()
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self._undo_box = QWidget(self)
        self._undo_box.setLayout(undo_row)
        self._undo_box.hide()
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.timeout.connect(self._undo_box.hide)
        self._deleted: list[str] = []
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 0, 6)
        lay.addWidget(self.new_button)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        lay.addWidget(self._undo_box)
        self._silent = False

    def current_id(self) -> str | None:
        it = self.list.currentItem()
        return it.data(IdRole) if it is not None else None

    def refresh(self, select: str | None = None) -> None:
        """Re-read the list (after a change or a search), keeping or setting the selection."""
        keep = select or self.current_id()
        self._silent = True
        try:
            self.list.clear()
            for c in self.backend.store.list(query=self.search.text().strip(), limit=500):
                title = self.tr("New chat") if c.title in ("", NEW_CHAT_TITLE) else c.title
                it = QListWidgetItem(("📌 " if c.pinned else "") + title)
                it.setData(IdRole, str(c.id))
                it.setToolTip(plain_tooltip(title))
                self.list.addItem(it)
                if str(c.id) == keep:
                    self.list.setCurrentItem(it)
        finally:
            self._silent = False
        if select is not None:
            self.selected.emit(self.current_id())

    def select(self, conv_id: str | None) -> None:
        self.refresh(select=conv_id)

    def _current_changed(self, cur: QListWidgetItem | None, _prev: Any) -> None:
        if not self._silent:
            self.selected.emit(cur.data(IdRole) if cur is not None else None)

    def _menu(self, pos: Any) -> None:
        it = self.list.itemAt(pos)
        if it is None:  # on the empty part of the list: only the bin
            menu = QMenu(self)
            menu.addAction(self.tr("Deleted chats…"), self.open_bin)
            menu.popup(self.list.viewport().mapToGlobal(pos))
            return
        cid = it.data(IdRole)
        conv = self.backend.store.get(cid)
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), lambda: self.rename(cid))
        menu.addAction(self.tr("Unpin") if conv.pinned else self.tr("Pin to top"),
                       lambda: self.set_pinned(cid, not conv.pinned))
        menu.addAction(self.tr("Export as Markdown…"), lambda: self.export(cid, "md"))
        menu.addAction(self.tr("Export as JSON (for Import)…"), lambda: self.export(cid, "json"))
        menu.addSeparator()
        menu.addAction(self.tr("Delete"), lambda: self.delete(cid))
        menu.addAction(self.tr("Deleted chats…"), self.open_bin)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def open_bin(self) -> Any:
        """Show the bin (deleted chats, with Restore and Delete forever); a restored chat is selected."""
        from assistant.ui.bin_dialog import show_bin

        dlg = show_bin(self.backend, self.window(), on_restored=self._restored_from_bin)
        dlg.erased.connect(self._erased_from_bin)
        return dlg

    def _restored_from_bin(self, conv_id: str) -> None:
        if conv_id in self._deleted:
            self._deleted.remove(conv_id)
        self._undo_box.setVisible(bool(self._deleted))
        self.select(conv_id)

    def _erased_from_bin(self, conv_id: str) -> None:
        if conv_id in self._deleted:  # "Undo" can no longer bring it back
            self._deleted.remove(conv_id)
        self._undo_box.setVisible(bool(self._deleted))

    def rename(self, conv_id: str, title: str | None = None) -> None:
        """Rename (asks for the title when none is given)."""
        if title is None:
            conv = self.backend.store.get(conv_id)
            title, ok = QInputDialog.getText(self, self.tr("Rename chat"), self.tr("Title:"), text=conv.title)
            if not ok:
                return
        if title.strip():
            self.backend.store.rename(conv_id, title.strip())
            self.refresh()

    def set_pinned(self, conv_id: str, pinned: bool) -> None:
        self.backend.store.set_pinned(conv_id, pinned)
        self.refresh()

    def delete(self, conv_id: str) -> None:
        """Delete a conversation; "Undo" brings it back for a few seconds."""
        conv = self.backend.store.get(conv_id)
        row = self.list.currentRow()
        was_current = conv_id == self.current_id()
        self.backend.store.delete(conv_id)
        self._deleted.append(conv_id)
        self.undo_label.setText(self.tr("Deleted “%s”.") % (conv.title or self.tr("New chat")))
        self._undo_box.show()
        self._undo_timer.start(self.UNDO_MS)
        self.refresh()
        if was_current:
            n = self.list.count()
            if n:
                self.list.setCurrentRow(min(row, n - 1))
            else:
                self.selected.emit(None)

    def undo_delete(self) -> None:
        """Bring back the most recently deleted conversation."""
        if not self._deleted:
            return
        cid = self._deleted.pop()
        self.backend.store.restore(cid)
        self._undo_box.setVisible(bool(self._deleted))
        self.select(cid)

    def export(self, conv_id: str, kind: str, path: str | None = None) -> bool:
        """Write a chat as Markdown ("md") or as JSON that File → Import reads back ("json").

        Asks for the file when ``path`` is None. Returns whether the file was written.
        """
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from assistant.core.conversations import export

        conv = self.backend.store.get(conv_id)
        if path is None:
            name = "".join("-" if ch in '/\\:*?"<>|' else ch for ch in (conv.title or "chat"))
            name += ".md" if kind == "md" else ".json"
            filt = self.tr("Markdown (*.md)") if kind == "md" else self.tr("Chats (*.json)")
            path, _f = QFileDialog.getSaveFileName(self, self.tr("Export chat"), name, filt)
            if not path:
                return False
        text = self.backend.export_markdown(conv_id) if kind == "md" else \
            export.dumps(self.backend.store.export_json(conv_id))
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        except OSError as e:
            log.warning("could not export %s to %s: %s", conv_id, path, e)
            box = plain_message(QMessageBox(
                QMessageBox.Icon.Warning, self.tr("Export chat"),
                self.tr("Could not write %1: %2").replace("%1", path).replace("%2", e.strerror or str(e)),
                QMessageBox.StandardButton.Ok, self))
            box.open()
            return False
        return True
