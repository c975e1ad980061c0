"""Sources you can open at the passage: the label tells passages apart, hover shows the passage,
a click opens the built-in viewer at the page (PDF) or the passage (text), highlighted."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor

from assistant.core.app import Hearth
from assistant.core.knowledge import HashEmbedder, KnowledgeBase
from assistant.ui.chat_delegate import citation_label
from assistant.ui.chat_model import ChatItem
from assistant.ui.source_viewer import find_passage, highlight_box
from tests.ui.conftest_helpers import click_action, close_all, make_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


def _words(s):
    import re

    return re.findall(r"\w+", s)


def _open(qtbot, w, cite):
    w.chat.model.set_items([ChatItem(id="u", role="user", content="q"),
                            ChatItem(id="a", role="assistant", content="See [1].", citations=[cite])])
    w.chat._update_empty()
    click_action(qtbot, w.chat, 1, "citation")
    qtbot.waitUntil(lambda: w.chat.viewer is not None and "Opening" not in w.chat.viewer.where.text(),
                    timeout=20000)
    return w.chat.viewer


def test_pdf_citation_opens_at_its_page_with_the_passage_highlighted(qtbot, paths, shared_eval):
    from assistant.ui.chat_delegate import citation_tooltip

    pdf = (shared_eval / "pdfs" / "clean" / "pdfjs__tracemonkey.pdf").resolve()
    kb = KnowledgeBase(paths, embedder=HashEmbedder())
    kb.create_collection("papers")
    kb.index("papers", [pdf])
    passages = kb.search("papers", "trace trees nested loops type speculation", k=8)
    p = next(p for p in passages if (p.citation.page or 0) >= 3)
    cite = {**p.citation.__dict__, "number": 1}
    h = Hearth(knowledge=kb)
    w = make_window(qtbot, h)
    label = citation_label(cite)
    assert label.startswith(f"[1] pdfjs__tracemonkey.pdf, page {cite['page']} · “")
    assert "“" in citation_tooltip(cite)  # hover shows the passage
    viewer = _open(qtbot, w, cite)
    page = viewer.page
    assert page is not None and page.page == cite["page"] and page.pages == 14
    # the highlight covers the passage's own text, found on that page
    assert _words(page.found_text)[:6] == _words(cite["snippet"])[:6] and page.rects
    box = highlight_box(page)
    img = page.image
    inside = [QColor(img.pixel(x, y)).lightness() for x in range(box.left(), box.right(), 2)
              for y in range(box.top(), box.bottom(), 2)]
    assert sum(1 for v in inside if v < 128) > 200  # there is text (dark pixels) under the highlight
    assert QRect(0, 0, img.width(), img.height()).contains(box)
    # the view is scrolled to it
    bar = viewer.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: viewer.scroll.viewport().height() > 300)
    assert bar.value() <= box.top() <= bar.value() + viewer.scroll.viewport().height()
    assert "highlighted" in viewer.where.text()
    viewer.close()
    close_all(h)


def test_markdown_citation_opens_scrolled_to_the_passage(qtbot, paths, shared_eval):
    doc = (shared_eval / "qa" / "squad2" / "docs" / "Normans.md").resolve()
    kb = KnowledgeBase(paths, embedder=HashEmbedder())
    kb.create_collection("wiki")
    kb.index("wiki", [doc])
    passages = kb.search("wiki", "Norman conquest of England 1066 William", k=8)
    p = max(passages, key=lambda p: p.citation.start)  # one far down the file
    cite = {**p.citation.__dict__, "number": 2}
    assert cite["start"] > 2000
    h = Hearth(knowledge=kb)
    w = make_window(qtbot, h)
    label = citation_label(cite)
    assert label.startswith("[2] Normans.md") and " · “" in label
    viewer = _open(qtbot, w, cite)
    text = viewer.text_view.toPlainText()
    assert text == doc.read_text(encoding="utf-8")  # shown as the file's text
    assert _words(viewer.highlighted_text())[:8] == _words(cite["snippet"])[:8]
    sel = viewer.text_view.extraSelections()
    assert len(sel) == 1 and sel[0].cursor.selectionStart() == viewer.span[0]
    cr = viewer.text_view.cursorRect()  # the passage is on screen, not at the top of the file
    assert viewer.text_view.viewport().rect().contains(cr.center())
    assert viewer.text_view.verticalScrollBar().value() > 0
    viewer.close()
    close_all(h)


def test_find_passage_tolerates_other_spacing():
    text = "Intro.\n\nThe  Normans were\r\nthe people who gave their name to Normandy."
    s, e = find_passage(text, "The Normans were the people who gave their name")
    assert text[s:e].startswith("The  Normans") and text[s:e].endswith("their name")
    assert find_passage(text, "nothing like it here") is None
