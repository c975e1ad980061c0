"""The left panel: conversations grouped by date (Pinned, Today, Yesterday, Previous 7 days,
Previous 30 days, Older), with search that shows the matching line, rename in place (F2 or a
double-click), pin, export, delete (+ undo, and the bin: "Deleted chats…").

The group headers are painted above the first chat of each group by :class:`ConversationDelegate`:
they are not rows, so they can never be selected, and the rows stay one per chat.
"""
from __future__ import annotations

import datetime as _dt
import logging
import time
from typing import Any, Callable

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMenu, QPushButton, QStyle, QStyledItemDelegate,
                               QStyleOptionViewItem, QVBoxLayout, QWidget)

from assistant.core.app import NEW_CHAT_TITLE
from assistant.ui.plaintext import plain_label, plain_message, plain_tooltip

log = logging.getLogger("assistant.ui")
IdRole = Qt.ItemDataRole.UserRole + 1
TitleRole = Qt.ItemDataRole.UserRole + 2  # the title alone (the text may start with a pin)
HeaderRole = Qt.ItemDataRole.UserRole + 3  # the group's name on its first chat, else ""
SnippetRole = Qt.ItemDataRole.UserRole + 4  # while searching: the line that matched
GroupRole = Qt.ItemDataRole.UserRole + 5  # the group's key ("pinned", "today", ...)
RowRole = Qt.ItemDataRole.UserRole + 6  # what the row was made from (unchanged rows are kept)

GROUPS = ("pinned", "today", "yesterday", "week", "month", "older")


def date_group(updated: float, now: float) -> str:
    """The date group of a chat last changed at ``updated`` (local calendar days before ``now``)."""
    days = (_dt.date.fromtimestamp(now) - _dt.date.fromtimestamp(updated)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days <= 7:
        return "week"
    if days <= 30:
        return "month"
    return "older"


class ConversationDelegate(QStyledItemDelegate):
    """Paints a chat: the group header above the first chat of a group, the title, and while
    searching the matching line under it; edits the title in place (the core renames on Enter)."""

    def __init__(self, renamed: Callable[[str, str], None], parent: Any = None) -> None:
        super().__init__(parent)
        self.renamed = renamed

    @staticmethod
    def _header_font(font: QFont) -> QFont:
        f = QFont(font)
        f.setBold(True)
        if f.pointSizeF() > 0:
            f.setPointSizeF(max(6.0, f.pointSizeF() * 0.9))
        return f

    @staticmethod
    def _snippet_font(font: QFont) -> QFont:
        f = QFont(font)
        f.setItalic(True)
        if f.pointSizeF() > 0:
            f.setPointSizeF(max(6.0, f.pointSizeF() * 0.92))
        return f

    def header_height(self, index: QModelIndex | QPersistentModelIndex, font: QFont) -> int:
        if not index.data(HeaderRole):
            return 0
        return QFontMetrics(self._header_font(font)).height() + 12

    def snippet_height(self, index: QModelIndex | QPersistentModelIndex, font: QFont) -> int:
        if not index.data(SnippetRole):
            return 0
        return QFontMetrics(self._snippet_font(font)).height() + 2

    def row_size(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """A row's size: the title's line (at least a line and a margin), its group header and its
        matching line. The list computes it when it (re)makes a row and stores it on the item
        (Qt.SizeHintRole), so Qt's layout never calls into Python per row; the index must not
        carry a size yet."""
        size = super().sizeHint(option, index)
        base = max(size.height(), QFontMetrics(option.font).height() + 10)
        return QSize(size.width(), base + self.header_height(index, option.font)
                     + self.snippet_height(index, option.font))

    def item_rect(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QRect:
        """The chat's own part of the row (below its group header)."""
        return option.rect.adjusted(0, self.header_height(index, option.font), 0, 0)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        header = index.data(HeaderRole)
        painter.save()
        if header:
            f = self._header_font(option.font)
            painter.setFont(f)
            painter.setPen(option.palette.color(QPalette.ColorRole.WindowText))
            band = QRect(option.rect.left() + 6, option.rect.top() + 6, option.rect.width() - 12,
                         QFontMetrics(f).height())
            painter.drawText(band, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             QFontMetrics(f).elidedText(header, Qt.TextElideMode.ElideRight, band.width()))
        painter.restore()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.rect = self.item_rect(option, index)
        snippet = index.data(SnippetRole)
        if not snippet:
            style = opt.widget.style() if opt.widget is not None else QApplication.style()
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
            return
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        color = opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.save()
        painter.setPen(color)
        inner = opt.rect.adjusted(6, 4, -6, -4)
        fm = QFontMetrics(opt.font)
        painter.setFont(opt.font)
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), fm.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         fm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()))
        sf = self._snippet_font(opt.font)
        painter.setFont(sf)
        sfm = QFontMetrics(sf)
        painter.drawText(QRect(inner.left(), inner.top() + fm.height() + 2, inner.width(), sfm.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         sfm.elidedText(snippet, Qt.TextElideMode.ElideRight, inner.width()))
        painter.restore()

    # editing the title in place ------------------------------------------------------------------
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # noqa: N802 (Qt API)
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("conversationTitleEditor")
        editor.setAccessibleName(QApplication.translate("ConversationList", "Chat title"))
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        editor.setText(index.data(TitleRole) or "")
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        title = editor.text().strip()
        if title and title != index.data(TitleRole):
            self.renamed(str(index.data(IdRole)), title)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                             index: QModelIndex | QPersistentModelIndex) -> None:
        r = self.item_rect(option, index)
        editor.setGeometry(r.adjusted(2, 2, -2, -(2 + self.snippet_height(index, option.font))))


class _ChatList(QListWidget):
    """The list itself: a click on a group header selects nothing."""

    fontOrStyleChanged = Signal()

    def item_option(self) -> QStyleOptionViewItem:
        """The style option Qt gives the delegate for a row (the list's font and style)."""
        opt = QStyleOptionViewItem()
        self.initViewItemOption(opt)
        return opt

    def changeEvent(self, e: QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(e)
        if e.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fontOrStyleChanged.emit()

    def _on_header(self, e: QMouseEvent) -> bool:
        idx = self.indexAt(e.position().toPoint())
        if not idx.isValid():
            return False
        delegate = self.itemDelegate()
        top = self.visualRect(idx).top()
        h = delegate.header_height(idx, self.font()) if isinstance(delegate, ConversationDelegate) else 0
        return e.position().toPoint().y() < top + h

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if self._on_header(e):
            e.accept()
            return
        super().mousePressEvent(e)

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if self._on_header(e):
            e.accept()
            return
        super().mouseDoubleClickEvent(e)


class ConversationList(QWidget):
    """Lists conversations from the store, grouped by date, and edits them.

    ``now`` (a clock, ``time.time`` by default) decides which chats are "Today".

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
        self.search.setAccessibleName(self.tr("Search chats"))
        self.search.setClearButtonEnabled(True)
        self.new_button = QPushButton(self.tr("New chat"), self)
        self.new_button.setToolTip(self.tr("Start a new conversation (Ctrl+N)"))
        self.new_button.clicked.connect(self.newRequested)
        self.now: Callable[[], float] = time.time
        self.list = _ChatList(self)
        self.list.setObjectName("conversations")
        self.list.setAccessibleName(self.tr("Chats"))
        self.delegate = ConversationDelegate(self._renamed_in_place, self.list)
        self.list.setItemDelegate(self.delegate)
        self.list.setUniformItemSizes(False)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.DoubleClicked)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.fontOrStyleChanged.connect(self._resize_rows)
        self.list.currentItemChanged.connect(self._current_changed)
        self.undo_label = plain_label(QLabel(self))  # it quotes the chat title
        self.undo_button = QPushButton(self.tr("Undo"), self)
        self.undo_button.setAccessibleName(self.tr("Undo delete"))
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
        self._sizes: dict[tuple[str, bool, bool], QSize] = {}

    def current_id(self) -> str | None:
        it = self.list.currentItem()
        return it.data(IdRole) if it is not None else None

    def group_names(self) -> dict[str, str]:
        return {"pinned": self.tr("Pinned"), "today": self.tr("Today"), "yesterday": self.tr("Yesterday"),
                "week": self.tr("Previous 7 days"), "month": self.tr("Previous 30 days"),
                "older": self.tr("Older")}

    def refresh(self, select: str | None = None) -> None:
        """Re-read the list (after a change or a search), keeping or setting the selection."""
        from assistant.core.conversations.search import matching_lines

        keep = select or self.current_id()
        query = self.search.text().strip()
        convs = self.backend.store.list(query=query, limit=500)
        lines = matching_lines(self.backend.store, query, [c.id for c in convs]) if query else {}
        names = self.group_names()
        now = self.now()
        rows: list[tuple[str, str, str, str, str, str, str]] = []
        previous = None
        for c in convs:
            title = self.tr("New chat") if c.title in ("", NEW_CHAT_TITLE) else c.title
            group = "pinned" if c.pinned else date_group(c.updated, now)
            rows.append((("📌 " if c.pinned else "") + title, str(c.id), title, group,
                         names[group] if group != previous else "", lines.get(str(c.id), ""), names[group]))
            previous = group
        lst = self.list
        self._silent = True
        try:
            # Rows that did not change are kept as they are (with their size); the others are
            # rewritten in place, so a refresh costs Python work only for what changed.
            while lst.count() > len(rows):
                lst.takeItem(lst.count() - 1)
            opt = None
            current = None
            for i, row in enumerate(rows):
                it = lst.item(i) if i < lst.count() else None
                if it is None:
                    it = QListWidgetItem()
                    it.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsEditable)
                    lst.addItem(it)
                if it.data(RowRole) != row:
                    if opt is None:
                        opt = lst.item_option()
                    self._fill(it, row, opt)
                if row[1] == keep:
                    current = it
            if current is not None:
                lst.setCurrentItem(current)
            else:
                lst.setCurrentItem(None)
                lst.clearSelection()
        finally:
            self._silent = False
        if select is not None:
            self.selected.emit(self.current_id())

    def _fill(self, it: QListWidgetItem, row: tuple[str, str, str, str, str, str, str],
              opt: QStyleOptionViewItem) -> None:
        text, cid, title, group, header, line, group_name = row
        it.setText(text)
        it.setData(IdRole, cid)
        it.setData(TitleRole, title)
        it.setData(GroupRole, group)
        it.setData(HeaderRole, header)
        it.setData(SnippetRole, line)
        it.setData(Qt.ItemDataRole.AccessibleTextRole, title + (" — " + line if line else ""))
        it.setData(Qt.ItemDataRole.AccessibleDescriptionRole, group_name)
        it.setToolTip(plain_tooltip(title + ("\n" + line if line else "")))
        key = (text, bool(header), bool(line))  # all a row's size depends on, for the list's font
        size = self._sizes.get(key)
        if size is None:
            it.setData(Qt.ItemDataRole.SizeHintRole, None)  # the delegate measures the row without one
            size = self.delegate.row_size(opt, self.list.indexFromItem(it))
            if len(self._sizes) > 2000:
                self._sizes.clear()
            self._sizes[key] = size
        it.setSizeHint(size)
        it.setData(RowRole, row)

    def _resize_rows(self) -> None:
        """The list's font or style changed: measure every row again."""
        self._sizes.clear()
        opt = self.list.item_option()
        for i in range(self.list.count()):
            it = self.list.item(i)
            it.setData(Qt.ItemDataRole.SizeHintRole, None)
            it.setSizeHint(self.delegate.row_size(opt, self.list.indexFromItem(it)))

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

    def item(self, conv_id: str) -> QListWidgetItem | None:
        """The row of a chat, or None when it is not listed (deleted, or not found by the search)."""
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(IdRole) == conv_id:
                return it
        return None

    def groups(self) -> list[tuple[str, list[str]]]:
        """What the list shows: (group header, the titles under it) in order."""
        out: list[tuple[str, list[str]]] = []
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(HeaderRole):
                out.append((it.data(HeaderRole), []))
            out[-1][1].append(it.data(TitleRole))
        return out

    def rename(self, conv_id: str, title: str | None = None) -> None:
        """Rename; with no title, the chat's title is edited in place (Enter saves, Esc cancels)."""
        if title is None:
            it = self.item(conv_id)
            if it is not None:
                self.list.setCurrentItem(it)
                self.list.editItem(it)
            return
        if title.strip():
            self.backend.store.rename(conv_id, title.strip())
            self.refresh()

    def _renamed_in_place(self, conv_id: str, title: str) -> None:
        # Called by the delegate while its editor closes: the list is rebuilt once it has.
        self.backend.store.rename(conv_id, title)
        it = self.item(conv_id)
        if it is not None:
            it.setData(TitleRole, title)
            it.setText(("📌 " if it.data(GroupRole) == "pinned" else "") + title)
        QTimer.singleShot(0, self, self.refresh)

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
