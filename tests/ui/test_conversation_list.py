"""The conversation list: chats grouped by date under headers that cannot be selected, pins that
survive a restart, renaming in place (F2, double-click; Enter saves, Esc cancels), and search that
shows the matching line under the title. Real store (SQLite), offscreen Qt."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from assistant.core.app import Hearth
from assistant.core.conversations.search import matching_line
from assistant.ui.conversation_list import ConversationList, HeaderRole, SnippetRole, date_group
from tests.ui.conftest_helpers import conversation_panel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

NOW = dt.datetime(2025, 3, 20, 15, 0).timestamp()  # a Thursday afternoon, local time
DAY = 86400


@pytest.fixture
def hearth(paths):
    h = Hearth()
    yield h
    h.close()


def make_chat(hearth, title: str, updated: float, text: str = "") -> str:
    conv = hearth.store.create(title)
    if text:
        hearth.store.add_message(conv.id, "user", text)
    with hearth.store._tx() as db:  # the date a chat was last changed decides its group
        db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (updated, conv.id))
    return conv.id


def panel_for(qtbot, hearth) -> ConversationList:
    return conversation_panel(qtbot, hearth, NOW)


def test_date_groups_follow_the_calendar_not_24_hour_spans():
    midnight = dt.datetime(2025, 3, 20, 0, 0).timestamp()
    assert date_group(midnight + 60, NOW) == "today"
    assert date_group(midnight - 60, NOW) == "yesterday"  # 23:59 the day before: not "today"
    assert date_group(NOW - 5 * DAY, NOW) == "week"
    assert date_group(NOW - 20 * DAY, NOW) == "month"
    assert date_group(NOW - 90 * DAY, NOW) == "older"


def test_chats_are_grouped_by_date_with_pinned_first_and_headers_cannot_be_selected(qtbot, hearth):
    make_chat(hearth, "Tax return", NOW - 90 * DAY)
    make_chat(hearth, "Holiday plans", NOW - 20 * DAY)
    make_chat(hearth, "Recipe", NOW - 3 * DAY)
    make_chat(hearth, "Bus times", NOW - DAY)
    make_chat(hearth, "Garden", NOW - 600)
    pinned = make_chat(hearth, "Lease", NOW - 200 * DAY)
    hearth.store.set_pinned(pinned, True)
    p = panel_for(qtbot, hearth)
    assert p.groups() == [("Pinned", ["Lease"]), ("Today", ["Garden"]), ("Yesterday", ["Bus times"]),
                          ("Previous 7 days", ["Recipe"]), ("Previous 30 days", ["Holiday plans"]),
                          ("Older", ["Tax return"])]
    # The rows are the chats: keyboard navigation goes from chat to chat
    p.list.setCurrentRow(0)
    p.list.setFocus()
    QTest.keyClick(p.list, Qt.Key.Key_Down)
    assert p.list.currentItem().data(HeaderRole) == "Today"
    assert p.list.currentItem().text() == "Garden"
    # A click on the "Yesterday" header selects nothing; a click on the chat below it does
    row = next(i for i in range(p.list.count()) if p.list.item(i).data(HeaderRole) == "Yesterday")
    rect = p.list.visualItemRect(p.list.item(row))
    QTest.mouseClick(p.list.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center().x(), rect.top() + 4))
    assert p.list.currentItem().text() == "Garden"
    with qtbot.waitSignal(p.selected) as sel:
        QTest.mouseClick(p.list.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.center().x(), rect.bottom() - 6))
    assert p.list.currentItem().text() == "Bus times" and sel.args[0] == p.current_id()


def test_pin_and_unpin_move_a_chat_and_pins_survive_a_restart(qtbot, paths):
    h = Hearth()
    old = make_chat(h, "Insurance letter", NOW - 40 * DAY)
    make_chat(h, "Today's chat", NOW - 60)
    p = panel_for(qtbot, h)
    p.set_pinned(old, True)
    assert p.groups() == [("Pinned", ["Insurance letter"]), ("Today", ["Today's chat"])]
    p.close()
    h.close()
    h2 = Hearth()  # a restart: a new process would read the same database
    try:
        p2 = panel_for(qtbot, h2)
        assert p2.groups()[0] == ("Pinned", ["Insurance letter"])
        p2.set_pinned(old, False)
        assert p2.groups() == [("Today", ["Today's chat"]), ("Previous 30 days", ["Insurance letter"])] or \
            p2.groups() == [("Today", ["Today's chat"]), ("Older", ["Insurance letter"])]
    finally:
        h2.close()


def _editor(p: ConversationList) -> QLineEdit | None:
    eds = [e for e in p.list.findChildren(QLineEdit, "conversationTitleEditor") if e.isVisible()]
    return eds[0] if eds else None


def test_f2_renames_in_place_enter_saves_through_the_store_and_esc_cancels(qtbot, hearth):
    cid = make_chat(hearth, "Untitled thoughts", NOW - 60)
    p = panel_for(qtbot, hearth)
    p.list.setCurrentRow(0)
    p.list.setFocus()
    QTest.keyClick(p.list, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _editor(p) is not None)
    ed = _editor(p)
    assert ed.text() == "Untitled thoughts" and ed.hasSelectedText()
    QTest.keyClicks(ed, "Moving house")  # typing replaces the selected title
    QTest.keyClick(ed, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _editor(p) is None)
    assert hearth.store.get(cid).title == "Untitled thoughts" and p.list.item(0).text() == "Untitled thoughts"
    QTest.keyClick(p.list, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _editor(p) is not None)
    ed = _editor(p)
    QTest.keyClicks(ed, "Moving house")
    QTest.keyClick(ed, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: p.list.item(0).text() == "Moving house")
    assert hearth.store.get(cid).title == "Moving house"
    assert p.current_id() == cid


def test_double_click_edits_the_title_in_place_and_a_pinned_title_loses_no_pin(qtbot, hearth):
    cid = make_chat(hearth, "Notes", NOW - 60)
    hearth.store.set_pinned(cid, True)
    p = panel_for(qtbot, hearth)
    assert p.list.item(0).text() == "📌 Notes"
    rect = p.list.visualItemRect(p.list.item(0))
    at = QPoint(rect.center().x(), rect.bottom() - 6)
    QTest.mousePress(p.list.viewport(), Qt.MouseButton.LeftButton, pos=at)  # a real double-click starts
    QTest.mouseRelease(p.list.viewport(), Qt.MouseButton.LeftButton, pos=at)  # with a click
    QTest.mouseDClick(p.list.viewport(), Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: _editor(p) is not None)
    ed = _editor(p)
    assert ed.text() == "Notes"  # the pin is not part of the title
    ed.setText("Meeting notes")
    QTest.keyClick(ed, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: hearth.store.get(cid).title == "Meeting notes")
    assert p.list.item(0).text() == "📌 Meeting notes" and hearth.store.get(cid).pinned


def test_the_rename_menu_action_edits_in_place_too(qtbot, hearth):
    cid = make_chat(hearth, "Old title", NOW - 60)
    p = panel_for(qtbot, hearth)
    p.rename(cid)
    qtbot.waitUntil(lambda: _editor(p) is not None)
    assert _editor(p).text() == "Old title"
    QTest.keyClick(_editor(p), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _editor(p) is None)
    assert hearth.store.get(cid).title == "Old title"


def test_search_shows_the_matching_line_under_the_title(qtbot, hearth):
    make_chat(hearth, "Flat hunting", NOW - 60,
              "Some background first.\nThe landlord wants a deposit of two months' rent.\nThanks!")
    make_chat(hearth, "租房", NOW - 120, "请问押金是多少？\n合同里写着押金为两个月的租金。")
    make_chat(hearth, "Deposit questions", NOW - 180)  # found by its title: no line under it
    make_chat(hearth, "Cooking", NOW - 240, "How long do I boil an egg?")
    p = panel_for(qtbot, hearth)
    QTest.keyClicks(p.search, "deposit")
    qtbot.waitUntil(lambda: p.list.count() == 2)
    shown = {p.list.item(i).text(): p.list.item(i).data(SnippetRole) for i in range(p.list.count())}
    assert shown == {"Flat hunting": "The landlord wants a deposit of two months' rent.", "Deposit questions": ""}
    # the row grew to hold the line
    assert p.list.visualItemRect(p.list.item(0)).height() > p.list.visualItemRect(p.list.item(1)).height() - \
        p.delegate.header_height(p.list.model().index(1, 0), p.list.font()) + 4
    p.search.setText("押金为")
    qtbot.waitUntil(lambda: p.list.count() == 1 and p.list.item(0).text() == "租房")
    assert p.list.item(0).data(SnippetRole) == "合同里写着押金为两个月的租金。"
    p.grab()  # paints the matching line without errors
    p.search.clear()
    qtbot.waitUntil(lambda: p.list.count() == 4)
    assert all(not p.list.item(i).data(SnippetRole) for i in range(4))


def test_a_long_matching_line_is_cut_around_the_match():
    text = "intro\n" + "word " * 40 + "NEEDLE in the middle " + "more " * 40
    line = matching_line(text, "needle")
    assert "NEEDLE" in line and line.startswith("…") and line.endswith("…") and len(line) <= 92
    assert matching_line("nothing here", "needle") == ""


def test_headers_are_painted_and_read_to_screen_readers(qtbot, hearth):
    make_chat(hearth, "Garden", NOW - 60)
    p = panel_for(qtbot, hearth)
    it = p.list.item(0)
    assert it.data(Qt.ItemDataRole.AccessibleDescriptionRole) == "Today"
    assert p.list.visualItemRect(it).height() > p.fontMetrics().height() * 2  # header band + title
    img = p.list.viewport().grab().toImage()
    assert not img.isNull()
    QApplication.processEvents()


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")
def test_in_the_window_esc_cancels_the_rename_instead_of_stopping_and_f2_reaches_the_list(qtbot, hearth):
    from tests.ui.conftest_helpers import make_window

    cid = make_chat(hearth, "Plans", time.time() - 60)
    w = make_window(qtbot, hearth)
    w.conversations.list.setFocus()
    w.conversations.list.setCurrentRow(0)
    QTest.keyClick(w.conversations.list, Qt.Key.Key_F2)
    p = w.conversations
    qtbot.waitUntil(lambda: _editor(p) is not None)
    QTest.keyClicks(_editor(p), "Trip")
    QTest.keyClick(_editor(p), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _editor(p) is None)
    assert hearth.store.get(cid).title == "Plans"
    assert w.conversations.groups() == [("Today", ["Plans"])]
    w.close()
