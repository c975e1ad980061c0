"""Code in answers: Pygments colours in both themes, a copy button on each block, long lines
not wrapped (they scroll sideways: Shift+wheel, a sideways swipe, the block's scroll bar; the whole
block in the tooltip)."""
from __future__ import annotations

import os

import pytest
from PySide6.QtGui import QColor, QPalette, QTextCursor
from PySide6.QtWidgets import QApplication

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import click_action, close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

LONG = "x = " + " + ".join(f"value_{i}" for i in range(60))
ANSWER = f"""Two blocks:

```python
def greet(name):
    return "hi " + name
```

```python
{LONG}
```
"""


def _colour_of(doc, word):
    cur = doc.find(word)
    assert not cur.isNull(), word
    c = QTextCursor(cur)
    c.setPosition(cur.selectionStart() + 1)
    return c.charFormat().foreground().color().name()


def _layout(w, row):
    item = w.chat.model.item(row)
    return item, w.chat.delegate.layout_for(item, max(200, w.chat.view.viewport().width()), w.chat.view.font())


def test_code_is_coloured_copyable_and_not_wrapped(qtbot, paths):
    h = Hearth(engine=ScriptedEngine(script=[ANSWER]))
    w = make_window(qtbot, h)
    w.resize(900, 700)
    w.new_conversation()
    w.chat.composer.setPlainText("code please")
    w.chat.send()
    wait_answer(qtbot, w)
    item, lay = _layout(w, 1)
    plain = _colour_of(lay.doc, "name):")
    keyword, string = _colour_of(lay.doc, "def"), _colour_of(lay.doc, '"hi ')
    assert len({keyword, string, plain}) == 3  # keywords, strings and names differ
    assert len(lay.code) == 2
    # the copy button of each block copies that block
    click_action(qtbot, w.chat, 1, "copy_block:0")
    assert QApplication.clipboard().text() == 'def greet(name):\n    return "hi " + name'
    click_action(qtbot, w.chat, 1, "copy_block:1")
    assert QApplication.clipboard().text() == LONG
    # the long line stays one line; it is cut off at the bubble and the tooltip has all of it
    block = lay.doc.find("value_0").block()
    assert block.layout().lineCount() == 1
    button, area, text, clipped = lay.code[1]
    assert clipped and not lay.code[0][3]
    width = max(200, w.chat.view.viewport().width())
    assert w.chat.delegate.tooltip_at(item, area.center(), width, w.chat.view.font()) == LONG
    # dark theme: other colours, still distinct
    w._apply_theme("dark")
    qtbot.waitUntil(lambda: w.chat.view.palette().color(QPalette.ColorRole.Base).lightness() < 128)
    item, dark = _layout(w, 1)
    dark_keyword = _colour_of(dark.doc, "def")
    assert dark_keyword != keyword and QColor(dark_keyword).lightness() > 110  # readable on a dark bubble
    w._apply_theme("light")
    close_all(h)


def _wheel(view, point, dy=0, dx=0, shift=False):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    vp = view.viewport()
    ev = QWheelEvent(QPointF(point), QPointF(vp.mapToGlobal(point)), QPoint(0, 0), QPoint(dx, dy),
                     Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)


def test_long_code_lines_scroll_sideways_by_shift_wheel_and_scroll_bar(qtbot, paths):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    h = Hearth(engine=ScriptedEngine(script=[ANSWER]))
    w = make_window(qtbot, h)
    w.resize(900, 700)
    w.new_conversation()
    w.chat.composer.setPlainText("code please")
    w.chat.send()
    wait_answer(qtbot, w)
    chat, view = w.chat, w.chat.view
    item, lay = _layout(w, 1)
    assert lay.code_max[0] == 0 and lay.code_max[1] > 100  # only the long block has more to show
    idx = chat.model.index(1)
    view.scrollTo(idx)
    top_left = view.visualRect(idx).topLeft()
    area = lay.code[1][1].translated(top_left)
    short = lay.code[0][1].translated(top_left)
    before = view.viewport().grab(area).toImage()
    # Shift+wheel over the long block scrolls it, not the chat
    bar = view.verticalScrollBar().value()
    _wheel(view, area.center(), dy=-120, shift=True)
    assert chat.delegate.code_offset(item, 1) == chat.CODE_WHEEL_PX and view.verticalScrollBar().value() == bar
    qtbot.waitUntil(lambda: view.viewport().grab(area).toImage() != before)  # the line moved left
    # a touchpad's sideways swipe too, clamped at the end of the longest line
    for _ in range(lay.code_max[1] // chat.CODE_WHEEL_PX + 3):
        _wheel(view, area.center(), dx=-120)
    assert chat.delegate.code_offset(item, 1) == lay.code_max[1]
    # the short block does not scroll
    _wheel(view, short.center(), dy=-120, shift=True)
    assert chat.delegate.code_offset(item, 0) == 0
    # dragging the block's scroll bar back to its start
    track, thumb = chat.delegate.code_bar(item, 1, lay)
    assert thumb.right() >= track.right() - 1  # the thumb shows the end is on screen
    start = thumb.center() + top_left
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view.viewport(), QPoint(track.left() + top_left.x(), start.y()))
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(track.left() + top_left.x(), start.y()))
    assert chat.delegate.code_offset(item, 1) == 0
    qtbot.waitUntil(lambda: view.viewport().grab(area).toImage() == before)  # as first drawn
    if os.environ.get("HEARTH_TEST_SHOTS"):  # set to keep the screenshot for a look
        _wheel(view, area.center(), dy=-240, shift=True)
        view.viewport().grab().save(os.path.join(os.environ["HEARTH_TEST_SHOTS"], "code_scrolled.png"))
    close_all(h)
