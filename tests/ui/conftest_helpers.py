"""Helpers shared by the window tests (not a conftest: imported explicitly)."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from assistant.ui.chat_model import ItemRole


def make_window(qtbot, hearth, warm_up: bool = False):
    from assistant.ui.main_window import MainWindow

    hearth.settings.first_run_done = True
    w = MainWindow(hearth, warm_up=warm_up)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # window shortcuts (Ctrl+N, Ctrl+K, Ctrl+,, Esc) act on the active window
    qtbot.waitUntil(w.isActiveWindow)
    return w


def wait_answer(qtbot, window, timeout: int = 20000) -> None:
    qtbot.waitUntil(lambda: not window.chat.generating, timeout=timeout)


def click_action(qtbot, chat, row: int, name: str) -> None:
    """Click the word ``name`` ("Regenerate", "‹", ...) drawn under message ``row``, like a user."""
    view = chat.view
    idx = chat.model.index(row)
    view.scrollTo(idx)
    rect = view.visualRect(idx)
    item = idx.data(ItemRole)
    width = view.viewport().width()
    r = chat.delegate.action_rect(item, name, max(200, width), view.font())
    assert r is not None, f"no {name!r} action under message {row}"
    pos = rect.topLeft() + r.center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(pos))


def press(widget_focus, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key while ``widget_focus`` has the keyboard focus (activates its window like a user)."""
    widget_focus.setFocus()
    QTest.keyClick(widget_focus, key, modifier)


def close_all(hearth) -> None:
    """Close every window and let its background jobs end, then close the core (test teardown)."""
    from PySide6.QtWidgets import QApplication

    for w in QApplication.topLevelWidgets():
        if hasattr(w, "tasks") and hasattr(w, "bridge"):
            w.close()
            w.tasks.wait(60000)
    QApplication.processEvents()
    hearth.close()


def conversation_panel(qtbot, hearth, now: float):
    """A shown ConversationList whose clock reads ``now``, refreshed once."""
    from assistant.ui.conversation_list import ConversationList

    w = ConversationList(hearth)
    w.now = lambda: now
    qtbot.addWidget(w)
    w.resize(320, 600)
    w.show()
    qtbot.waitExposed(w)
    w.refresh()
    return w
