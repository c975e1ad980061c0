"""An answer streaming into a long chat: only its own row is laid out again, and laying the list
out never enters Python once per row (each entry waits for the interpreter, which indexing and
imports in workers hold: that was the window's freeze while answers streamed)."""
from __future__ import annotations

import sys

import pytest

from assistant.core.app import Hearth
from assistant.ui import chat_delegate
from assistant.ui.chat_model import ChatItem
from tests.ui.conftest_helpers import close_all, make_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

MESSAGES = 200


def _long_chat(qtbot, h: Hearth):
    w = make_window(qtbot, h)
    conv = h.store.create("long", {})
    for i in range(MESSAGES):
        text = f"Message {i}: some **markdown** with a list\n\n- a\n- b\n" if i % 3 else f"Message {i}"
        h.store.add_message(conv.id, "user" if i % 2 == 0 else "assistant", text)
    w.conversations.select(conv.id)
    qtbot.waitUntil(lambda: w.chat.model.rowCount() == MESSAGES)
    m = w.chat.model
    m.append(ChatItem(id="pending-answer", role="assistant", content="", status="streaming"))
    w.chat.view.scrollToBottom()
    qtbot.wait(50)
    return w


def _python_calls(fn) -> int:
    """How many times Qt called into Python while ``fn`` (which calls Qt only) ran.

    ``fn`` calls no Python function itself, so every Python call whose caller is ``fn``'s frame
    came from Qt's C++.
    """
    entries = 0
    code = fn.__code__

    def profile(frame, event, _arg):
        nonlocal entries
        if event == "call" and frame.f_back is not None and frame.f_back.f_code is code:
            entries += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return entries


def test_streaming_into_a_200_message_chat_lays_out_only_the_streaming_message(qtbot, paths, monkeypatch):
    h = Hearth()
    w = _long_chat(qtbot, h)
    laid_out: list[str] = []
    real = chat_delegate.MessageDelegate.layout_for

    def layout_for(self, item, width, font):
        if self._key(item, width) not in self._cache:
            laid_out.append(item.id)
        return real(self, item, width, font)

    monkeypatch.setattr(chat_delegate.MessageDelegate, "layout_for", layout_for)
    m, view = w.chat.model, w.chat.view
    for k in range(30):
        m.append_text(f"word{k} " * 3 + ("\n\n" if k % 5 == 4 else ""))
        view.scrollToBottom()
        qtbot.wait(5)
        view.viewport().repaint()
    assert m.item(MESSAGES).content.startswith("word0 word0")
    # one layout per new piece of text, all of the streaming message; none of the other 200
    assert set(laid_out) == {"pending-answer"} and len(laid_out) <= 30
    # the grown answer is shown whole at the bottom, not clipped to its first height
    rect = view.visualRect(m.index(MESSAGES))
    assert rect.height() == w.chat.delegate.size_for(m.item(MESSAGES)).height()
    assert rect.top() < view.viewport().height() and rect.bottom() <= view.viewport().height() + 1
    close_all(h)


def test_laying_out_a_long_chat_never_enters_python_per_row(qtbot, paths):
    h = Hearth()
    w = _long_chat(qtbot, h)
    m, view = w.chat.model, w.chat.view
    m.append_text("more text for the streaming answer")

    def lay_out() -> None:
        view.doItemsLayout()
        view.scrollToBottom()

    entries = _python_calls(lay_out)
    # Qt asks each of the 201 rows for its size (and index, and the row count) while laying out:
    # answered in C++. Python only paints what is on screen (none here: nothing was painted).
    assert entries < 10, f"{entries} calls into Python to lay out {MESSAGES + 1} rows"
    close_all(h)
