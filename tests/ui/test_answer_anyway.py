"""Under a "not found" answer the window offers "Answer anyway from general knowledge"; clicking it
streams a new branch, answered without the documents, marked "From general knowledge, not your
documents" above its text (and so after a restart); ‹ › goes back to the "not found" answer."""
from __future__ import annotations

import os

import pytest
from PySide6.QtGui import QColor

from assistant.core.answers.grounding import NOT_FOUND_EN
from assistant.core.app import ConversationSettings, Hearth
from assistant.core.knowledge import HashEmbedder, KnowledgeBase
from assistant.ui.chat_delegate import GENERAL_COLOUR
from tests.ui.conftest_helpers import click_action, close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine
from tests.unit.test_answer_support import CENSUS, KB, passage

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

SHOT_DIR = os.environ.get("HEARTH_TEST_SHOTS", "")
QUESTION = "Who won the 1998 World Cup?"
GENERAL = "France won the 1998 World Cup, beating Brazil 3-0 in the final."
MARK = "From general knowledge, not your documents"
LINK = "Answer anyway from general knowledge ›"


def _hearth(monkeypatch, tmp_path):
    """A Hearth whose collection "docs" holds only the census passage (nothing about football)."""
    kb = KnowledgeBase(embedder=HashEmbedder())
    monkeypatch.setattr(kb, "search", KB([passage(CENSUS, relevance=0.1)]).search)
    h = Hearth(engine=ScriptedEngine(script=[GENERAL], delay=0.01), knowledge=kb)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    conv = h.new_conversation(settings=ConversationSettings(model=str(model), collection="docs"))
    return h, conv


def _layout(chat, row):
    idx = chat.model.index(row)
    chat.view.scrollTo(idx)
    lay = chat.delegate.layout_for(chat.model.item(row), max(200, chat.view.viewport().width()), chat.view.font())
    return lay, chat.view.visualRect(idx).topLeft()


def _coloured(img, rect, colour):
    want = QColor(colour)
    n = 0
    for y in range(max(0, rect.top()), min(img.height(), rect.bottom())):
        for x in range(max(0, rect.left()), min(img.width(), rect.right())):
            c = QColor(img.pixel(x, y))
            n += abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue()) < 90
    return n


def test_not_found_offers_an_answer_from_general_knowledge_marked_as_such(qtbot, paths, tmp_path, monkeypatch):
    h, conv = _hearth(monkeypatch, tmp_path)
    w = make_window(qtbot, h)
    w.resize(1000, 700)
    w.open_conversation(conv.id)
    chat = w.chat
    chat.composer.setPlainText(QUESTION)
    chat.send()
    wait_answer(qtbot, w)
    # "not found", the closest passage listed, and the link under it
    item = chat.model.item(1)
    assert item.content == NOT_FOUND_EN and item.not_found and not item.general_knowledge
    assert h.engine.answers == 0  # nothing relevant: the model was not asked
    lay, _ = _layout(chat, 1)
    assert lay.anyway_label == LINK and lay.anyway_rect is not None and not lay.general
    assert lay.cite_rects and lay.anyway_rect.top() > max(r.top() for r, _i in lay.cite_rects)
    # clicking it answers again, without the documents, on a new branch
    click_action(qtbot, chat, 1, "answer_anyway")
    assert chat.generating
    qtbot.waitUntil(lambda: chat.model.item(1).general_knowledge and chat.model.item(1).status == "streaming")
    wait_answer(qtbot, w)
    item = chat.model.item(1)
    assert item.content == GENERAL and item.status == "complete"
    assert (item.branch, item.branches) == (2, 2) and item.citations == [] and not item.not_found
    sent = h.engine.last_messages
    assert sent[-1].content == QUESTION  # the question alone: no passage, no "nothing relevant" block
    assert not any("census" in m.content or "18,245" in m.content for m in sent)
    stored = h.store.message(item.id)
    assert stored.meta["general_knowledge"] is True and stored.citations == []
    # the mark is drawn above the answer's text; no link under it
    lay, top_left = _layout(chat, 1)
    assert lay.general == MARK and lay.anyway_rect is None
    assert lay.general_rect.bottom() < lay.doc_top
    img = chat.view.viewport().grab().toImage()
    if SHOT_DIR:
        img.save(os.path.join(SHOT_DIR, "answer_anyway.png"))
    assert _coloured(img, lay.general_rect.translated(top_left), GENERAL_COLOUR) > 20
    tip = chat.delegate.tooltip_at(item, lay.general_rect.center(), max(200, chat.view.viewport().width()),
                                   chat.view.font())
    assert "do not contain the answer" in tip
    # ‹ goes back to "not found", which still offers the link; a reopened chat keeps the mark
    click_action(qtbot, chat, 1, "prev_branch")
    qtbot.waitUntil(lambda: chat.model.item(1).content == NOT_FOUND_EN)
    assert _layout(chat, 1)[0].anyway_label == LINK
    click_action(qtbot, chat, 1, "next_branch")
    qtbot.waitUntil(lambda: chat.model.item(1).content == GENERAL)
    w.open_conversation(conv.id)
    assert _layout(chat, 1)[0].general == MARK
    close_all(h)


def test_an_answer_from_the_documents_offers_no_general_answer(qtbot, paths, tmp_path, monkeypatch):
    kb = KnowledgeBase(embedder=HashEmbedder())
    monkeypatch.setattr(kb, "search", KB([passage(CENSUS)]).search)
    h = Hearth(engine=ScriptedEngine(script=["Dovra counted 18,245 residents in the 2021 census."], delay=0.0),
               knowledge=kb)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    conv = h.new_conversation(settings=ConversationSettings(model=str(model), collection="docs"))
    w = make_window(qtbot, h)
    w.open_conversation(conv.id)
    w.chat.composer.setPlainText("How many people live in Dovra?")
    w.chat.send()
    wait_answer(qtbot, w)
    lay, _ = _layout(w.chat, 1)
    assert not w.chat.model.item(1).not_found and lay.anyway_rect is None and lay.general_rect is None
    close_all(h)


@pytest.mark.slow
def test_real_not_found_then_answer_anyway(qtbot, paths, tmp_path, smollm2_path, monkeypatch):
    """SmolLM2, MiniLM and Chroma: an off-topic question ends in "not found"; the link answers it
    from general knowledge, with no passage in the prompt, marked in the window and the store."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "volcano-notes.md").write_text("# Field notes\n\nThe Kestrel volcano last erupted in 1987 and its crater "
                                           "lake is called Lake Ombra.\n", encoding="utf-8")
    h = Hearth()
    (rep,) = h.knowledge.index("notes", [docs])
    assert rep.status == "indexed"
    cs = ConversationSettings(model=str(smollm2_path), collection="notes",
                              sampling={"temperature": 0.0, "seed": 0, "max_tokens": 40})
    conv = h.new_conversation(settings=cs)
    sent = []
    engine = h.engine
    real_chat = engine.chat
    monkeypatch.setattr(engine, "chat", lambda messages, *a, **k: sent.append(list(messages)) or
                        real_chat(messages, *a, **k))
    w = make_window(qtbot, h)
    w.resize(1000, 700)
    w.open_conversation(conv.id)
    chat = w.chat
    chat.composer.setPlainText("Who painted the Mona Lisa?")
    chat.send()
    wait_answer(qtbot, w, timeout=600000)
    assert chat.model.item(1).content == NOT_FOUND_EN
    click_action(qtbot, chat, 1, "answer_anyway")
    wait_answer(qtbot, w, timeout=600000)
    item = chat.model.item(1)
    stored = h.store.message(item.id)
    assert item.status == "complete" and item.content.strip() and item.content != NOT_FOUND_EN
    assert item.general_knowledge and stored.meta["general_knowledge"] is True and stored.citations == []
    assert (item.branch, item.branches) == (2, 2)
    assert _layout(chat, 1)[0].general == MARK
    # the model got the question alone (it was not asked for the "not found": nothing relevant)
    assert len(sent) == 1 and sent[0][-1].content == "Who painted the Mona Lisa?"
    assert not any("Kestrel" in m.content for m in sent[0])
    close_all(h)
