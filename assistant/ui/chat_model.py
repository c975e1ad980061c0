"""The transcript as an append-only list model.

Rows are :class:`ChatItem`s. New messages are appended; streaming text goes into the last row
only, and each change bumps the item's ``version`` so the delegate's layout cache stays valid
for every other row. Switching conversation or branch resets the model (rare, explicit).
Rows are kept in Qt's C++ item model so that laying the list out never enters Python.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

ItemRole = int(Qt.ItemDataRole.UserRole) + 1
RoleRole = int(Qt.ItemDataRole.UserRole) + 2
StatusRole = int(Qt.ItemDataRole.UserRole) + 3
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_SIZE = int(Qt.ItemDataRole.SizeHintRole)


@dataclass
class ChatItem:
    """One message as the chat view shows it."""

    id: str
    role: str
    content: str
    status: str = "complete"
    stats: dict[str, Any] | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    branch: int = 1  # 1-based position among its siblings
    branches: int = 1
    version: int = 0
    error: str = ""
    thinking_open: bool = False  # the reasoning section is expanded
    reasoning_tokens: int = 0  # counted while it streamed (0: estimated from the text)
    reasoning_s: float = 0.0
    rating: str = ""  # the user's 👍 ("up") or 👎 ("down") on this answer, "" when not rated
    better: str = ""  # the better answer the user wrote for it
    # each sentence's support against the passages (meta "support": text, start, end, supported,
    # checked, reason, detail, source), empty when the answer was not checked
    support: list[dict[str, Any]] = field(default_factory=list)
    # what self-reflection did (meta "reflection": kept, answer, why, and the other answer's id:
    # discarded_message_id on the kept answer, kept_message_id on the other); empty when it did not run
    reflection: dict[str, Any] = field(default_factory=dict)
    # the documents do not contain the answer (the answer says so; meta "grounding" not_found)
    not_found: bool = False
    # answered "from general knowledge, not your documents" (meta "general_knowledge")
    general_knowledge: bool = False
    # the row's size as last laid out, and the width it was laid out for (see TranscriptModel.data)
    size: Any = field(default=None, repr=False, compare=False)
    size_width: int = field(default=0, repr=False, compare=False)

    @classmethod
    def from_stored(cls, m: Any, branch: int = 1, branches: int = 1) -> "ChatItem":
        cites = [c if isinstance(c, dict) else dataclasses.asdict(c) for c in (m.citations or [])]
        stats = m.stats if isinstance(m.stats, dict) or m.stats is None else dataclasses.asdict(m.stats)
        meta = getattr(m, "meta", None) or {}
        return cls(id=str(m.id), role=m.role, content=m.content or "", status=m.status or "complete",
                   stats=stats, citations=cites, branch=branch, branches=branches,
                   reasoning_tokens=int(meta.get("reasoning_tokens") or 0),
                   reasoning_s=float(meta.get("reasoning_s") or 0.0),
                   support=[s for s in meta.get("support") or [] if isinstance(s, dict)],
                   reflection=dict(meta["reflection"]) if isinstance(meta.get("reflection"), dict) else {},
                   not_found=_not_found(meta, stats), general_knowledge=meta.get("general_knowledge") is True)


def _not_found(meta: dict[str, Any], stats: dict[str, Any] | None) -> bool:
    """Whether a stored answer says the documents do not contain the answer."""
    for where in (meta.get("grounding"), (stats or {}).get("support")):
        if isinstance(where, dict) and where.get("not_found") is True:
            return True
    return False


class _RowIndex:
    """``model.index(row)`` (column 0 by default) for Python callers, unseen by Qt.

    A method named ``index`` on the model would be an override of the C++ virtual, so each of
    the view's many ``index()`` calls while laying the list out would enter Python; a callable
    attribute that is not a function is not taken for one.
    """

    __slots__ = ()

    def __get__(self, model: Any, owner: Any = None) -> Any:
        return self if model is None else _BoundRowIndex(model)


class _BoundRowIndex:
    __slots__ = ("model",)

    def __init__(self, model: "TranscriptModel") -> None:
        self.model = model

    def __call__(self, row: int, column: int = 0, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
                 ) -> QModelIndex:
        return QStandardItemModel.index(self.model, row, column, parent)


_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class TranscriptModel(QStandardItemModel):
    """Append-only list of :class:`ChatItem`.

    The rows live in Qt's own (C++) item model, each with its message, text and laid-out size,
    and no Qt virtual is overridden in Python. Laying the list out after an append or while an
    answer streams asks every row for its size: answered in C++, that never waits for the
    interpreter, which workers (indexing, imports) hold most of the time.

    Args:
        wait_for_width: measure rows only once the view has told its width (``row_width``), so
            a conversation opened before the window is shown is laid out once, at its real width.
    """

    index = _RowIndex()

    def __init__(self, parent: Any = None, *, wait_for_width: bool = False) -> None:
        super().__init__(parent)
        self._items: list[ChatItem] = []
        # Set by the view: returns a row's QSize. Sizes are measured when a row is added or
        # changes (or the width does) and kept in the row, where the view's layout finds them.
        self._size_for: Callable[[ChatItem], Any] | None = None
        self._row_width = 0  # the view's width; rows are measured again when it changes
        self.wait_for_width = wait_for_width

    @property
    def size_for(self) -> Callable[[ChatItem], Any] | None:
        return self._size_for

    @size_for.setter
    def size_for(self, fn: Callable[[ChatItem], Any] | None) -> None:
        self._size_for = fn
        self.forget_sizes()

    @property
    def row_width(self) -> int:
        return self._row_width

    @row_width.setter
    def row_width(self, width: int) -> None:
        if width != self._row_width:
            self._row_width = width
            self.forget_sizes()

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({ItemRole: b"item", RoleRole: b"role", StatusRole: b"status"})
        return names

    # rows ---------------------------------------------------------------------------------------
    def _measure(self, item: ChatItem) -> Any:
        """The row's size (and remembered in the item), or None while it cannot be measured yet."""
        if self._size_for is None or (self.wait_for_width and self._row_width <= 0):
            item.size = None
            return None
        item.size, item.size_width = self._size_for(item), self._row_width
        return item.size

    def _row(self, item: ChatItem) -> QStandardItem:
        row = QStandardItem()
        row.setFlags(_FLAGS)
        row.setData(item, ItemRole)  # the same object for the row's life: changed in place
        self._fill(row, item, self._measure(item))
        return row

    @staticmethod
    def _fill(row: QStandardItem, item: ChatItem, size: Any) -> None:
        row.setData(item.content, _DISPLAY)
        row.setData(item.role, RoleRole)
        row.setData(item.status, StatusRole)
        row.setData(size, _SIZE)

    def _changed(self, first: int, last: int, roles: list[Any]) -> None:
        self.dataChanged.emit(self.index(first), self.index(last), roles)

    # Transcript API -------------------------------------------------------------------------
    def items(self) -> list[ChatItem]:
        return list(self._items)

    def item(self, row: int) -> ChatItem:  # type: ignore[override]  (rows are messages here)
        return self._items[row]

    def row_of(self, message_id: str) -> int:
        for i in range(len(self._items) - 1, -1, -1):
            if self._items[i].id == message_id:
                return i
        return -1

    def forget_sizes(self) -> None:
        """Measure every row again (the text size or the width changed)."""
        if not self._items:
            return
        root = self.invisibleRootItem()
        blocked = self.blockSignals(True)  # one dataChanged for all rows, not one per row
        try:
            for n, item in enumerate(self._items):
                root.child(n).setData(self._measure(item), _SIZE)
        finally:
            self.blockSignals(blocked)
        self._changed(0, len(self._items) - 1, [Qt.ItemDataRole.SizeHintRole])

    def set_items(self, items: list[ChatItem]) -> None:
        """Show another conversation or branch."""
        self.beginResetModel()
        blocked = self.blockSignals(True)  # the views hear of the reset only
        try:
            self.setRowCount(0)
            self._items = list(items)
            if items:
                self.invisibleRootItem().appendRows([self._row(item) for item in items])
        finally:
            self.blockSignals(blocked)
        self.endResetModel()

    def append(self, item: ChatItem) -> None:
        """Add a message at the end."""
        self._items.append(item)
        self.appendRow(self._row(item))

    def append_text(self, text: str) -> None:
        """Stream more text into the last message (the only row that changes while streaming)."""
        if not self._items or not text:
            return
        last = self._items[-1]
        last.content += text
        last.version += 1
        self._update_row(len(self._items) - 1, [Qt.ItemDataRole.DisplayRole, ItemRole])

    def update(self, row: int, **changes: Any) -> None:
        """Change fields of one message (status, stats, citations at the end of an answer)."""
        item = self._items[row]
        for k, v in changes.items():
            setattr(item, k, v)
        item.version += 1
        self._update_row(row, [Qt.ItemDataRole.DisplayRole, ItemRole, StatusRole])

    def _update_row(self, row: int, roles: list[Any]) -> None:
        item = self._items[row]
        old = item.size
        size = self._measure(item)
        blocked = self.blockSignals(True)  # one dataChanged below, with the roles that changed
        try:
            self._fill(self.invisibleRootItem().child(row), item, size)
        finally:
            self.blockSignals(blocked)
        self._changed(row, row, roles + ([Qt.ItemDataRole.SizeHintRole] if size != old else []))

    def truncate(self, rows: int) -> None:
        """Drop the rows from ``rows`` on (a message deleted, or a branch cut before a fork)."""
        if rows >= len(self._items):
            return
        del self._items[rows:]
        self.removeRows(rows, self.rowCount() - rows)
