"""Sentences no passage supports are underlined (wavy) with the tooltip "Not found in your documents",
and the stats line counts the supported sentences: on a stored answer with its support, and on a
real answer (SmolLM2, MiniLM, Chroma, a SQuAD 2.0 article)."""
from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from assistant.core.app import ConversationSettings, Hearth
from assistant.ui.chat_delegate import MARGIN, PAD, UNSUPPORTED_COLOUR, UNSUPPORTED_PROPERTY
from tests.ui.conftest_helpers import close_all, make_window, wait_answer

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

SHOT_DIR = os.environ.get("HEARTH_TEST_SHOTS", "")  # set to keep the screenshots for a look

GOOD = "The 2021 census of **Dovra** counted 18,245 residents [1]."
BAD = "The town also has 9,843 cats [1]."


def _support(content, sentence, supported, **extra):
    start = content.index(sentence)
    return {"text": sentence, "start": start, "end": start + len(sentence), "supported": supported,
            "checked": True, "source": None, "reason": "supported" if supported else "number", "detail": "", **extra}


def _point_on(w, row, phrase):
    """Where ``phrase`` is drawn in the viewport (the middle of its first letters)."""
    chat = w.chat
    idx = chat.model.index(row)
    chat.view.scrollTo(idx)
    item = chat.model.item(row)
    lay = chat.delegate.layout_for(item, max(200, chat.view.viewport().width()), chat.view.font())
    pos = lay.doc.toPlainText().index(phrase) + 2
    block = lay.doc.findBlock(pos)
    line = block.layout().lineForTextPosition(pos - block.position())
    top = lay.doc.documentLayout().blockBoundingRect(block).top() + line.y()
    x = MARGIN + PAD + line.cursorToX(pos - block.position())[0] + 2
    y = lay.doc_top + top + line.height() / 2
    return chat.view.visualRect(idx).topLeft() + QPoint(int(x), int(y)), lay


def _hover(w, point):
    vp = w.chat.view.viewport()
    QToolTip.hideText()
    QApplication.sendEvent(vp, QHelpEvent(QEvent.Type.ToolTip, point, vp.mapToGlobal(point)))
    return QToolTip.text()


def _orange_pixels(img, y0, y1):
    want = QColor(UNSUPPORTED_COLOUR)
    n = 0
    for y in range(max(0, y0), min(img.height(), y1)):
        for x in range(0, img.width(), 1):
            c = QColor(img.pixel(x, y))
            if abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue()) < 90:
                n += 1
    return n


def test_unsupported_sentence_is_underlined_with_a_tooltip_and_counted(qtbot, paths, tmp_path):
    h = Hearth()
    content = f"{GOOD} {BAD}"
    conv = h.new_conversation(settings=ConversationSettings(collection="town"))
    h.store.add_message(conv.id, "user", "How many people live in Dovra?")
    cite = {"source_path": str(tmp_path / "dovra.md"), "number": 1, "snippet": "The 2021 census of Dovra counted "
            "18,245 residents.", "cited": True}
    h.store.add_message(conv.id, "assistant", content, citations=[cite],
                        stats={"tokens_per_s": 12.0, "support": {"sentences": 2, "supported": 1,
                                                                 "unsupported_numbers": 1, "mode": "off"}},
                        meta={"support": [_support(content, GOOD, True),
                                          _support(content, BAD, False, detail="9,843")]})
    w = make_window(qtbot, h)
    w.resize(900, 600)
    w.open_conversation(conv.id)
    item = w.chat.model.item(1)
    assert len(item.support) == 2
    # the stats line counts them
    bad_at, lay = _point_on(w, 1, "9,843")
    assert lay.stats.startswith("1 of 2 sentences supported")
    # the unsupported sentence (and only it) carries a wavy underline
    (span,) = lay.unsupported
    text = lay.doc.toPlainText()
    assert text[span[0]:span[1]] == "The town also has 9,843 cats"
    assert lay.doc.find("cats").charFormat().boolProperty(UNSUPPORTED_PROPERTY)
    assert not lay.doc.find("census").charFormat().boolProperty(UNSUPPORTED_PROPERTY)
    assert lay.waves  # a wavy line under each of its lines
    # hovering it says so (and why); hovering the supported one says nothing
    tip = _hover(w, bad_at)
    assert tip.startswith("<qt>Not found in your documents<br>") and "9,843" in tip  # plain text, escaped
    good_at, _ = _point_on(w, 1, "census")
    _hover(w, good_at)
    qtbot.waitUntil(lambda: not QToolTip.isVisible())  # the tooltip goes away over a supported sentence
    # drawn: orange under the bad sentence's line, none under the good one's
    img = w.chat.view.viewport().grab().toImage()
    if SHOT_DIR:
        img.save(os.path.join(SHOT_DIR, "grounding_unsupported.png"))
    line_h = w.chat.view.fontMetrics().height()
    if bad_at.y() - good_at.y() >= line_h:  # on different lines (the window is wide enough for both on one)
        assert _orange_pixels(img, good_at.y() - line_h // 2, good_at.y() + line_h // 2 + 2) == 0
    assert _orange_pixels(img, bad_at.y(), bad_at.y() + line_h) > 10
    close_all(h)


@pytest.mark.slow
def test_real_answer_marks_the_sentences_its_article_does_not_support(qtbot, paths, tmp_path, shared_eval,
                                                                       smollm2_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(shared_eval / "qa" / "squad2" / "docs" / "Normans.md", docs)
    h = Hearth()
    (rep,) = h.knowledge.index("squad", [docs])
    assert rep.status == "indexed"
    cs = ConversationSettings(model=str(smollm2_path), collection="squad", grounding="off",
                              sampling={"temperature": 0.0, "seed": 0, "max_tokens": 80})
    conv = h.new_conversation(settings=cs)
    w = make_window(qtbot, h)
    w.resize(900, 700)
    w.open_conversation(conv.id)
    w.chat.composer.setPlainText("When were the Normans in Normandy?")
    w.chat.send()
    wait_answer(qtbot, w, timeout=600000)
    stored = h.store.thread(conv.id)[-1]
    item = w.chat.model.item(1)
    assert item.id == str(stored.id) and item.support == stored.meta["support"]
    checked = [s for s in stored.meta["support"] if s["checked"]]
    unsupported = [s for s in checked if not s["supported"]]
    width = max(200, w.chat.view.viewport().width())
    lay = w.chat.delegate.layout_for(item, width, w.chat.view.font())
    assert lay.stats.startswith(f"{len(checked) - len(unsupported)} of {len(checked)} sentences supported")
    assert len(lay.unsupported) == len(unsupported)  # every unsupported sentence is found and underlined
    for start, end, k in lay.unsupported:
        assert not item.support[k]["supported"]
        c = lay.doc.find(lay.doc.toPlainText()[start:end][:12]).charFormat()
        assert c.boolProperty(UNSUPPORTED_PROPERTY)
    assert len(lay.waves) >= len(unsupported)
    if SHOT_DIR:
        w.chat.view.viewport().grab().save(os.path.join(SHOT_DIR, "grounding_real.png"))
    close_all(h)
