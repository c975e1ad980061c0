"""Paints one message: Markdown through QTextDocument, citations, stats and actions.

Layouts are cached per (message, version, width), so a long conversation only lays out the
row that changed. The action words under a message ("Copy", "Regenerate", ...) and the
citations are hit-tested here and reported through :attr:`MessageDelegate.action`.
"""
from __future__ import annotations

import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (QAbstractTextDocumentLayout, QColor, QFont, QFontMetrics, QMouseEvent,
                           QPainter, QPalette, QTextBlockFormat, QTextCursor, QTextDocument,
                           QTextFormat)
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from assistant.ui.chat_model import ChatItem, ItemRole

CODE_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
MARGIN, PAD, GAP = 10, 10, 4


def code_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of a message (what "Copy code" copies)."""
    return [m.group(1).rstrip("\n") for m in CODE_FENCE.finditer(markdown)]


def stats_line(stats: dict[str, Any] | None) -> str:
    """"42.0 tok/s · first token 0.12 s · context 310/4096", or "" without stats."""
    if not stats:
        return ""
    parts = []
    if stats.get("tokens_per_s"):
        parts.append(QApplication.translate("Chat", "%.1f tok/s") % stats["tokens_per_s"])
    if stats.get("ttft_s"):
        parts.append(QApplication.translate("Chat", "first token %.2f s") % stats["ttft_s"])
    if stats.get("context_size"):
        parts.append(QApplication.translate("Chat", "context %d/%d") % (stats.get("context_used", 0), stats["context_size"]))
    if stats.get("dropped_turns"):
        parts.append(QApplication.translate("Chat", "%d old turns left out") % stats["dropped_turns"])
    return " · ".join(parts)


def citation_label(c: dict[str, Any]) -> str:
    name = os.path.basename(str(c.get("source_path", ""))) or "?"
    num = c.get("number")
    label = f"[{num}] {name}" if num else name
    if c.get("page"):
        label += QApplication.translate("Chat", ", page %d") % int(c["page"])
    return label


@dataclass
class _Layout:
    height: int
    doc: QTextDocument
    header: str
    doc_top: int
    cite_rects: list[tuple[QRect, int]] = field(default_factory=list)
    stats: str = ""
    stats_y: int = 0
    actions: list[tuple[str, str, QRect]] = field(default_factory=list)  # (name, label, rect)


class MessageDelegate(QStyledItemDelegate):
    """Draws :class:`ChatItem` rows and turns clicks on their actions into signals.

    Signals:
        action(str, str, int): (action name, message id, argument). Names: ``copy``,
            ``copy_code``, ``regenerate``, ``edit``, ``delete``, ``prev_branch``,
            ``next_branch``, ``citation`` (argument: citation index).
    """

    action = Signal(str, str, int)
    CACHE_SIZE = 300  # laid-out documents kept for painting (heights are kept for every row)

    def __init__(self, view: Any) -> None:
        super().__init__(view)
        self._view = view
        self._cache: OrderedDict[tuple[Any, ...], _Layout] = OrderedDict()
        self._heights: dict[tuple[Any, ...], int] = {}
        self.busy = False  # while generating, "Regenerate" and "Edit" are not offered

    def clear_cache(self) -> None:
        self._cache.clear()
        self._heights.clear()

    # layout -------------------------------------------------------------------------------
    def _width(self, option: QStyleOptionViewItem | None) -> int:
        w = self._view.viewport().width() if self._view is not None else option.rect.width()  # type: ignore[union-attr]
        return max(200, w)

    BUSY_ACTIONS = ("regenerate", "edit", "delete")  # offered, but inactive while an answer is written

    def _actions_for(self, item: ChatItem) -> list[tuple[str, str]]:
        acts = [("copy", QApplication.translate("Chat", "Copy"))]
        if item.role == "assistant" and code_blocks(item.content):
            acts.append(("copy_code", QApplication.translate("Chat", "Copy code")))
        if item.status != "streaming":
            if item.role == "assistant":
                acts.append(("regenerate", QApplication.translate("Chat", "Regenerate")))
            if item.role == "user":
                acts.append(("edit", QApplication.translate("Chat", "Edit")))
            acts.append(("delete", QApplication.translate("Chat", "Delete")))
        if item.branches > 1:
            acts += [("prev_branch", "‹"), ("branch_label", f"{item.branch}/{item.branches}"),
                     ("next_branch", "›")]
        return acts

    def _key(self, item: ChatItem, width: int) -> tuple[Any, ...]:
        # The key is the content itself, so reloading the same messages reuses their layouts.
        return (item.id, hash(item.content), item.status, item.branch, item.branches,
                len(item.citations), bool(item.stats), item.error, width)

    def size_for(self, item: ChatItem) -> QSize:
        """The row's size at the view's current width (served as the model's SizeHintRole).

        Heights are remembered for every message, so laying out a long conversation after an
        append costs a dictionary lookup per row, not a Markdown layout.
        """
        width = self._width(None)
        key = self._key(item, width)
        h = self._heights.get(key)
        if h is None:
            h = self.layout_for(item, width, self._view.font() if self._view is not None else QFont()).height
        return QSize(width, h)

    def layout_for(self, item: ChatItem, width: int, font: QFont) -> _Layout:
        key = self._key(item, width)
        lay = self._cache.get(key)
        if lay is not None:
            self._cache.move_to_end(key)
            return lay
        inner = width - 2 * MARGIN - 2 * PAD
        fm = QFontMetrics(font)
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(0)
        doc.setMarkdown(item.content or (QApplication.translate("Chat", "…") if item.status == "streaming" else ""))
        _style_code_blocks(doc)
        doc.setTextWidth(inner)
        header = QApplication.translate("Chat", "You") if item.role == "user" else QApplication.translate("Chat", "Hearth")
        if item.status == "stopped":
            header += "  · " + QApplication.translate("Chat", "stopped")
        elif item.status == "error":
            header += "  · " + QApplication.translate("Chat", "failed")
        y = MARGIN + PAD
        doc_top = y + fm.height() + GAP
        y = doc_top + int(doc.size().height()) + GAP
        lay = _Layout(height=0, doc=doc, header=header, doc_top=doc_top)
        x0 = MARGIN + PAD
        small = QFontMetrics(_small(font))
        for i, c in enumerate(item.citations):
            r = QRect(x0, y, min(inner, small.horizontalAdvance(citation_label(c)) + 4), small.height())
            lay.cite_rects.append((r, i))
            y += small.height() + 2
        lay.stats = stats_line(item.stats) if item.role == "assistant" else ""
        if item.error:
            lay.stats = item.error
        if lay.stats:
            lay.stats_y = y
            y += small.height() + 2
        x = x0
        for name, label in self._actions_for(item):
            w = small.horizontalAdvance(label) + 12
            if x > x0 and x + w > x0 + inner:  # a narrow window: actions wrap to a new line
                x, y = x0, y + small.height() + 6
            lay.actions.append((name, label, QRect(x, y, w, small.height() + 4)))
            x += w + 4
        y += small.height() + 4 + PAD + MARGIN // 2
        lay.height = y
        self._cache[key] = lay
        self._heights[key] = y
        if len(self._cache) > self.CACHE_SIZE:
            self._cache.popitem(last=False)
        return lay

    # QStyledItemDelegate -----------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        item: ChatItem = index.data(ItemRole)
        lay = self.layout_for(item, self._width(option), option.font)
        pal = option.palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = option.rect
        bubble = QRectF(r.left() + MARGIN, r.top() + MARGIN / 2, r.width() - 2 * MARGIN,
                        lay.height - MARGIN)
        base = pal.color(QPalette.ColorRole.Base)
        tint = pal.color(QPalette.ColorRole.Highlight)
        fill = _mix(base, tint, 0.12 if item.role == "user" else 0.04)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 8, 8)
        ox, oy = r.left(), r.top()
        text_col = pal.color(QPalette.ColorRole.Text)
        muted = _mix(base, text_col, 0.6)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_col)
        fm = QFontMetrics(bold)
        painter.drawText(QPointF(ox + MARGIN + PAD, oy + MARGIN + PAD + fm.ascent()), lay.header)
        painter.translate(ox + MARGIN + PAD, oy + lay.doc_top)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, text_col)
        ctx.palette.setColor(QPalette.ColorRole.Link, pal.color(QPalette.ColorRole.Link))
        lay.doc.documentLayout().draw(painter, ctx)
        painter.translate(-(ox + MARGIN + PAD), -(oy + lay.doc_top))
        small = _small(option.font)
        painter.setFont(small)
        sfm = QFontMetrics(small)
        link = pal.color(QPalette.ColorRole.Link)
        for rect, i in lay.cite_rects:
            painter.setPen(link)
            painter.drawText(rect.translated(ox, oy), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             sfm.elidedText(citation_label(item.citations[i]), Qt.TextElideMode.ElideMiddle,
                                            rect.width()))
        if lay.stats:
            painter.setPen(QColor("#c0392b") if item.error else muted)
            painter.drawText(QPointF(ox + MARGIN + PAD, oy + lay.stats_y + sfm.ascent()),
                             sfm.elidedText(lay.stats, Qt.TextElideMode.ElideRight,
                                            r.width() - 2 * (MARGIN + PAD)))
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        for name, label, rect in lay.actions:
            inactive = name == "branch_label" or (self.busy and name in self.BUSY_ACTIONS)
            painter.setPen(link if hovered and not inactive else (_mix(base, text_col, 0.3) if inactive and
                                                                  name != "branch_label" else muted))
            painter.drawText(rect.translated(ox, oy), Qt.AlignmentFlag.AlignCenter, label)
        painter.restore()

    def editorEvent(self, event: QEvent, model: Any, option: QStyleOptionViewItem, index: Any) -> bool:
        if event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        item: ChatItem = index.data(ItemRole)
        hit = self.hit(item, event.position().toPoint() - option.rect.topLeft(), self._width(option),
                       option.font)
        if hit is None:
            return False
        self.action.emit(hit[0], item.id, hit[1])
        return True

    def hit(self, item: ChatItem, pos: Any, width: int, font: QFont) -> tuple[str, int] | None:
        """What is under ``pos`` (relative to the row): (action, argument) or None."""
        lay = self.layout_for(item, width, font)
        for rect, i in lay.cite_rects:
            if rect.contains(pos):
                return ("citation", i)
        for name, _label, rect in lay.actions:
            if rect.contains(pos) and name != "branch_label":
                if self.busy and name in self.BUSY_ACTIONS:
                    return None
                return (name, 0)
        return None

    def action_rect(self, item: ChatItem, name: str, width: int, font: QFont) -> QRect | None:
        """Where an action is drawn (tests click it)."""
        lay = self.layout_for(item, width, font)
        if name == "citation":
            return lay.cite_rects[0][0] if lay.cite_rects else None
        return next((r for n, _l, r in lay.actions if n == name), None)


def _small(font: QFont) -> QFont:
    f = QFont(font)
    if f.pointSizeF() > 0:
        f.setPointSizeF(max(7.0, f.pointSizeF() - 1))
    return f


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(int(a.red() + (b.red() - a.red()) * t), int(a.green() + (b.green() - a.green()) * t),
                  int(a.blue() + (b.blue() - a.blue()) * t))


def _style_code_blocks(doc: QTextDocument) -> None:
    """Give fenced code a tinted background (Qt already sets it in the fixed-pitch font)."""
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().hasProperty(QTextFormat.Property.BlockCodeFence):
            fmt = QTextBlockFormat()
            fmt.setBackground(QColor(127, 127, 127, 40))
            cur = QTextCursor(block)
            cur.mergeBlockFormat(fmt)
        block = block.next()
