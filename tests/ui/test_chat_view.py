"""The transcript: append-only model, streaming into the last row only (coalesced), Markdown
rendering, copy actions, citations that open the document at the page, the stats line."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QDesktopServices, QFontInfo, QTextTable
from PySide6.QtWidgets import QApplication, QMessageBox

from assistant.core.app import Hearth
from assistant.ui.chat_delegate import stats_line
from assistant.ui.chat_model import ChatItem, TranscriptModel
from tests.ui.conftest_helpers import close_all, click_action, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

MARKDOWN = """# Plan

- first
- second

| a | b |
|---|---|
| 1 | 2 |

Use `pip` then:

```python
print("hi")
```
"""


def test_streaming_touches_only_the_last_row_and_is_coalesced(qtbot, paths):
    h = Hearth(engine=ScriptedEngine(words=300, delay=0.001))
    w = make_window(qtbot, h)
    w.new_conversation()
    for text in ("one", "two"):
        w.chat.composer.setPlainText(text)
        w.chat.send()
        wait_answer(qtbot, w)
    changed, inserted, resets = [], [], []
    m = w.chat.model
    m.dataChanged.connect(lambda a, b, roles: changed.append((a.row(), b.row())))
    m.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    m.modelReset.connect(lambda: resets.append(1))
    w.chat.composer.setPlainText("three")
    w.chat.send()
    wait_answer(qtbot, w)
    assert inserted == [(4, 4), (5, 5)] and resets == []  # appended, never rebuilt
    # the question row changes once (it gets its stored id), then only the answer being written
    assert changed.count((4, 4)) == 1 and all(r == (5, 5) for r in changed if r != (4, 4))
    assert len(changed) < 301 / 3  # 301 chunks arrive, far fewer repaints (50 ms batches)
    assert m.item(5).content.endswith("word299")
    # the row grew with its text: the whole answer is on screen, not clipped to its first height
    qtbot.waitUntil(lambda: w.chat.view.visualRect(m.index(5)).height()
                    == w.chat.delegate.size_for(m.item(5)).height())
    assert w.chat.view.visualRect(m.index(5)).height() > w.chat.view.visualRect(m.index(4)).height() * 2
    close_all(h)


def test_markdown_renders_headings_lists_tables_and_monospace_code(qtbot, paths):
    h = Hearth(engine=ScriptedEngine())
    w = make_window(qtbot, h)
    item = ChatItem(id="m1", role="assistant", content=MARKDOWN)
    lay = w.chat.delegate.layout_for(item, 600, w.font())
    doc = lay.doc
    assert doc.toPlainText().startswith("Plan")
    assert doc.begin().blockFormat().headingLevel() == 1
    tables = [f for f in doc.rootFrame().childFrames() if isinstance(f, QTextTable)]
    assert tables and tables[0].rows() == 2
    code = next(b for b in _blocks(doc) if 'print("hi")' in b.text())
    assert QFontInfo(code.begin().fragment().charFormat().font()).fixedPitch()  # really monospace
    body = next(b for b in _blocks(doc) if b.text() == "first")
    assert not QFontInfo(body.begin().fragment().charFormat().font()).fixedPitch()
    assert [n for n, _l, _r in lay.actions][:2] == ["copy", "copy_code"]
    close_all(h)


def _blocks(doc):
    b = doc.begin()
    while b.isValid():
        yield b
        b = b.next()


def test_copy_and_copy_code_put_text_on_the_clipboard(qtbot, paths):
    h = Hearth(engine=ScriptedEngine())
    w = make_window(qtbot, h)
    w.chat.model.set_items([ChatItem(id="u", role="user", content="code please"),
                            ChatItem(id="a", role="assistant", content=MARKDOWN)])
    w.chat._update_empty()
    click_action(qtbot, w.chat, 1, "copy_code")
    assert QApplication.clipboard().text() == 'print("hi")'
    click_action(qtbot, w.chat, 1, "copy")
    assert QApplication.clipboard().text() == MARKDOWN
    close_all(h)


def test_clicking_a_citation_opens_the_pdf_at_its_page(qtbot, paths, shared_eval, monkeypatch):
    from assistant.core.knowledge import HashEmbedder, KnowledgeBase

    pdf = shared_eval / "pdfs" / "clean" / "samplefiles__004-pdflatex-4-pages__pdflatex-4-pages.pdf"
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    kb = KnowledgeBase(paths, embedder=HashEmbedder())
    kb.create_collection("papers")
    kb.index("papers", [pdf])  # only files a collection knows are opened
    h = Hearth(engine=ScriptedEngine(), knowledge=kb)
    w = make_window(qtbot, h)
    cite = {"source_path": str(pdf.resolve()), "page": 3, "start": 0, "end": 10, "snippet": "passage text",
            "number": 1}
    w.chat.model.set_items([ChatItem(id="u", role="user", content="q"),
                            ChatItem(id="a", role="assistant", content="See [1].", citations=[cite])])
    w.chat._update_empty()
    click_action(qtbot, w.chat, 1, "citation")
    qtbot.waitUntil(lambda: w.chat.viewer is not None and w.chat.viewer.page is not None)
    assert w.chat.viewer.page.page == 3 and opened == []  # the built-in viewer, at the page
    assert "page 3" in w.chat.status.text()
    # "Open in the system app" stays, at the page
    w.chat.viewer.open_in_system_app()
    assert opened[0].toLocalFile() == str(pdf.resolve()) and opened[0].fragment() == "page=3"
    w.chat.viewer.close()
    # a document that is gone: the passage is shown instead, with its page
    shown = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box.text()))
    w.chat.open_citation({**cite, "source_path": str(paths.data / "gone.pdf")})
    qtbot.waitUntil(lambda: bool(shown))
    assert "passage text" in shown[0] and "Page 3" in shown[0] and len(opened) == 1
    close_all(h)


def test_stats_line_says_speed_first_token_and_context():
    line = stats_line({"tokens_per_s": 98.04, "ttft_s": 0.123, "context_used": 310, "context_size": 4096})
    assert line == "98.0 tok/s · first token 0.12 s · context 310/4096"
    assert stats_line({}) == ""


def test_transcript_model_is_a_valid_list_model(qtmodeltester):
    m = TranscriptModel()
    for i in range(5):
        m.append(ChatItem(id=str(i), role="user" if i % 2 == 0 else "assistant", content=f"m{i}"))
    m.append_text("more")
    qtmodeltester.check(m, force_py=True)
    assert m.item(4).content == "m4more"


def test_sources_from_one_file_are_grouped_under_it_and_each_opens_at_its_passage(qtbot, paths, shared_eval):
    import os
    import re

    from assistant.core.knowledge import HashEmbedder, KnowledgeBase
    from assistant.ui.chat_delegate import MARGIN, PAD, SOURCE_INDENT, citation_label
    from tests.ui.conftest_helpers import click_action

    docs = shared_eval / "qa" / "squad2" / "docs"
    kb = KnowledgeBase(paths, embedder=HashEmbedder())
    kb.create_collection("wiki")
    kb.index("wiki", [(docs / "Normans.md").resolve(), (docs / "Huguenot.md").resolve()])
    normans = [p for p in kb.search("wiki", "Normans Normandy Rollo conquest England", k=12)
               if p.citation.source_path.endswith("Normans.md")]
    other = next(p for p in kb.search("wiki", "Huguenots French Protestants", k=8)
                 if p.citation.source_path.endswith("Huguenot.md"))
    picked = sorted(normans[:3], key=lambda p: p.citation.start)
    assert len(picked) == 3
    cites = [{**p.citation.__dict__, "number": n} for n, p in enumerate(picked + [other], 1)]
    h = Hearth(knowledge=kb)
    w = make_window(qtbot, h)
    w.resize(1000, 800)
    w.chat.model.set_items([ChatItem(id="u", role="user", content="Who were the Normans?"),
                            ChatItem(id="a", role="assistant", content="They came from Normandy [1][2][3][4].",
                                     citations=cites)])
    w.chat._update_empty()
    item = w.chat.model.item(1)
    lay = w.chat.delegate.layout_for(item, max(200, w.chat.view.viewport().width()), w.chat.view.font())
    # Normans.md once, its three passages under it (indented, each with its number and first line)
    (head,) = lay.file_heads
    assert os.path.basename(head[1]) == "Normans.md"
    rows = {i: r for r, i in lay.cite_rects}
    for i in range(3):
        label = lay.cite_labels[i]
        assert label.startswith(f"[{i + 1}]") and "Normans.md" not in label and "“" in label
        assert rows[i].left() == MARGIN + PAD + SOURCE_INDENT and rows[i].top() > head[0].top()
    assert len({lay.cite_labels[i] for i in range(3)}) == 3  # told apart
    # a file with one passage keeps its one-line entry
    assert 3 not in lay.cite_labels and citation_label(cites[3]).startswith("[4] Huguenot.md")
    if os.environ.get("HEARTH_TEST_SHOTS"):
        w.chat.view.viewport().grab().save(os.path.join(os.environ["HEARTH_TEST_SHOTS"], "sources_grouped.png"))
    # each passage opens the viewer at that passage
    click_action(qtbot, w.chat, 1, "citation:2")
    qtbot.waitUntil(lambda: w.chat.viewer is not None and "Opening" not in w.chat.viewer.where.text(),
                    timeout=20000)
    words = re.findall(r"\w+", w.chat.viewer.highlighted_text())
    assert words[:8] == re.findall(r"\w+", cites[2]["snippet"])[:8]
    w.chat.viewer.close()
    close_all(h)


def test_forget_sizes_makes_every_row_measure_again(qtbot):
    from PySide6.QtCore import QSize, Qt

    m = TranscriptModel()
    measured = []
    m.size_for = lambda item: measured.append(item.id) or QSize(100, 20 + len(measured))
    for i in range(3):
        m.append(ChatItem(id=str(i), role="user", content="hi"))
    size = lambda r: m.data(m.index(r), Qt.ItemDataRole.SizeHintRole)  # noqa: E731
    first = [size(r) for r in range(3)]
    assert [size(r) for r in range(3)] == first and measured == ["0", "1", "2"]  # remembered
    with qtbot.waitSignal(m.dataChanged) as changed:
        m.forget_sizes()  # e.g. the text size changed
    assert changed.args[0].row() == 0 and changed.args[1].row() == 2
    assert [size(r).height() for r in range(3)] == [24, 25, 26] and len(measured) == 6
