"""Self-reflection in the window: under an answer it re-checked, a line says which answer was kept
and why, a link shows the other answer (its sibling branch) and back, and the branch count (‹ 1/2 ›)
is right as soon as the answer ends, without reopening the chat."""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from assistant.core.app import ConversationSettings, Hearth
from assistant.core.knowledge import HashEmbedder, KnowledgeBase
from assistant.ui.chat_delegate import reflection_line
from tests.ui.conftest_helpers import click_action, close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine
from tests.unit.test_answer_support import CENSUS, KB, passage

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

SHOT_DIR = os.environ.get("HEARTH_TEST_SHOTS", "/tmp")
FIRST = "Dovra lies on the river Mell. It has 9,843 residents."  # the number is in no passage
SECOND = "Dovra counted 18,245 residents in the 2021 census."
WHY = "kept the re-answer: 1 of 1 sentences supported vs 1 of 2 for the first answer"


def _hearth(monkeypatch, tmp_path, script, reflect=True):
    """A Hearth whose model answers ``script`` in turn and whose collection "docs" holds the census passage."""
    kb = KnowledgeBase(embedder=HashEmbedder())
    monkeypatch.setattr(kb, "search", KB([passage(CENSUS)]).search)
    h = Hearth(engine=ScriptedEngine(script=script, delay=0.0), knowledge=kb)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    conv = h.new_conversation(settings=ConversationSettings(model=str(model), collection="docs",
                                                            grounding="balanced", reflect=reflect))
    return h, conv


def _ask(qtbot, h, conv, question="How many people live in Dovra?"):
    w = make_window(qtbot, h)
    w.resize(1200, 700)
    w.open_conversation(conv.id)
    w.chat.composer.setPlainText(question)
    w.chat.send()
    wait_answer(qtbot, w)
    return w


def _line_drawn(w, row):
    """The reflection line's rectangle in the viewport, and the layout."""
    chat = w.chat
    idx = chat.model.index(row)
    chat.view.scrollTo(idx)
    lay = chat.delegate.layout_for(chat.model.item(row), max(200, chat.view.viewport().width()), chat.view.font())
    return lay.reflection_rect.translated(chat.view.visualRect(idx).topLeft()), lay


def test_the_kept_answer_says_why_and_shows_the_other_one(qtbot, paths, tmp_path, monkeypatch):
    h, conv = _hearth(monkeypatch, tmp_path, [FIRST, SECOND])
    w = _ask(qtbot, h, conv)
    chat = w.chat
    item = chat.model.item(1)
    # the kept re-answer replaces what streamed, and its branch count is right at once (no reload)
    assert item.content == SECOND and item.status == "complete"
    assert (item.branch, item.branches) == (1, 2)
    rect, lay = _line_drawn(w, 1)
    assert lay.reflection == f"Checked against your documents: {WHY}" == reflection_line(item)
    assert lay.other_label == "Show the first answer ›"
    assert [n for n, _l, _r in lay.actions][-3:] == ["prev_branch", "branch_label", "next_branch"]
    assert next(label for n, label, _r in lay.actions if n == "branch_label") == "1/2"
    # drawn: text pixels in the line's rectangle, under the answer's text
    img = chat.view.viewport().grab().toImage()
    img.save(os.path.join(SHOT_DIR, "reflection_kept.png"))
    assert rect.top() > chat.view.visualRect(chat.model.index(1)).top() + lay.doc_top
    bg = img.pixel(QPoint(2, rect.center().y()))
    assert sum(img.pixel(x, rect.center().y()) != bg for x in range(rect.left(), rect.right())) > 20
    # the link shows the first answer (the other branch), which says it was not kept and why
    click_action(qtbot, chat, 1, "other_answer")
    qtbot.waitUntil(lambda: chat.model.item(1).content == FIRST)
    other = chat.model.item(1)
    assert (other.branch, other.branches) == (2, 2) and other.reflection["kept"] is False
    assert reflection_line(other) == f"Not kept. Checked against your documents: {WHY}"
    assert [s["supported"] for s in other.support] == [True, False]  # its unsupported sentence still marked
    assert "not kept" in chat.status.text()
    assert h.store.thread(conv.id)[-1].content == FIRST  # the switch is stored, like ‹ ›
    _rect, lay2 = _line_drawn(w, 1)
    assert lay2.other_label == "Show the kept answer ›"
    chat.view.viewport().grab().save(os.path.join(SHOT_DIR, "reflection_not_kept.png"))
    # and back to the kept one, from the message's menu (the menu key reaches it without a mouse)
    menus = []
    monkeypatch.setattr(QMenu, "popup", lambda self, *_a: menus.append(self))
    chat._context_menu(chat.view.visualRect(chat.model.index(1)).center())
    (back,) = [a for a in menus[-1].actions() if a.text() == "Show the kept answer"]
    back.trigger()
    qtbot.waitUntil(lambda: chat.model.item(1).content == SECOND)
    assert (chat.model.item(1).branch, chat.model.item(1).branches) == (1, 2)
    close_all(h)


def test_the_line_comes_back_from_the_store_and_branch_arrows_still_switch(qtbot, paths, tmp_path, monkeypatch):
    h, conv = _hearth(monkeypatch, tmp_path, [FIRST, "Dovra has 12 bridges and 9,843 residents."])
    w = _ask(qtbot, h, conv)
    w.chat.set_conversation(conv.id)  # read again from the store
    chat = w.chat
    item = chat.model.item(1)
    assert item.content == FIRST and (item.branch, item.branches) == (1, 2)
    assert reflection_line(item) == ("Checked against your documents: kept the first answer: 1 of 2 sentences "
                                     "supported vs 0 of 1 for the re-answer")
    _rect, lay = _line_drawn(w, 1)
    assert lay.other_label == "Show the re-answer ›"
    click_action(qtbot, chat, 1, "next_branch")  # the ordinary branch arrows reach the same answer
    qtbot.waitUntil(lambda: chat.model.item(1).branch == 2)
    # the re-answer (nothing in it supported: shown as "not found", as grounding does) says it was not kept
    assert chat.model.item(1).content != FIRST and chat.model.item(1).reflection["kept"] is False
    close_all(h)


def test_no_line_without_reflection(qtbot, paths, tmp_path, monkeypatch):
    h, conv = _hearth(monkeypatch, tmp_path, [FIRST, SECOND], reflect=False)
    w = _ask(qtbot, h, conv)
    item = w.chat.model.item(1)
    assert item.branches == 1 and item.reflection == {}
    lay = w.chat.delegate.layout_for(item, max(200, w.chat.view.viewport().width()), w.chat.view.font())
    assert lay.reflection == "" and lay.reflection_rect is None and lay.other_rect is None
    assert w.chat.delegate.action_rect(item, "other_answer", 600, w.chat.view.font()) is None
    close_all(h)
