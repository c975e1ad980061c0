"""The conversation list never calls into Python per row when Qt lays it out: each row's size is
measured once when the row is made and stored on it, and a refresh keeps the rows that did not
change (sending a message or finishing an answer refreshes the list; with hundreds of chats the
per-row Python calls stalled the window for 140-200 ms). Real store (SQLite), offscreen Qt."""
from __future__ import annotations

import sys
import time

import pytest
from PySide6.QtWidgets import QApplication

from assistant.core.app import Hearth
from assistant.ui.conversation_list import ConversationDelegate, HeaderRole
from tests.ui.conftest_helpers import conversation_panel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

NOW = time.time()


@pytest.fixture
def hearth(paths):
    h = Hearth()
    yield h
    h.close()


def delegate_calls(fn) -> dict[str, int]:
    """How many times each ConversationDelegate method ran in Python while ``fn`` ran."""
    codes = {f.__code__: name for name, f in vars(ConversationDelegate).items() if hasattr(f, "__code__")}
    counts: dict[str, int] = {}

    def prof(frame, event, _arg):
        if event == "call" and frame.f_code in codes:
            counts[codes[frame.f_code]] = counts.get(codes[frame.f_code], 0) + 1

    sys.setprofile(prof)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return counts


def test_refreshing_a_200_chat_list_after_a_message_does_not_measure_every_row_in_python(qtbot, hearth):
    ids = []
    for i in range(200):
        conv = hearth.store.create(f"Chat {i:03d} about the garden and the lease")
        with hearth.store._tx() as db:
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (NOW - 1000 - i * 9 * 3600, conv.id))
        ids.append(conv.id)
    p = conversation_panel(qtbot, hearth, NOW)
    QApplication.processEvents()
    heights = {p.list.item(i).data(HeaderRole) != "": p.list.visualItemRect(p.list.item(i)).height()
               for i in range(p.list.count())}

    def send_a_message_in_the_oldest_chat() -> None:
        hearth.store.add_message(ids[-1], "user", "When is the lease up?")  # it moves to the top
        p.refresh()
        QApplication.processEvents()
        p.list.viewport().repaint()

    calls = delegate_calls(send_a_message_in_the_oldest_chat)
    # Only the visible rows are painted (about 20); no row is measured by Qt's layout in Python.
    assert sum(calls.values()) < 100, calls
    assert p.list.item(0).data(HeaderRole) == "Today" and p.list.item(0).text().startswith("Chat 199")
    # The rows look as before: a header row is taller than a plain one, all plain rows alike.
    after = {}
    for i in range(p.list.count()):
        after.setdefault(p.list.item(i).data(HeaderRole) != "", set()).add(
            p.list.visualItemRect(p.list.item(i)).height())
    assert after == {True: {heights[True]}, False: {heights[False]}}
    assert heights[True] > heights[False] >= p.fontMetrics().height() + 10
