"""Fenced code in a message: Pygments colours for the light and dark themes, found block by block.

Qt's Markdown reader turns each line of a fenced block into a text block marked
``BlockCodeFence`` (with ``BlockCodeLanguage``) and never wraps them. Here consecutive such
lines are grouped back into code blocks, lexed by Pygments for their language (plain text when
it is unknown) and coloured in place, so the layout keeps its positions.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QColor, QFont, QTextBlock, QTextCharFormat, QTextCursor, QTextDocument, QTextFormat

log = logging.getLogger("assistant.ui")

LIGHT_STYLE, DARK_STYLE = "default", "monokai"
MAX_HIGHLIGHT_CHARS = 50_000  # larger blocks stay plain: colouring them would stall the window


@dataclass
class CodeBlock:
    """A fenced block as laid out: its first and last text block, language and text."""

    first: QTextBlock
    last: QTextBlock
    language: str
    text: str


def code_groups(doc: QTextDocument, sources: list[str] | None = None) -> list[CodeBlock]:
    """The fenced code blocks of a laid-out message, in order.

    Args:
        sources: the blocks' texts in the Markdown (:func:`chat_delegate.code_blocks`): two fenced
            blocks with only a blank line between them come out of Qt as one run of lines, cut
            back into blocks by their line counts.
    """
    out: list[CodeBlock] = []
    for g in _runs(doc):
        out.extend(_cut(g, sources[len(out):] if sources is not None else None))
    return out


def _cut(g: CodeBlock, sources: list[str] | None) -> list[CodeBlock]:
    if not sources:
        return [g]
    lines = g.text.split("\n")
    out: list[CodeBlock] = []
    block = g.first
    for src in sources:
        n = len(src.split("\n"))
        if n >= len(lines):
            break
        last = block
        for _ in range(n - 1):
            last = last.next()
        out.append(CodeBlock(block, last, g.language, "\n".join(lines[:n])))
        lines, block = lines[n:], last.next()
    out.append(CodeBlock(block, g.last, str(block.blockFormat().property(QTextFormat.Property.BlockCodeLanguage) or ""),
                         "\n".join(lines)))
    return out


def _runs(doc: QTextDocument) -> list[CodeBlock]:
    out: list[CodeBlock] = []
    block = doc.begin()
    lines: list[str] = []
    first: QTextBlock | None = None
    prev: QTextBlock | None = None
    lang = ""
    while block.isValid():
        fmt = block.blockFormat()
        if fmt.hasProperty(QTextFormat.Property.BlockCodeFence):
            if first is None:
                first, lines = block, []
                lang = str(fmt.property(QTextFormat.Property.BlockCodeLanguage) or "")
            lines.append(block.text())
        elif first is not None:
            out.append(CodeBlock(first, prev, lang, "\n".join(lines)))  # type: ignore[arg-type]
            first = None
        prev = block
        block = block.next()
    if first is not None:
        out.append(CodeBlock(first, prev, lang, "\n".join(lines)))  # type: ignore[arg-type]
    return out


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language.strip().lower() or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


@functools.lru_cache(maxsize=2)
def _formats(dark: bool) -> dict[Any, QTextCharFormat]:
    from pygments.styles import get_style_by_name

    style = get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)
    out: dict[Any, QTextCharFormat] = {}
    for ttype, spec in style:
        fmt = QTextCharFormat()
        if spec.get("color"):
            fmt.setForeground(QColor("#" + spec["color"]))
        if spec.get("bold"):
            fmt.setFontWeight(QFont.Weight.Bold)
        if spec.get("italic"):
            fmt.setFontItalic(True)
        out[ttype] = fmt
    return out


def _format_for(ttype: Any, formats: dict[Any, QTextCharFormat]) -> QTextCharFormat | None:
    while ttype is not None:
        fmt = formats.get(ttype)
        if fmt is not None and fmt.foreground().style() != 0:
            return fmt
        ttype = ttype.parent
    return None


def highlight(doc: QTextDocument, dark: bool, sources: list[str] | None = None) -> list[CodeBlock]:
    """Colour every fenced block of ``doc`` for the theme; returns the blocks (see :func:`code_groups`)."""
    groups = code_groups(doc, sources)
    if not groups:
        return groups
    try:
        formats = _formats(dark)
    except ImportError:  # Pygments missing: code stays readable, only uncoloured
        log.warning("Pygments is not installed: code is shown without colours")
        return groups
    cur = QTextCursor(doc)
    for g in groups:
        if len(g.text) > MAX_HIGHLIGHT_CHARS:
            continue
        pos = g.first.position()
        for ttype, value in _lexer(g.language).get_tokens(g.text):
            fmt = _format_for(ttype, formats)
            if fmt is not None and value.strip():
                cur.setPosition(pos)
                cur.setPosition(pos + len(value), QTextCursor.MoveMode.KeepAnchor)
                cur.mergeCharFormat(fmt)
            pos += len(value)
    return groups


def widest_line(g: CodeBlock) -> float:
    """The natural width of the block's longest line (lines never wrap, so it may pass the bubble)."""
    widest = 0.0
    block = g.first
    while block.isValid():
        lay = block.layout()
        for i in range(lay.lineCount()):
            widest = max(widest, lay.lineAt(i).naturalTextWidth())
        if block == g.last:
            break
        block = block.next()
    return widest
