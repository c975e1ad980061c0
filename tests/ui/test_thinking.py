"""Thinking: reasoning streamed in chunks that cut its tags in half is shown as a collapsed
"Thinking… (N tokens, T s)" section above the answer, expands live, is not copied and not resent."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import click_action, close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine, ScriptedStream

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

CHUNKS = ["<thi", "nk>", "The user", " asks", " for 2+2.", " Adding", " gives 4.", "</th", "ink>", "\n\n",
          "It is ", "**4**."]


class ThinkingEngine(ScriptedEngine):
    def __init__(self, delay: float = 0.01) -> None:
        super().__init__(delay=delay)
        self.sent: list = []

    def chat(self, messages, sampling, conversation_id=None):
        self.answers += 1
        self.sent.append(list(messages))
        return ScriptedStream(CHUNKS if self.answers == 1 else ["Second."], self.delay)


def _layout(w, row):
    item = w.chat.model.item(row)
    return item, w.chat.delegate.layout_for(item, max(200, w.chat.view.viewport().width()), w.chat.view.font())


def test_thinking_is_split_collapsed_expandable_and_not_copied_or_resent(qtbot, paths):
    engine = ThinkingEngine(delay=0.15)
    h = Hearth(engine=engine)
    w = make_window(qtbot, h)
    w.new_conversation()
    w.chat.composer.setPlainText("What is 2+2?")
    w.chat.send()
    # while it thinks: a Thinking section, no reasoning in the answer; expanded, it grows live
    qtbot.waitUntil(lambda: w.chat.model.rowCount() == 2 and _layout(w, 1)[1].thinking_rect is not None,
                    timeout=10000)
    item, lay = _layout(w, 1)
    assert lay.thinking.startswith("▸ Thinking… (") and "The user" not in lay.doc.toPlainText()
    click_action(qtbot, w.chat, 1, "toggle_thinking")
    assert w.chat.model.item(1).thinking_open
    qtbot.waitUntil(lambda: "The user asks" in (_layout(w, 1)[1].thinking_doc.toPlainText()), timeout=10000)
    seen_partial = "gives 4." not in _layout(w, 1)[1].thinking_doc.toPlainText()
    wait_answer(qtbot, w)
    assert seen_partial  # the reasoning was shown while it was still being written
    item, lay = _layout(w, 1)
    assert lay.doc.toPlainText().strip() == "It is 4."
    assert lay.thinking_doc.toPlainText() == "The user asks for 2+2. Adding gives 4."
    assert lay.thinking.startswith("▾ Thinking… (") and " tokens, " in lay.thinking and lay.thinking.endswith(" s)")
    assert 4 <= item.reasoning_tokens <= 8  # one per streamed reasoning chunk
    click_action(qtbot, w.chat, 1, "toggle_thinking")
    assert _layout(w, 1)[1].thinking_doc is None  # collapsed again
    click_action(qtbot, w.chat, 1, "copy")
    assert QApplication.clipboard().text() == "It is **4**."
    w.chat.on_action("copy_with_thinking", item.id, 0)
    assert "The user asks" in QApplication.clipboard().text()
    # the next question does not resend the reasoning (SmolLM2's template has no reasoning channel)
    w.chat.composer.setPlainText("And 3+3?")
    w.chat.send()
    wait_answer(qtbot, w)
    earlier = [m.content for m in engine.sent[1] if m.role == "assistant"]
    assert earlier == ["It is **4**."]
    # after a reload (another chat and back) the figures are still there
    conv = w.chat.conv_id
    w.new_conversation()
    w.conversations.select(conv)
    item, lay = _layout(w, 1)
    assert item.reasoning_tokens >= 4 and item.reasoning_s > 0 and "tokens, " in lay.thinking
    close_all(h)
