"""Code in answers: Pygments colours in both themes, a copy button on each block, long lines
not wrapped (cut off at the bubble, the whole block in the tooltip)."""
from __future__ import annotations

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
