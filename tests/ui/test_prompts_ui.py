"""The `/` template picker and the prompts panel, in a real offscreen window."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMainWindow, QPlainTextEdit

from assistant.core.prompts import PromptTemplate, TemplateLibrary
from assistant.ui.template_picker import TemplatePicker


# The offscreen platform says so whenever a top-level window's size limits change; harmless.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def lib(paths):
    return TemplateLibrary(paths)


@pytest.fixture
def chat(qtbot, lib):
    win = QMainWindow()
    editor = QPlainTextEdit()
    win.setCentralWidget(editor)
    qtbot.addWidget(win)
    picker = TemplatePicker(lib, editor, context=lambda: {"document": "The launch is on 3 May."})
    win.resize(700, 500)
    win.show()
    qtbot.waitExposed(win)
    editor.setFocus()
    yield editor, picker
    win.close()


def test_slash_pick_fill_and_render(qtbot, chat):
    editor, picker = chat
    qtbot.keyClicks(editor, "/")
    assert picker.isVisible() and picker.list.count() > 5
    qtbot.keyClicks(editor, "trfrch")
    assert picker.list.currentItem().data(Qt.ItemDataRole.UserRole) == "translate-from-chinese"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert picker.pages.currentIndex() == 1
    field = picker.findChild(QLineEdit, "var_input")
    assert picker.findChild(QLineEdit, "var_language").text() == "English"
    field.setText("今天天气很好")  # QTest cannot type characters outside Latin-1
    with qtbot.waitSignal(picker.templateChosen, timeout=2000) as sig:
        qtbot.keyClick(field, Qt.Key.Key_Return)
    r = sig.args[0]
    assert r.template_name == "translate-from-chinese" and r.template_version == 1
    assert "今天天气很好" in r.user_text and "English" in r.user_text and "translator" in r.system_prompt
    assert editor.toPlainText() == "" and not picker.isVisible()


def test_message_text_becomes_input_and_context_fills_document(qtbot, chat, lib):
    editor, picker = chat
    qtbot.keyClicks(editor, "When is the launch?")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "/answ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert picker.findChild(QLineEdit, "var_input").text() == "When is the launch?"
    assert picker.findChild(QLineEdit, "var_document").text() == "The launch is on 3 May."
    with qtbot.waitSignal(picker.templateChosen, timeout=2000) as sig:
        picker.use_button.click()
    assert "When is the launch?" in sig.args[0].user_text and "3 May" in sig.args[0].user_text
    assert editor.toPlainText() == ""


def test_missing_variable_is_shown_in_the_form_not_sent(qtbot, chat, lib):
    lib.save(PromptTemplate(name="greet", body="Say hello to {{person}}."))
    editor, picker = chat
    qtbot.keyClicks(editor, "/greet")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    with qtbot.assertNotEmitted(picker.templateChosen):
        picker.use_button.click()
    assert "person" in picker.error.text() and "greet" in picker.error.text()
    qtbot.keyClicks(picker.findChild(QLineEdit, "var_person"), "Ada")
    with qtbot.waitSignal(picker.templateChosen, timeout=2000) as sig:
        picker.use_button.click()
    assert sig.args[0].user_text == "Say hello to Ada." and sig.args[0].template_version == 1


def test_persona_needs_no_form_and_escape_cancels(qtbot, chat):
    editor, picker = chat
    qtbot.keyClicks(editor, "/zzzz")
    assert picker.list.count() == 0
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not picker.isVisible() and editor.toPlainText() == "/zzzz"
    editor.clear()
    qtbot.keyClicks(editor, "/concise")
    with qtbot.waitSignal(picker.templateChosen, timeout=2000) as sig:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert sig.args[0].persona and "concise expert" in sig.args[0].system_prompt
    qtbot.keyClicks(editor, "a/b")  # a slash inside a sentence is just a slash
    assert not picker.isVisible()


def test_prompts_panel_edit_history_restore_import(qtbot, lib, tmp_path):
    from assistant.ui.prompts_panel import PromptsPanel

    answers = []
    panel = PromptsPanel(lib, ask=lambda title, text: answers.pop(0))
    qtbot.addWidget(panel)
    panel.reload(select="summarise")
    assert panel.body.isReadOnly() and not panel.buttons["save"].isEnabled()  # built-in
    assert panel.duplicate("my-notes")
    assert panel.current_name() == "my-notes" and not panel.body.isReadOnly()
    panel.body.setPlainText("Notes about {{input}} in {{points}} lines")
    panel.variables.setPlainText("points = 3")
    panel.sampling.setPlainText("temperature = 0.5")
    with qtbot.waitSignal(panel.templateSaved, timeout=1000) as sig:
        panel.buttons["save"].click()
    assert sig.args == ["my-notes", 2]
    t = lib.get("my-notes")
    assert t.variables == {"points": "3"} and t.sampling == {"temperature": 0.5}
    assert [panel.versions.itemData(i) for i in range(panel.versions.count())] == [2, 1]
    panel.versions.setCurrentIndex(1)
    panel.buttons["diff"].click()
    assert "+Notes about {{input}}" in panel.diff_view.toPlainText()
    panel.versions.setCurrentIndex(1)
    assert panel.restore_selected() == 3 and "Keep names" in lib.get("my-notes").body
    panel.sampling.setPlainText("temprature = 1")
    assert panel.save() is None and "temprature" in panel.message.text()
    assert lib.get("my-notes").version == 3  # the bad edit stored nothing
    # export, then import over the existing one: the user is asked, "no" keeps it as it is
    f = tmp_path / "mine.md"
    panel.export_file(str(f), ["my-notes"])
    answers.append(False)
    assert panel.import_file(str(f)) == [] and lib.get("my-notes").version == 3
    answers.append(True)
    assert panel.import_file(str(f)) == ["my-notes"] and lib.get("my-notes").version == 4
    panel.reload(select="persona-concise-expert")
    with qtbot.waitSignal(panel.personaChosen, timeout=1000) as sig:
        panel.buttons["persona"].click()
    assert "concise expert" in sig.args[0].system_prompt


def shown(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What a label or tooltip with ``text`` shows: Qt guesses rich text from the text itself."""
    from PySide6 import QtGui
    from PySide6.QtGui import QTextDocument

    if fmt == Qt.TextFormat.PlainText or (fmt == Qt.TextFormat.AutoText and not QtGui.Qt.mightBeRichText(text)):
        return text
    # shown as rich text: a raw <img> in it is loaded (<img src="/dev/zero"> reads until memory runs out)
    assert "<img" not in text.lower(), f"markup shown as rich text: {text!r}"
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def test_markup_in_a_template_name_or_description_shows_literally(qtbot, chat, lib, tmp_path):
    from PySide6.QtGui import QImage

    from assistant.ui.prompts_panel import PromptsPanel

    # a small real image, so that a regression fails here instead of exhausting memory on /dev/zero
    pixel = tmp_path / "pixel.png"
    QImage(1, 1, QImage.Format.Format_RGB32).save(str(pixel))
    IMG = f'<img src="{pixel}">'
    name = '<img src="pixel.png">'  # a name may not contain "/"
    lib.save(PromptTemplate(name=name, body="About {{input}}", description=IMG))
    editor, picker = chat
    picker.pick(name)
    assert picker.pages.currentIndex() == 1  # the form, titled with the template
    assert shown(picker.title.text(), picker.title.textFormat()) == f"{name} {IMG}"

    panel = PromptsPanel(lib, ask=lambda title, text: True)
    qtbot.addWidget(panel)
    panel.reload(select=name)
    item = panel.list.currentItem()
    assert item.data(Qt.ItemDataRole.UserRole) == name
    assert shown(item.toolTip()) == IMG
    with qtbot.waitSignal(panel.templateSaved, timeout=1000):
        panel.buttons["save"].click()
    assert shown(panel.message.text(), panel.message.textFormat()) == f"Saved {name} as version 2"
