"""The transcript as an append-only list model.

Rows are :class:`ChatItem`s. New messages are appended; streaming text goes into the last row
only, and each change bumps the item's ``version`` so the delegate's layout cache stays valid
for every other row. Switching conversation or branch resets the model (rare, explicit).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

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


class TranscriptModel(QAbstractListModel):
    """Append-only list of :class:`ChatItem`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[ChatItem] = []
        # Set by the view: returns a row's QSize. Serving sizes from the model lets the view's
        # C++ layout ask for them without a Python delegate call per row.
        self.size_for: Callable[[ChatItem], Any] | None = None
        self.row_width = 0  # the view's width; a row's remembered size is reused while it holds

    # Qt API -------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        # Called for every row each time the view lays the list out (after each append):
        # plain integer roles and the size first keep that cheap for 1,000+ messages.
        row = index.row()
        items = self._items
        if not 0 <= row < len(items):
            return None
        item = items[row]
        if role == _SIZE:
            if self.size_for is None:
                return None
            # Laying out the list asks every row for its size after each append: answer from
            # the row itself unless it changed or the width did.
            if item.size is None or item.size_width != self.row_width:
                item.size, item.size_width = self.size_for(item), self.row_width
            return item.size
        if role == ItemRole:
            return item
        if role == _DISPLAY:
            return item.content
        # No ToolTipRole: Qt shows tooltip text that looks like HTML as rich text, loading its
        # images from disk; the delegate gives citations their own (escaped) tooltips.
        if role == RoleRole:
            return item.role
        if role == StatusRole:
            return item.status
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({ItemRole: b"item", RoleRole: b"role", StatusRole: b"status"})
        return names

    # Transcript API -------------------------------------------------------------------------
    def items(self) -> list[ChatItem]:
        return list(self._items)

    def item(self, row: int) -> ChatItem:
        return self._items[row]

    def row_of(self, message_id: str) -> int:
        for i in range(len(self._items) - 1, -1, -1):
            if self._items[i].id == message_id:
                return i
        return -1

    def forget_sizes(self) -> None:
        """Drop every row's remembered size (the text size changed: each is measured again)."""
        for item in self._items:
            item.size = None
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1),
                                  [Qt.ItemDataRole.SizeHintRole])

    def set_items(self, items: list[ChatItem]) -> None:
        """Show another conversation or branch."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def append(self, item: ChatItem) -> None:
        """Add a message at the end."""
        n = len(self._items)
        self.beginInsertRows(QModelIndex(), n, n)
        self._items.append(item)
        self.endInsertRows()

    def append_text(self, text: str) -> None:
        """Stream more text into the last message (the only row that changes while streaming)."""
        if not self._items or not text:
            return
        last = self._items[-1]
        last.content += text
        last.version += 1
        last.size = None
        idx = self.index(len(self._items) - 1)
        self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DisplayRole, ItemRole])

    def update(self, row: int, **changes: Any) -> None:
        """Change fields of one message (status, stats, citations at the end of an answer)."""
        item = self._items[row]
        for k, v in changes.items():
            setattr(item, k, v)
        item.version += 1
        item.size = None
        idx = self.index(row)
        self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DisplayRole, ItemRole, StatusRole])

    def truncate(self, rows: int) -> None:
        """Drop the rows from ``rows`` on (a message deleted, or a branch cut before a fork)."""
        if rows >= len(self._items):
            return
        self.beginRemoveRows(QModelIndex(), rows, len(self._items) - 1)
        del self._items[rows:]
        self.endRemoveRows()
