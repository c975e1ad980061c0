"""The built-in viewer a citation opens: the source at its passage, the passage highlighted.

PDFs: the cited page drawn by PDFium (``pypdfium2``, already used to read PDFs; PySide6's QtPdf
is in the ``pyside6-addons`` wheel, which Hearth does not install), with the passage's text
boxes painted over it. Text, Markdown and HTML: the text as plain text (an HTML page as the
text Hearth indexed), scrolled to the passage and highlighted. The file is read and drawn in a
worker. Only files :func:`assistant.core.conversations.sources.openable_source` allows reach here.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPainter, QPixmap, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QScrollArea,
                               QTextEdit, QVBoxLayout, QWidget)

from assistant.ui.errors import in_words

log = logging.getLogger("assistant.ui")

PDF_SCALE = 1.6  # 115 dpi: a page fits a window's width and its text is sharp
HIGHLIGHT = QColor(255, 214, 0, 110)
_WORD = re.compile(r"\w+", re.U)


def find_passage(text: str, passage: str, start: int | None = None, end: int | None = None) -> tuple[int, int] | None:
    """Where ``passage`` is in ``text``: its span, else the words of it found in order, whatever the spacing.

    The stored span is tried first; then the passage's words with any spacing between them
    (PDF text and parsed HTML space words differently); then its first words alone.
    """
    if start is not None and end is not None and 0 <= start < end <= len(text):
        if _words(text[start:end])[:8] == _words(passage)[:8]:
            return start, end
    words = _words(passage)
    for n in (len(words), 12, 6):
        if not words or n > len(words):
            continue
        pattern = r"\W*".join(re.escape(w) for w in words[:n])
        m = re.search(pattern, text, re.I | re.U)
        if m:
            if n < len(words):  # only the start was found: highlight the passage's length from there
                return m.start(), min(len(text), m.start() + len(passage))
            return m.start(), m.end()
    return None


def _words(s: str) -> list[str]:
    return _WORD.findall(s)


def source_text(path: Path) -> str:
    """The text a text, Markdown or HTML source is shown as (HTML: the visible text Hearth indexed)."""
    from assistant.core.knowledge.parsers import html_sections, read_text

    text = read_text(path)
    if text is None:
        raise ValueError(f"{path.name} is not a text file")
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return "".join(s.text for s in html_sections(text))
    return text


@dataclass
class PdfPage:
    """A rendered PDF page and where the passage is on it (image coordinates)."""

    image: QImage
    page: int  # 1-based
    pages: int
    rects: list[QRectF] = field(default_factory=list)
    found_text: str = ""  # the page text under the highlight


def render_pdf_page(path: Path, page: int, passage: str, scale: float = PDF_SCALE) -> PdfPage:
    """Draw page ``page`` (1-based) of a PDF and find ``passage`` on it (call from a worker)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        n = len(pdf)
        index = min(max(page, 1), n) - 1
        pg = pdf[index]
        try:
            bitmap = pg.render(scale=scale, rev_byteorder=True)
            arr = bitmap.to_numpy()
            h, w = arr.shape[0], arr.shape[1]
            channels = arr.shape[2] if arr.ndim == 3 else 1
            fmt = QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBA8888
            image = QImage(arr.tobytes(), w, h, w * channels, fmt).copy()
            height = pg.get_height()
            tp = pg.get_textpage()
            try:
                text = tp.get_text_range()
                span = find_passage(text, passage)
                rects: list[QRectF] = []
                found = ""
                if span is not None:
                    s, e = span
                    found = text[s:e]
                    for i in range(tp.count_rects(s, e - s)):
                        left, bottom, right, top = tp.get_rect(i)
                        rects.append(QRectF(left * scale, (height - top) * scale, (right - left) * scale,
                                            (top - bottom) * scale))
            finally:
                tp.close()
        finally:
            pg.close()
    finally:
        pdf.close()
    return PdfPage(image, index + 1, n, rects, found)


class SourceViewer(QDialog):
    """Shows a cited source at its passage.

    Args:
        path: the file (already checked by ``openable_source``).
        citation: the citation (``page``, ``start``, ``end``, ``snippet``, ``heading``).
        tasks: the window's background pool (reading and drawing run there).

    Signals:
        shown(): the source is on screen, scrolled to the passage (or said why not).
    """

    shown = Signal()

    def __init__(self, path: Path, citation: dict[str, Any], tasks: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceViewer")
        self.path, self.citation, self.tasks = Path(path), citation, tasks
        self.setWindowTitle(self.path.name)
        self.resize(900, 760)
        self.where = QLabel(self.tr("Opening %s…") % self.path.name, self)
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.where.setWordWrap(True)
        self.page: PdfPage | None = None
        self.span: tuple[int, int] | None = None
        self.text_view: QPlainTextEdit | None = None
        self.image_label: QLabel | None = None
        self.scroll: QScrollArea | None = None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        system = QPushButton(self.tr("Open in the system app"), self)
        buttons.addButton(system, QDialogButtonBox.ButtonRole.ActionRole)
        system.clicked.connect(self.open_in_system_app)
        buttons.rejected.connect(self.reject)
        self._lay = QVBoxLayout(self)
        self._lay.addWidget(self.where)
        self._lay.addStretch(1)
        self._lay.addWidget(buttons)
        self._load()

    @property
    def is_pdf(self) -> bool:
        return self.path.suffix.lower() == ".pdf"

    def _passage(self) -> str:
        return str(self.citation.get("snippet") or self.citation.get("text") or "")

    def _load(self) -> None:
        path, passage = self.path, self._passage()
        if self.is_pdf:
            page = int(self.citation.get("page") or 1)
            self.tasks.start(lambda: render_pdf_page(path, page, passage), done=self._show_pdf, error=self._failed)
        else:
            start, end = self.citation.get("start"), self.citation.get("end")
            self.tasks.start(lambda: (lambda t: (t, find_passage(t, passage, start, end)))(source_text(path)),
                             done=self._show_text, error=self._failed)

    def _replace_stretch(self, widget: QWidget) -> None:
        item = self._lay.itemAt(1)
        if item is not None and item.widget() is None:
            self._lay.takeAt(1)
        self._lay.insertWidget(1, widget, 1)

    def _show_pdf(self, page: PdfPage) -> None:
        self.page = page
        pix = QPixmap.fromImage(page.image)
        painter = QPainter(pix)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(HIGHLIGHT)
        for r in page.rects:
            painter.drawRect(r)
        painter.end()
        self.image_label = QLabel(self)
        self.image_label.setPixmap(pix)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.image_label)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._replace_stretch(self.scroll)
        where = self.tr("Page %d of %d.") % (page.page, page.pages)
        if page.rects:
            self._lay.activate()  # the scroll area gets its size now, so the scroll lands right
            box = highlight_box(page)
            self.scroll.ensureVisible(box.center().x(), box.top(), 40, min(box.height(), 200) + 80)
            self.where.setText(where + " " + self.tr("The passage is highlighted."))
        else:
            self.where.setText(where + " " + self.tr("The passage's text could not be found on the page "
                                                      "(it may have been read by OCR)."))
        self.shown.emit()

    def _show_text(self, found: tuple[str, tuple[int, int] | None]) -> None:
        text, span = found
        self.span = span
        view = QPlainTextEdit(self)
        view.setObjectName("sourceText")
        view.setReadOnly(True)
        view.setPlainText(text)  # document text is shown as text, never as markup
        self.text_view = view
        self._replace_stretch(view)
        heading = str(self.citation.get("heading") or "")
        if span is not None:
            sel = QTextEdit.ExtraSelection()
            cur = QTextCursor(view.document())
            cur.setPosition(span[0])
            cur.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(HIGHLIGHT)
            sel.cursor, sel.format = cur, fmt
            view.setExtraSelections([sel])
            end = QTextCursor(view.document())
            end.setPosition(span[1])
            view.setTextCursor(end)
            view.ensureCursorVisible()
            start = QTextCursor(view.document())
            start.setPosition(span[0])
            view.setTextCursor(start)
            view.centerCursor()
            self.where.setText((heading + ": " if heading else "") + self.tr("the passage is highlighted."))
        else:
            self.where.setText(self.tr("The passage could not be found in the file (it may have changed since it "
                                       "was indexed)."))
        self.shown.emit()

    def highlighted_text(self) -> str:
        """The text under the highlight (tests and screen readers)."""
        if self.page is not None:
            return self.page.found_text
        if self.text_view is not None and self.span is not None:
            return self.text_view.toPlainText()[self.span[0]:self.span[1]]
        return ""

    def _failed(self, e: BaseException) -> None:
        log.warning("cannot show %s: %s", self.path, e, exc_info=True)
        self.where.setText(self.tr("Hearth cannot show %s: %s") % (self.path.name, in_words(e)))
        self.shown.emit()

    def open_in_system_app(self) -> bool:
        url = QUrl.fromLocalFile(str(self.path))
        page = int(self.citation.get("page") or 0)
        if self.is_pdf and page:
            url.setFragment(f"page={page}")
        return QDesktopServices.openUrl(url)


def highlight_box(page: PdfPage) -> QRect:
    """The union of the highlight rectangles (image coordinates)."""
    box = QRectF()
    for r in page.rects:
        box = box.united(r)
    return box.toAlignedRect()


__all__ = ["SourceViewer", "find_passage", "render_pdf_page", "source_text", "highlight_box"]
