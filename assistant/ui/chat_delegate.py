"""Paints one message: Markdown through QTextDocument, citations, stats and actions.

Layouts are cached per (message, version, width), so a long conversation only lays out the
row that changed. The action words under a message ("Copy", "Regenerate", ...) and the
citations are hit-tested here and reported through :attr:`MessageDelegate.action`.

Message text is untrusted (a model can be steered by text inside indexed documents), so it is
laid out in a :class:`SafeTextDocument`: Markdown without raw HTML, and no resource is loaded
except small inline ``data:`` images. Text that reaches a tooltip goes through
:func:`plain_tooltip`, because Qt renders tooltip text that looks like HTML as rich text.
"""
from __future__ import annotations

import base64
import logging
import os
import re
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRect, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (QAbstractTextDocumentLayout, QRegion, QColor, QFont, QFontMetrics, QHelpEvent, QImage,
                           QImageReader, QMouseEvent, QPainter, QPalette, QPen, QTextBlockFormat, QTextCharFormat,
                           QTextCursor,
                           QTextDocument, QTextFormat)
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from assistant.core.answers.reasoning import has_reasoning, split_reasoning, strip_reasoning
from assistant.ui.chat_model import ChatItem, ItemRole
from assistant.ui.code_highlight import highlight, widest_line
from assistant.ui.plaintext import plain_tooltip

log = logging.getLogger("assistant.ui")

CODE_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
MARGIN, PAD, GAP = 10, 10, 4
SOURCE_INDENT = 16  # passages under their file's entry
CODE_TINT = QColor(127, 127, 127, 40)  # fenced code's background
CODE_BAR = 5  # the height of a code block's sideways scroll bar
UNSUPPORTED_COLOUR = QColor("#d35400")  # the wavy line under a sentence no passage supports
UNSUPPORTED_PROPERTY = int(QTextFormat.Property.UserProperty) + 1  # char format mark: not supported
GENERAL_COLOUR = QColor("#b9770e")  # the "From general knowledge, not your documents" mark above an answer

MAX_IMAGE_BYTES = 1 << 20  # an inline data: image larger than this (decoded) is not shown
MAX_IMAGE_SIDE = 4096  # nor one whose pixels would take more memory than a page of text should
SHOWN_IMAGE_WIDTH = 640  # a shown image is scaled down to this width
BLOCKED_IMAGE = "hearth-blocked-image"  # what every non-data image in a message is renamed to
_IMAGE_RESOURCE = QTextDocument.ResourceType.ImageResource.value
MARKDOWN_FEATURES = (QTextDocument.MarkdownFeature.MarkdownDialectGitHub
                     | QTextDocument.MarkdownFeature.MarkdownNoHTML)


def _placeholder_image() -> QImage:
    """What a blocked or unreadable image shows: a small grey square.

    It must not be a null image: for a null resource Qt falls back to loading the image's
    name as a file path itself, on the GUI thread.
    """
    img = QImage(16, 16, QImage.Format.Format_ARGB32)
    img.fill(QColor(128, 128, 128, 90))
    return img


def decode_data_image(url: str) -> QImage | None:
    """The image in a ``data:`` URL, or None if it is not one, too large or not an image.

    Bounded before any work: the encoded length, the decoded length (<= :data:`MAX_IMAGE_BYTES`)
    and the pixel size the header announces (<= :data:`MAX_IMAGE_SIDE` a side) are checked
    before the pixels are decoded.
    """
    if not url[:5].lower() == "data:" or "," not in url:
        return None
    meta, payload = url[5:].split(",", 1)
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 16 and ";base64" in meta.lower():
        return None
    try:
        if meta.lower().endswith(";base64"):
            data = base64.b64decode("".join(payload.split()), validate=True)
        else:
            if len(payload) > 3 * MAX_IMAGE_BYTES:
                return None
            data = urllib.parse.unquote_to_bytes(payload)
    except ValueError:
        return None
    if len(data) > MAX_IMAGE_BYTES:
        return None
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buf)
    size = reader.size()
    if not size.isValid() or size.width() > MAX_IMAGE_SIDE or size.height() > MAX_IMAGE_SIDE:
        return None
    if size.width() > SHOWN_IMAGE_WIDTH:
        reader.setScaledSize(size.scaled(SHOWN_IMAGE_WIDTH, MAX_IMAGE_SIDE, Qt.AspectRatioMode.KeepAspectRatio))
    img = reader.read()
    return None if img.isNull() else img


class SafeTextDocument(QTextDocument):
    """A QTextDocument that never reads a file or a URL on its own.

    Qt's default ``loadResource`` reads any path or ``file:`` URL an image or style sheet
    names, on the thread that lays the text out: ``![](/dev/zero)`` in an answer would freeze
    the window for ever. Here inline ``data:`` images of bounded size are decoded; anything
    else gets a placeholder and is recorded in :attr:`blocked`.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.blocked: list[str] = []
        self._placeholder = _placeholder_image()

    def set_message_markdown(self, text: str) -> None:
        """Lay out a message: GitHub Markdown, raw HTML shown as text, images neutralised."""
        self.setMarkdown(text, MARKDOWN_FEATURES)
        if "![" in text:  # every Markdown image starts so (raw HTML is off): no walk over plain text
            _rename_images(self)

    def loadResource(self, kind: int, name: QUrl) -> Any:  # noqa: N802 (Qt API)
        url = name.toString()
        if getattr(kind, "value", kind) == _IMAGE_RESOURCE:
            if url.lower().startswith("data:"):
                img = decode_data_image(url)
                if img is not None:
                    return img
            self.blocked.append(url[:200])
            return self._placeholder
        self.blocked.append(url[:200])
        return QByteArray()


def _rename_images(doc: QTextDocument) -> None:
    """Give every image that is not an inline ``data:`` image a harmless name.

    Before asking the document for an image, Qt checks the file system for "@2x" variants of
    its name on high-DPI screens; a name that is no path at all keeps that from touching a file.
    The original name stays in the image's tooltip property for the record.
    """
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            if fmt.isImageFormat():
                img = fmt.toImageFormat()
                if not img.name().lower().startswith("data:") and img.name() != BLOCKED_IMAGE:
                    img.setToolTip(img.name()[:200])
                    img.setName(BLOCKED_IMAGE)
                    cur = QTextCursor(doc)
                    cur.setPosition(frag.position())
                    cur.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
                    cur.setCharFormat(img)
            it += 1
        block = block.next()


def code_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of a message (what "Copy code" copies)."""
    return [m.group(1).rstrip("\n") for m in CODE_FENCE.finditer(markdown)]


def stats_line(stats: dict[str, Any] | None) -> str:
    """"42.0 tok/s · first token 0.12 s · context 310/4096", or "" without stats."""
    if not stats:
        return ""
    parts = []
    support = stats.get("support")
    if isinstance(support, dict) and support.get("sentences"):
        parts.append(QApplication.translate("Chat", "%d of %d sentences supported")
                     % (support.get("supported", 0), support["sentences"]))
    if stats.get("tokens_per_s"):
        parts.append(QApplication.translate("Chat", "%.1f tok/s") % stats["tokens_per_s"])
    if stats.get("ttft_s"):
        parts.append(QApplication.translate("Chat", "first token %.2f s") % stats["ttft_s"])
    if stats.get("context_size"):
        parts.append(QApplication.translate("Chat", "context %d/%d") % (stats.get("context_used", 0), stats["context_size"]))
    if stats.get("dropped_turns"):
        parts.append(QApplication.translate("Chat", "%d old turns left out") % stats["dropped_turns"])
    if stats.get("truncated_user"):
        parts.append(QApplication.translate("Chat", "your message was cut to fit the context"))
    if stats.get("restart_reason"):
        parts.append(QApplication.translate("Chat", "the model was restarted first: %s") % stats["restart_reason"])
    return " · ".join(parts)


def reflection_line(item: ChatItem) -> str:
    """"Checked against your documents: kept the re-answer: …" under an answer self-reflection checked ("" else)."""
    r = item.reflection
    if item.role != "assistant" or not r.get("why"):
        return ""
    if r.get("kept") is False:
        return QApplication.translate("Chat", "Not kept. Checked against your documents: %s") % r["why"]
    return QApplication.translate("Chat", "Checked against your documents: %s") % r["why"]


def other_answer_label(item: ChatItem) -> str:
    """The link to the reflection's other answer ("" when there is none to show)."""
    r = item.reflection
    if item.role != "assistant" or not r.get("why") or item.branches < 2:
        return ""
    if r.get("kept") is False:
        return QApplication.translate("Chat", "Show the kept answer ›")
    if r.get("answer") == "reflected":
        return QApplication.translate("Chat", "Show the first answer ›")
    return QApplication.translate("Chat", "Show the re-answer ›")


def general_mark(item: ChatItem) -> str:
    """The mark above an answer made without the documents ("" for any other message)."""
    if item.role != "assistant" or not item.general_knowledge:
        return ""
    return QApplication.translate("Chat", "From general knowledge, not your documents")


def answer_anyway_label(item: ChatItem) -> str:
    """The link under a "not found" answer that answers again from general knowledge ("" when not offered)."""
    if item.role != "assistant" or not item.not_found or item.general_knowledge or item.status != "complete":
        return ""
    return QApplication.translate("Chat", "Answer anyway from general knowledge ›")


def thinking_label(item: ChatItem, reasoning: str) -> str:
    """"▸ Thinking… (120 tokens, 3.4 s)": the collapsed reasoning's header."""
    tokens = item.reasoning_tokens or max(1, round(len(reasoning) / 4))  # ~4 characters a token
    parts = [QApplication.translate("Chat", "%d tokens") % tokens]
    if item.reasoning_s:
        parts.append(QApplication.translate("Chat", "%.1f s") % item.reasoning_s)
    arrow = "▾" if item.thinking_open else "▸"
    return f"{arrow} " + QApplication.translate("Chat", "Thinking…") + f" ({', '.join(parts)})"


def answer_text(item: ChatItem) -> str:
    """What a message shows (and Copy copies) as its answer: the reasoning taken out."""
    return strip_reasoning(item.content) if item.role == "assistant" else item.content


_THUMBS: tuple[str, str] | None = None


def thumb_labels() -> tuple[str, str]:
    """("👍", "👎"), or ("✓ Good", "✗ Bad") where no emoji font is installed (the thumbs would be boxes)."""
    global _THUMBS
    if _THUMBS is None:
        from PySide6.QtGui import QFontDatabase

        emoji = any("emoji" in f.lower() for f in QFontDatabase.families())
        _THUMBS = ("👍", "👎") if emoji else (QApplication.translate("Chat", "✓ Good"),
                                              QApplication.translate("Chat", "✗ Bad"))
    return _THUMBS


def is_rateable(item: ChatItem) -> bool:
    """Whether an answer can get 👍/👎: it is finished and stored (not being written, not failed)."""
    return (item.role == "assistant" and item.status in ("complete", "stopped") and bool(item.content)
            and not item.id.startswith("pending"))


def is_cited(c: dict[str, Any]) -> bool:
    """Whether the answer cites this passage ([n] in its text), or it was only retrieved."""
    return c.get("cited", True) is not False


def citation_page(c: dict[str, Any]) -> int | None:
    """The citation's page (1-based), or None."""
    try:
        page = int(c.get("page") or 0)
    except (TypeError, ValueError):
        return None
    return page if page > 0 else None


def citation_label(c: dict[str, Any]) -> str:
    """"[1] report.pdf, page 3 · “The first line of the passage…”" (or the section heading for a
    text file), so sources from one file can be told apart; the number only for cited passages."""
    name = os.path.basename(str(c.get("source_path", ""))) or "?"
    num = c.get("number") if is_cited(c) else None
    label = f"[{num}] {name}" if num else name
    page = citation_page(c)
    heading = " ".join(str(c.get("heading") or "").split())
    if page:
        label += QApplication.translate("Chat", ", page %d") % page
    elif heading:
        label += " › " + (heading[:60] + "…" if len(heading) > 60 else heading)
    first = first_line(str(c.get("snippet") or ""), heading)
    if first:
        label += " · “" + first + "”"
    return label


def passage_label(c: dict[str, Any]) -> str:
    """A passage under its file's entry (sources grouped by file): "[2] page 3 · “First line…”"."""
    num = c.get("number") if is_cited(c) else None
    parts = [f"[{num}]"] if num else []
    page = citation_page(c)
    heading = " ".join(str(c.get("heading") or "").split())
    if page:
        parts.append(QApplication.translate("Chat", "page %d") % page)
    elif heading:
        parts.append("› " + (heading[:60] + "…" if len(heading) > 60 else heading))
    first = first_line(str(c.get("snippet") or ""), heading)
    label = " ".join(parts)
    if first:
        label += (" · " if label else "") + "“" + first + "”"
    return label or "…"


def source_groups(citations: list[dict[str, Any]], indices: list[int]) -> list[tuple[str, list[int]]]:
    """The citations at ``indices`` grouped by file, in order of first mention: [(path, [index, ...])]."""
    groups: dict[str, list[int]] = {}
    for i in indices:
        groups.setdefault(str(citations[i].get("source_path", "")), []).append(i)
    return list(groups.items())


NOT_FOUND_TIP = "Not found in your documents"


def unsupported_tooltip(s: dict[str, Any]) -> str:
    """What hovering an unsupported sentence says, with the reason when there is a precise one."""
    lines = [QApplication.translate("Chat", NOT_FOUND_TIP)]
    detail = str(s.get("detail") or "")[:120]
    reason = s.get("reason")
    if reason == "number" and detail:
        lines.append(QApplication.translate("Chat", "The number %s is in none of the passages.") % detail)
    elif reason == "name" and detail:
        lines.append(QApplication.translate("Chat", "The name %s is in none of the passages.") % detail)
    elif reason == "url" and detail:
        lines.append(QApplication.translate("Chat", "The link %s is in none of the passages.") % detail)
    elif reason == "instruction":
        lines.append(QApplication.translate("Chat", "It repeats an instruction found inside a document."))
    return "\n".join(lines)


_MARKER = re.compile(r"\[\d+\]")


def _key_chars(text: str) -> tuple[str, list[int]]:
    """The letters and digits of ``text`` lower-cased, with their positions ([n] markers left out).

    Sentences are found in the laid-out document by these alone: Markdown changes the
    punctuation, spacing and emphasis marks of the stored text but not its words.
    """
    skip = set()
    for m in _MARKER.finditer(text):
        skip.update(range(m.start(), m.end()))
    keep = [(ch.lower() if len(ch.lower()) == 1 else ch, i) for i, ch in enumerate(text)
            if ch.isalnum() and i not in skip]
    return "".join(c for c, _i in keep), [i for _c, i in keep]


def mark_unsupported(doc: QTextDocument, support: list[dict[str, Any]], colour: QColor) -> list[tuple[int, int, int]]:
    """Tint the sentences that were checked and not supported; their spans in ``doc``.

    The wavy line under them is drawn by the delegate (:func:`span_lines`): Qt's own wave
    underline is a hairline that is hard to see.

    Returns:
        [(start, end, index into ``support``)] in document positions.
    """
    wanted = [(k, s) for k, s in enumerate(support) if s.get("checked", True) and not s.get("supported", True)]
    if not wanted:
        return []
    keys, where = _key_chars(doc.toPlainText())
    out: list[tuple[int, int, int]] = []
    at = 0
    fmt = QTextCharFormat()
    tint = QColor(colour)
    tint.setAlpha(34)
    fmt.setBackground(tint)
    fmt.setProperty(UNSUPPORTED_PROPERTY, True)
    for k, s in wanted:
        needle, _pos = _key_chars(str(s.get("text") or ""))
        if not needle:
            continue
        found = keys.find(needle, at)
        if found < 0:
            found = keys.find(needle)
        if found < 0:
            continue  # not on screen as written (e.g. inside a table): left unmarked
        at = found + len(needle)
        start, end = where[found], where[found + len(needle) - 1] + 1
        cur = QTextCursor(doc)
        cur.setPosition(start)
        cur.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cur.mergeCharFormat(fmt)
        out.append((start, end, k))
    return out


def span_lines(doc: QTextDocument, start: int, end: int) -> list[QRectF]:
    """The pieces of a text span, one rectangle per laid-out line it covers (document coordinates)."""
    out: list[QRectF] = []
    dl = doc.documentLayout()
    block = doc.findBlock(start)
    while block.isValid() and block.position() < end:
        layout, top = block.layout(), dl.blockBoundingRect(block).top()
        for n in range(layout.lineCount()):
            line = layout.lineAt(n)
            a = max(start, block.position() + line.textStart())
            b = min(end, block.position() + line.textStart() + line.textLength())
            if a >= b:
                continue
            x1 = line.cursorToX(a - block.position())[0]
            x2 = line.cursorToX(b - block.position())[0]
            out.append(QRectF(min(x1, x2), top + line.y(), abs(x2 - x1), line.height()))
        block = block.next()
    return out


def draw_wave(painter: QPainter, rect: QRectF, colour: QColor) -> None:
    """A wavy line under ``rect`` (what marks a sentence no passage supports)."""
    from PySide6.QtGui import QPainterPath

    y, x, step, amp = rect.bottom() - 1.5, rect.left(), 3.0, 1.5
    path = QPainterPath(QPointF(x, y))
    up = True
    while x < rect.right():
        x = min(rect.right(), x + step)
        path.lineTo(QPointF(x, y - amp if up else y + amp))
        up = not up
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(colour, 1.4))
    painter.drawPath(path)
    painter.restore()


def first_line(passage: str, heading: str = "", limit: int = 90) -> str:
    """The passage's first line, its section title left out (cut at a word, "…" past ``limit``)."""
    text = re.sub(r"^\s*#+\s*", "", passage)
    title = heading.split(" > ")[-1].strip()
    if title and text.startswith(title):
        text = text[len(title):]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    line = " ".join((lines[0] if lines else "").split())
    if len(line) > limit:
        line = line[:limit].rsplit(" ", 1)[0] + "…"
    return line


def citation_tooltip(c: dict[str, Any]) -> str:
    """What hovering a citation says (plain text): the file, the page to go to, the passage.

    The page is spelled out because most systems open a PDF at its first page whatever the
    link says (xdg-open drops ``#page=``).
    """
    lines = [str(c.get("source_path", ""))]
    if not is_cited(c):
        lines.append(QApplication.translate("Chat", "Retrieved for this question, but the answer does not cite it."))
    page = citation_page(c)
    if page:
        lines.append(QApplication.translate("Chat", "The passage is on page %d (your viewer may open the file "
                                                    "at its first page).") % page)
    snippet = " ".join(str(c.get("snippet") or "").split())
    if snippet:
        lines.append("“" + (snippet[:300] + "…" if len(snippet) > 300 else snippet) + "”")
    return "\n".join(lines)


@dataclass
class _Layout:
    height: int
    doc: QTextDocument
    header: str
    doc_top: int
    thinking: str = ""  # the header of the reasoning section ("" when the message has none)
    thinking_rect: QRect | None = None
    thinking_doc: QTextDocument | None = None  # laid out only while expanded
    # fenced code: (copy button, the block's area, its text, whether long lines are cut off)
    code: list[tuple[QRect, QRect, str, bool]] = field(default_factory=list)
    code_max: list[int] = field(default_factory=list)  # how far each code block scrolls sideways (px)
    cite_rects: list[tuple[QRect, int]] = field(default_factory=list)
    cite_labels: dict[int, str] = field(default_factory=dict)  # citation index -> its text when not citation_label
    file_heads: list[tuple[QRect, str, bool]] = field(default_factory=list)  # (rect, file path, cited)
    unsupported: list[tuple[int, int, int]] = field(default_factory=list)  # (doc start, end, support index)
    waves: list[QRectF] = field(default_factory=list)  # the lines of those spans (document coordinates)
    uncited_y: int = -1  # where the "Retrieved, not cited" label is drawn (-1: none)
    reflection: str = ""  # "Checked against your documents: <why>" (wrapped in reflection_rect)
    reflection_rect: QRect | None = None
    other_rect: QRect | None = None  # the link to the other answer of the reflection
    other_label: str = ""
    general: str = ""  # "From general knowledge, not your documents" (drawn in general_rect, above the text)
    general_rect: QRect | None = None
    anyway_label: str = ""  # "Answer anyway from general knowledge ›" under a "not found" answer
    anyway_rect: QRect | None = None
    stats: str = ""
    stats_y: int = 0
    actions: list[tuple[str, str, QRect]] = field(default_factory=list)  # (name, label, rect)


class MessageDelegate(QStyledItemDelegate):
    """Draws :class:`ChatItem` rows and turns clicks on their actions into signals.

    Signals:
        action(str, str, int): (action name, message id, argument). Names: ``copy``,
            ``copy_code``, ``regenerate``, ``edit``, ``delete``, ``prev_branch``,
            ``next_branch``, ``citation`` (argument: citation index), ``rate_up``, ``rate_down``,
            ``better`` (write a better answer), ``copy_block`` (argument: code block index),
            ``other_answer`` (show self-reflection's other answer), ``answer_anyway`` (answer a
            "not found" question again from general knowledge).
    """

    action = Signal(str, str, int)
    CACHE_SIZE = 300  # laid-out documents kept for painting (heights are kept for every row)

    def __init__(self, view: Any) -> None:
        super().__init__(view)
        self._view = view
        self._cache: OrderedDict[tuple[Any, ...], _Layout] = OrderedDict()
        self._heights: dict[tuple[Any, ...], int] = {}
        self._streaming: dict[str, tuple[Any, ...]] = {}  # message id -> key of its latest streamed version
        self.busy = False  # while generating, "Regenerate" and "Edit" are not offered
        self._code_offsets: dict[tuple[str, int], int] = {}  # (message id, block) -> px scrolled sideways

    def _dark(self) -> bool:
        view = self._view
        pal = view.palette() if view is not None else QApplication.palette()
        return pal.color(QPalette.ColorRole.Base).lightness() < 128

    def code_text(self, item: ChatItem, n: int) -> str:
        """The text of the message's n-th code block, as shown."""
        code = self.layout_for(item, self._width(None), self._view.font() if self._view is not None else QFont()).code
        return code[n][2] if 0 <= n < len(code) else ""

    # code blocks scroll sideways ------------------------------------------------------------
    def code_offset(self, item: ChatItem, n: int, lay: _Layout | None = None) -> int:
        """How far (px) the message's n-th code block is scrolled to the left."""
        off = self._code_offsets.get((item.id, n), 0)
        if off and lay is not None and n < len(lay.code_max):
            off = min(off, lay.code_max[n])  # the window grew: less to scroll
        return off

    def code_at(self, item: ChatItem, pos: Any, width: int, font: QFont) -> int:
        """The index of the code block under ``pos`` whose long lines can scroll, or -1."""
        lay = self.layout_for(item, width, font)
        for n, (_b, area, _t, _c) in enumerate(lay.code):
            if lay.code_max[n] > 0 and area.adjusted(0, 0, 0, CODE_BAR).contains(pos):
                return n
        return -1

    def scroll_code(self, item: ChatItem, n: int, to: int, width: int, font: QFont) -> bool:
        """Scroll the n-th code block to ``to`` px (clamped); whether it moved."""
        lay = self.layout_for(item, width, font)
        if not 0 <= n < len(lay.code_max) or lay.code_max[n] <= 0:
            return False
        new = max(0, min(int(to), lay.code_max[n]))
        old = self.code_offset(item, n, lay)
        self._code_offsets[(item.id, n)] = new
        return new != old

    def code_bar(self, item: ChatItem, n: int, lay: _Layout) -> tuple[QRect, QRect] | None:
        """(track, thumb) of the n-th code block's scroll bar in row coordinates, or None (nothing to scroll)."""
        if n >= len(lay.code_max) or lay.code_max[n] <= 0:
            return None
        area = lay.code[n][1]
        track = QRect(area.left(), area.bottom() + 1 - CODE_BAR, area.width(), CODE_BAR)
        total = area.width() + lay.code_max[n]
        w = max(24, area.width() * area.width() // total)
        x = area.left() + (area.width() - w) * self.code_offset(item, n, lay) // lay.code_max[n]
        return track, QRect(x, track.top() + 1, w, CODE_BAR - 2)

    def bar_to_offset(self, item: ChatItem, n: int, x: int, width: int, font: QFont) -> int:
        """The scroll offset that puts the n-th block's scroll bar thumb centre at row x ``x``."""
        lay = self.layout_for(item, width, font)
        bar = self.code_bar(item, n, lay)
        if bar is None:
            return 0
        track, thumb = bar
        span = max(1, track.width() - thumb.width())
        return int((x - track.left() - thumb.width() / 2) * lay.code_max[n] / span)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._heights.clear()
        self._streaming.clear()

    # layout -------------------------------------------------------------------------------
    def _width(self, option: QStyleOptionViewItem | None) -> int:
        w = self._view.viewport().width() if self._view is not None else option.rect.width()  # type: ignore[union-attr]
        return max(200, w)

    BUSY_ACTIONS = ("regenerate", "edit", "delete")  # offered, but inactive while an answer is written

    def _actions_for(self, item: ChatItem) -> list[tuple[str, str]]:
        acts = [("copy", QApplication.translate("Chat", "Copy"))]
        if item.role == "assistant" and code_blocks(answer_text(item)):
            acts.append(("copy_code", QApplication.translate("Chat", "Copy code")))
        if item.status != "streaming":
            if item.role == "assistant":
                acts.append(("regenerate", QApplication.translate("Chat", "Regenerate")))
                if is_rateable(item):
                    up, down = thumb_labels()
                    acts += [("rate_up", up), ("rate_down", down),
                             ("better", QApplication.translate("Chat", "Write a better answer…"))]
            if item.role == "user":
                acts.append(("edit", QApplication.translate("Chat", "Edit")))
            acts.append(("delete", QApplication.translate("Chat", "Delete")))
        if item.branches > 1:
            acts += [("prev_branch", "‹"), ("branch_label", f"{item.branch}/{item.branches}"),
                     ("next_branch", "›")]
        return acts

    def _key(self, item: ChatItem, width: int) -> tuple[Any, ...]:
        # The key is the content itself, so reloading the same messages reuses their layouts.
        return (item.id, hash(item.content), item.status, item.branch, item.branches, self._dark(),
                tuple(is_cited(c) for c in item.citations), stats_line(item.stats), item.error, width,
                item.thinking_open, item.reasoning_tokens, round(item.reasoning_s, 1), item.rating,
                tuple((s.get("start"), s.get("supported"), s.get("checked")) for s in item.support),
                tuple(str(c.get("source_path", "")) for c in item.citations),
                item.reflection.get("kept"), item.reflection.get("answer"), item.reflection.get("why"),
                item.not_found, item.general_knowledge)

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
        content, reasoning = item.content, ""
        if item.role == "assistant" and has_reasoning(content):
            sp = split_reasoning(content)
            content, reasoning = sp.answer, sp.reasoning or " "
        doc = SafeTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(0)
        doc.set_message_markdown(content or (QApplication.translate("Chat", "…")
                                             if item.status == "streaming" and not reasoning else ""))
        _style_code_blocks(doc)
        groups = highlight(doc, self._dark(), code_blocks(content))
        unsupported = mark_unsupported(doc, item.support, UNSUPPORTED_COLOUR) if item.role == "assistant" else []
        doc.setTextWidth(inner)
        small = QFontMetrics(_small(font))
        bw = small.horizontalAdvance(QApplication.translate("Chat", "Copy")) + 12  # a code block's Copy button
        doc.size()  # lays the text out: the lines' widths are known from here
        wide = [widest_line(g) for g in groups]
        for g, widest in zip(groups, wide):
            if widest > inner - bw - 8:  # room under the block for its sideways scroll bar
                fmt = QTextBlockFormat()
                fmt.setBottomMargin(g.last.blockFormat().bottomMargin() + CODE_BAR + 3)
                QTextCursor(g.last).mergeBlockFormat(fmt)
        waves = [r for s, e, _k in unsupported for r in span_lines(doc, s, e)]
        header = QApplication.translate("Chat", "You") if item.role == "user" else QApplication.translate("Chat", "Hearth")
        if item.status == "stopped":
            header += "  · " + QApplication.translate("Chat", "stopped")
        elif item.status == "error":
            header += "  · " + QApplication.translate("Chat", "failed")
        elif item.status == "interrupted":
            header += "  · " + QApplication.translate("Chat", "interrupted (Hearth closed while writing it)")
        y = MARGIN + PAD
        x0 = MARGIN + PAD
        thinking, thinking_rect, thinking_doc = "", None, None
        y += fm.height() + GAP
        general = general_mark(item)
        general_rect = None
        if general:  # said before the answer is read, not after
            general_rect = QRect(x0, y, min(inner, small.horizontalAdvance(general) + 12), small.height() + 4)
            y += small.height() + 4 + GAP
        if reasoning:
            # Reasoning is collapsed above the answer; expanded, it is shown as plain text.
            thinking = thinking_label(item, reasoning)
            thinking_rect = QRect(x0, y, min(inner, small.horizontalAdvance(thinking) + 8), small.height() + 4)
            y += small.height() + 4 + GAP
            if item.thinking_open:
                thinking_doc = QTextDocument()
                thinking_doc.setDefaultFont(_small(font))
                thinking_doc.setDocumentMargin(0)
                thinking_doc.setPlainText(reasoning.strip())
                thinking_doc.setTextWidth(inner - 12)
                y += int(thinking_doc.size().height()) + 2 * GAP
        doc_top = y
        y = doc_top + int(doc.size().height()) + GAP
        lay = _Layout(height=0, doc=doc, header=header, doc_top=doc_top, thinking=thinking,
                      thinking_rect=thinking_rect, thinking_doc=thinking_doc, unsupported=unsupported,
                      waves=waves, general=general, general_rect=general_rect)
        for g, widest in zip(groups, wide):
            dl = doc.documentLayout()
            top, bottom = dl.blockBoundingRect(g.first).top(), dl.blockBoundingRect(g.last).bottom()
            if widest > inner - bw - 8:
                bottom += CODE_BAR + 3  # the margin below it (not in its bounding rect), for its scroll bar
            area = QRect(x0, doc_top + int(top), inner, max(1, int(bottom - top)))
            y = max(y, area.bottom() + 1 + GAP)  # a document's last margin is not in its size
            button = QRect(x0 + inner - bw - 2, area.top() + 2, bw, small.height() + 2)
            lay.code.append((button, area, g.text, widest > inner - bw - 8))
            lay.code_max.append(max(0, int(widest - (inner - bw - 8))) if widest > inner - bw - 8 else 0)
        # Cited passages first; passages the model was given but did not cite follow under
        # their own label, drawn muted, so they are not taken for sources of the answer.
        cited = [i for i, c in enumerate(item.citations) if is_cited(c)]
        uncited = [i for i, c in enumerate(item.citations) if not is_cited(c)]
        for group in (cited, uncited):
            if group is uncited and uncited:
                lay.uncited_y = y
                y += small.height() + 2
            for path, members in source_groups(item.citations, group):
                if len(members) == 1:  # one passage of this file: one line, as before
                    c = item.citations[members[0]]
                    r = QRect(x0, y, min(inner, small.horizontalAdvance(citation_label(c)) + 4), small.height())
                    lay.cite_rects.append((r, members[0]))
                    y += small.height() + 2
                    continue
                # several passages of one file: the file once, its passages under it
                name = os.path.basename(path) or "?"
                lay.file_heads.append((QRect(x0, y, min(inner, small.horizontalAdvance(name) + 4), small.height()),
                                       path, group is cited))
                y += small.height() + 2
                for i in members:
                    label = passage_label(item.citations[i])
                    lay.cite_labels[i] = label
                    r = QRect(x0 + SOURCE_INDENT, y, min(inner - SOURCE_INDENT, small.horizontalAdvance(label) + 4),
                              small.height())
                    lay.cite_rects.append((r, i))
                    y += small.height() + 2
        lay.anyway_label = answer_anyway_label(item)
        if lay.anyway_label:  # under the closest passages of a "not found" answer
            lay.anyway_rect = QRect(x0, y, min(inner, small.horizontalAdvance(lay.anyway_label) + 4), small.height())
            y += small.height() + 2
        lay.reflection = reflection_line(item)
        if lay.reflection:
            # which answer self-reflection kept and why, wrapped; then the link to the other one
            flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
            r = small.boundingRect(QRect(0, 0, inner, 10000), flags, lay.reflection)
            lay.reflection_rect = QRect(x0, y, inner, r.height())
            y += r.height() + 2
            lay.other_label = other_answer_label(item)
            if lay.other_label:
                lay.other_rect = QRect(x0, y, min(inner, small.horizontalAdvance(lay.other_label) + 4), small.height())
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
        if item.status == "streaming":
            # each piece of streamed text is a new version: the previous one is never shown again
            old = self._streaming.pop(item.id, None)
            if old is not None and old != key:
                self._cache.pop(old, None)
                self._heights.pop(old, None)
            self._streaming[item.id] = key
        elif item.id in self._streaming:  # written: its last streamed version is not shown again
            old = self._streaming.pop(item.id)
            self._cache.pop(old, None)
            self._heights.pop(old, None)
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
        if lay.thinking_rect is not None:
            painter.setFont(_small(option.font))
            painter.setPen(_mix(base, text_col, 0.7))
            tr = lay.thinking_rect.translated(ox, oy)
            painter.drawText(tr, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, lay.thinking)
            if lay.thinking_doc is not None:
                top = tr.bottom() + GAP
                painter.fillRect(QRect(tr.left(), top, 3, int(lay.thinking_doc.size().height())),
                                 _mix(base, text_col, 0.25))
                painter.translate(tr.left() + 12, top)
                tctx = QAbstractTextDocumentLayout.PaintContext()
                tctx.palette.setColor(QPalette.ColorRole.Text, _mix(base, text_col, 0.7))
                lay.thinking_doc.documentLayout().draw(painter, tctx)
                painter.translate(-(tr.left() + 12), -top)
        if lay.general_rect is not None:
            gr = QRectF(lay.general_rect.translated(ox, oy))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_mix(base, GENERAL_COLOUR, 0.15))
            painter.drawRoundedRect(gr, 4, 4)
            painter.setFont(_small(option.font))
            painter.setPen(GENERAL_COLOUR)
            painter.drawText(gr, Qt.AlignmentFlag.AlignCenter, lay.general)
        painter.translate(ox + MARGIN + PAD, oy + lay.doc_top)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, text_col)
        ctx.palette.setColor(QPalette.ColorRole.Link, pal.color(QPalette.ColorRole.Link))
        painter.save()
        # Code lines never wrap: what passes the bubble is cut off, and the block scrolls sideways
        # (Shift+wheel, a touchpad, or its scroll bar); hover shows it all, Copy copies it.
        inner = r.width() - 2 * (MARGIN + PAD)
        full = QRect(0, 0, inner, int(lay.doc.size().height()) + 1)
        scrolled = [(area.translated(-(MARGIN + PAD), -lay.doc_top), off)
                    for n, (_b, area, _t, _c) in enumerate(lay.code)
                    if (off := self.code_offset(item, n, lay)) > 0]
        region = QRegion(full)
        for area, _off in scrolled:
            region = region.subtracted(QRegion(area))
        painter.setClipRegion(region)
        lay.doc.documentLayout().draw(painter, ctx)
        for wave in lay.waves:
            draw_wave(painter, wave, UNSUPPORTED_COLOUR)
        for area, off in scrolled:  # the block again, shifted left, inside its own area
            painter.setClipRect(area)
            painter.fillRect(QRect(area.right() + 1 - off, area.top(), off, area.height()), CODE_TINT)
            painter.translate(-off, 0)
            lay.doc.documentLayout().draw(painter, ctx)
            painter.translate(off, 0)
        painter.restore()
        painter.translate(-(ox + MARGIN + PAD), -(oy + lay.doc_top))
        if lay.code:
            painter.setFont(_small(option.font))
            for n, (_b, area, _t, _c) in enumerate(lay.code):
                bar = self.code_bar(item, n, lay)
                if bar is not None:  # a thin scroll bar under a block whose lines pass the bubble
                    track, thumb = bar
                    painter.fillRect(track.translated(ox, oy), _mix(base, text_col, 0.10))
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(_mix(base, text_col, 0.45))
                    painter.drawRoundedRect(QRectF(thumb.translated(ox, oy)), 2, 2)
            for button, _area, _text, _clipped in lay.code:
                b = QRectF(button.translated(ox, oy))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(_mix(base, text_col, 0.12))
                painter.drawRoundedRect(b, 4, 4)
                painter.setPen(pal.color(QPalette.ColorRole.Link))
                painter.drawText(b, Qt.AlignmentFlag.AlignCenter, QApplication.translate("Chat", "Copy"))
        small = _small(option.font)
        painter.setFont(small)
        sfm = QFontMetrics(small)
        link = pal.color(QPalette.ColorRole.Link)
        if lay.uncited_y >= 0:
            painter.setPen(muted)
            painter.drawText(QPointF(ox + MARGIN + PAD, oy + lay.uncited_y + sfm.ascent()),
                             uncited_label())
        italic = QFont(small)
        italic.setItalic(True)
        for rect, path, cited in lay.file_heads:
            painter.setFont(small if cited else italic)
            painter.setPen(text_col if cited else muted)
            painter.drawText(rect.translated(ox, oy), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             sfm.elidedText(os.path.basename(path) or "?", Qt.TextElideMode.ElideRight, rect.width()))
        for rect, i in lay.cite_rects:
            cited = is_cited(item.citations[i])
            painter.setFont(small if cited else italic)
            painter.setPen(link if cited else muted)
            label = lay.cite_labels.get(i) or citation_label(item.citations[i])
            if i in lay.cite_labels:  # a passage under its file: a guide line on its left
                painter.fillRect(QRect(rect.left() - SOURCE_INDENT + 4, rect.top(), 2, rect.height()).translated(ox, oy),
                                 _mix(base, text_col, 0.25))
            painter.drawText(rect.translated(ox, oy), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             sfm.elidedText(label, Qt.TextElideMode.ElideRight, rect.width()))
        painter.setFont(small)
        if lay.reflection_rect is not None:
            painter.setPen(muted)
            painter.drawText(lay.reflection_rect.translated(ox, oy),
                             int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap), lay.reflection)
        if lay.anyway_rect is not None:
            painter.setPen(_mix(base, link, 0.4) if self.busy else link)
            painter.drawText(lay.anyway_rect.translated(ox, oy), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             sfm.elidedText(lay.anyway_label, Qt.TextElideMode.ElideRight, lay.anyway_rect.width()))
        if lay.other_rect is not None:
            painter.setPen(link)
            painter.drawText(lay.other_rect.translated(ox, oy), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             sfm.elidedText(lay.other_label, Qt.TextElideMode.ElideRight, lay.other_rect.width()))
        if lay.stats:
            painter.setPen(QColor("#c0392b") if item.error else muted)
            painter.drawText(QPointF(ox + MARGIN + PAD, oy + lay.stats_y + sfm.ascent()),
                             sfm.elidedText(lay.stats, Qt.TextElideMode.ElideRight,
                                            r.width() - 2 * (MARGIN + PAD)))
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        for name, label, rect in lay.actions:
            if name == f"rate_{item.rating}":  # the chosen thumb is shown as selected
                painter.setPen(QPen(link, 1.2))
                painter.setBrush(_mix(base, link, 0.22))
                painter.drawRoundedRect(QRectF(rect.translated(ox, oy)).adjusted(1, 0, -1, 0), 5, 5)
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

    def helpEvent(self, event: QHelpEvent, view: Any, option: QStyleOptionViewItem, index: Any) -> bool:  # noqa: N802
        """Tooltips: a citation says its file, page and passage; nothing else has one."""
        if event is None or event.type() != QEvent.Type.ToolTip:
            return super().helpEvent(event, view, option, index)
        item: ChatItem = index.data(ItemRole)
        tip = self.tooltip_at(item, event.pos() - option.rect.topLeft(), self._width(option), option.font)
        if tip:
            QToolTip.showText(event.globalPos(), plain_tooltip(tip), view)
        else:
            QToolTip.hideText()
        return True

    def tooltip_at(self, item: ChatItem, pos: Any, width: int, font: QFont) -> str:
        """The (plain) tooltip text at ``pos`` in a row: a citation's, or ""."""
        hit = self.hit(item, pos, width, font)
        if hit is not None and hit[0] == "citation" and 0 <= hit[1] < len(item.citations):
            return citation_tooltip(item.citations[hit[1]])
        if hit is not None and hit[0] == "copy_block":
            return QApplication.translate("Chat", "Copy this code")
        if hit is not None and hit[0] in ("rate_up", "rate_down", "better"):
            return rating_tooltip(hit[0], item.rating)
        if hit is not None and hit[0] == "answer_anyway":
            return QApplication.translate("Chat", "Ask the model again without your documents; the answer is "
                                                  "marked as general knowledge and this one stays (‹ › switches)")
        if hit is not None and hit[0] == "other_answer":
            return QApplication.translate("Chat", "Both answers are kept: this shows the other one (branch ‹ › "
                                                  "switches back)")
        lay = self.layout_for(item, width, font)
        if lay.general_rect is not None and lay.general_rect.contains(pos):
            return QApplication.translate("Chat", "Your documents do not contain the answer; the model answered "
                                                  "from what it learnt in training, unchecked. It may be wrong.")
        for rect, path, _cited in lay.file_heads:
            if rect.contains(pos):
                return path
        if lay.unsupported:
            x0 = MARGIN + PAD
            at = lay.doc.documentLayout().hitTest(QPointF(pos.x() - x0, pos.y() - lay.doc_top),
                                                  Qt.HitTestAccuracy.ExactHit)
            for start, end, k in lay.unsupported:
                if start <= at < end:
                    return unsupported_tooltip(item.support[k])
        for _button, area, text, clipped in self.layout_for(item, width, font).code:
            if clipped and area.contains(pos):
                return text  # lines too long for the bubble are cut off: the whole block is here
        return ""

    def hit(self, item: ChatItem, pos: Any, width: int, font: QFont) -> tuple[str, int] | None:
        """What is under ``pos`` (relative to the row): (action, argument) or None."""
        lay = self.layout_for(item, width, font)
        if lay.thinking_rect is not None and lay.thinking_rect.contains(pos):
            return ("toggle_thinking", 0)
        for i, (button, _area, _text, _clipped) in enumerate(lay.code):
            if button.contains(pos):
                return ("copy_block", i)
        for rect, i in lay.cite_rects:
            if rect.contains(pos):
                return ("citation", i)
        if lay.other_rect is not None and lay.other_rect.contains(pos):
            return ("other_answer", 0)
        if lay.anyway_rect is not None and lay.anyway_rect.contains(pos):
            return None if self.busy else ("answer_anyway", 0)
        for name, _label, rect in lay.actions:
            if rect.contains(pos) and name != "branch_label":
                if self.busy and name in self.BUSY_ACTIONS:
                    return None
                return (name, 0)
        return None

    def action_rect(self, item: ChatItem, name: str, width: int, font: QFont) -> QRect | None:
        """Where an action is drawn (tests click it)."""
        lay = self.layout_for(item, width, font)
        if name == "toggle_thinking":
            return lay.thinking_rect
        if name.startswith("copy_block:"):  # "copy_block:N": the copy button of the N-th code block
            n = int(name.split(":", 1)[1])
            return lay.code[n][0] if n < len(lay.code) else None
        if name == "citation":
            return lay.cite_rects[0][0] if lay.cite_rects else None
        if name == "other_answer":
            return lay.other_rect
        if name == "answer_anyway":
            return lay.anyway_rect
        if name == "general_mark":
            return lay.general_rect
        if name.startswith("citation:"):  # "citation:N": the citation at index N of the message
            n = int(name.split(":", 1)[1])
            return next((r for r, i in lay.cite_rects if i == n), None)
        return next((r for n, _l, r in lay.actions if n == name), None)


def rating_tooltip(name: str, rating: str) -> str:
    """What hovering 👍, 👎 or "Write a better answer…" says."""
    if name == "better":
        return QApplication.translate("Chat", "Rate this answer bad and write what it should have said "
                                              "(kept for exports and evaluation sets)")
    chosen = name == f"rate_{rating}"
    if name == "rate_up":
        return (QApplication.translate("Chat", "You rated this answer good (click to take it back)") if chosen
                else QApplication.translate("Chat", "Good answer"))
    return (QApplication.translate("Chat", "You rated this answer bad (click to take it back)") if chosen
            else QApplication.translate("Chat", "Bad answer"))


def uncited_label() -> str:
    return QApplication.translate("Chat", "Retrieved, not cited:")


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
            fmt.setBackground(CODE_TINT)
            cur = QTextCursor(block)
            cur.mergeBlockFormat(fmt)
        block = block.next()
