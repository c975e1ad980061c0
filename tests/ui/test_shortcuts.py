"""Keyboard: Ctrl+N new chat, Esc stops, Up in an empty message box edits the last question,
Ctrl+Shift+C copies the last answer; Help → Keyboard shortcuts lists them."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, make_window, press, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def test_keyboard_shortcuts(qtbot, paths):
    engine = ScriptedEngine(words=4, delay=0.01, script=["<think>hmm</think>First answer.", "Second answer.",
                                                         "Edited answer."])
    h = Hearth(engine=engine)
    w = make_window(qtbot, h)
    before = len(h.store.list())
    press(w.chat.composer, Qt.Key.Key_N, CTRL)
    assert len(h.store.list()) == before + 1 and w.chat.conv_id is not None
    conv = w.chat.conv_id
    for q in ("What is one?", "What is two?"):
        w.chat.composer.setPlainText(q)
        press(w.chat.composer, Qt.Key.Key_Return)
        wait_answer(qtbot, w)
    # Ctrl+Shift+C: the last answer (its reasoning left out)
    QApplication.clipboard().clear()
    press(w.chat.composer, Qt.Key.Key_C, CTRL | SHIFT)
    assert QApplication.clipboard().text() == "Second answer."
    # Up in the empty box: the last question, to edit; Esc leaves it; Up again and Enter answers on a branch
    press(w.chat.composer, Qt.Key.Key_Up)
    assert w.chat.composer.toPlainText() == "What is two?"
    press(w.chat.composer, Qt.Key.Key_Escape)
    assert w.chat.composer.toPlainText() == "" and w.chat._editing is None
    press(w.chat.composer, Qt.Key.Key_Up)
    w.chat.composer.setPlainText("What is two, really?")
    press(w.chat.composer, Qt.Key.Key_Return)
    wait_answer(qtbot, w)
    items = w.chat.model.items()
    assert [i.content for i in items if i.role == "user"] == ["What is one?", "What is two, really?"]
    assert items[2].branches == 2 and items[3].content == "Edited answer."
    # Up with text in the box moves the cursor as usual
    w.chat.composer.setPlainText("line one\nline two")
    press(w.chat.composer, Qt.Key.Key_Up)
    assert w.chat.composer.toPlainText() == "line one\nline two"
    w.chat.composer.clear()
    # Esc stops an answer being written
    engine.words, engine.delay = 400, 0.02
    w.chat.composer.setPlainText("A long one please")
    press(w.chat.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "word" in w.chat.model.item(w.chat.model.rowCount() - 1).content, timeout=10000)
    press(w.chat.composer, Qt.Key.Key_Escape)
    wait_answer(qtbot, w)
    last = h.store.message(w.chat.model.item(w.chat.model.rowCount() - 1).id)
    assert last.status == "stopped" and last.content.count("word") < 400
    assert w.chat.conv_id == conv
    # Help → Keyboard shortcuts lists every one of them
    help_menu = next(a.menu() for a in w.menuBar().actions() if "Help" in a.text())
    act = next(a for a in help_menu.actions() if a.text().replace("&", "") == "Keyboard shortcuts")
    act.trigger()
    from assistant.ui.shortcuts import ShortcutsDialog

    qtbot.waitUntil(lambda: w.findChild(ShortcutsDialog) is not None)
    dlg = w.findChild(ShortcutsDialog)
    rows = dict(dlg.rows())
    assert {"Ctrl+N", "Esc", "Up", "Ctrl+Shift+C"} <= set(rows)
    assert "edit your last question" in rows["Up"] and rows["Ctrl+Shift+C"] == "Copy the last answer"
    dlg.close()
    close_all(h)
