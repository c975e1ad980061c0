"""The main window with the real store and a scripted engine: chatting, stopping, branches,
conversation list, shortcuts, and state that survives a restart."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, click_action, make_window, press, wait_answer
from tests.ui.fakes import ScriptedEngine

# The offscreen platform cannot pass size hints to a window manager; nothing to fix on our side.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


@pytest.fixture
def hearth(paths):
    h = Hearth(engine=ScriptedEngine())
    yield h
    close_all(h)


def send(qtbot, w, text: str) -> None:
    w.chat.composer.setFocus()
    w.chat.composer.setPlainText(text)
    QTest.keyClick(w.chat.composer, Qt.Key.Key_Return)


def test_enter_sends_and_the_answer_streams_into_the_list_and_the_store(qtbot, hearth):
    w = make_window(qtbot, hearth)
    send(qtbot, w, "What is a hearth?")
    assert w.chat.generating and w.chat.stop_button.isVisible()
    wait_answer(qtbot, w)
    items = w.chat.model.items()
    assert [i.role for i in items] == ["user", "assistant"]
    assert items[1].content.startswith("Answer 1:") and items[1].content.endswith("word5")
    assert items[1].status == "complete" and items[1].stats["tokens_per_s"] > 0
    conv = hearth.store.list()[0]
    assert conv.title == "What is a hearth?"  # the chat is named after its first question
    stored = hearth.store.thread(conv.id)
    assert [m.content for m in stored] == [i.content for i in items]
    assert w.conversations.list.item(0).text() == "What is a hearth?"


def test_a_chat_title_that_looks_like_markup_shows_literally(qtbot, hearth):
    from PySide6 import QtGui
    from PySide6.QtGui import QTextDocument

    w = make_window(qtbot, hearth)
    conv = hearth.store.create('<img src="pixel.png"> plans')
    w.conversations.refresh()
    tip = w.conversations.list.item(0).toolTip()
    if QtGui.Qt.mightBeRichText(tip):  # Qt shows it as rich text: the markup must be escaped
        assert "<img" not in tip
        doc = QTextDocument()
        doc.setHtml(tip)
        tip = doc.toPlainText()
    assert tip == '<img src="pixel.png"> plans'
    w.conversations.delete(conv.id)
    assert w.conversations.undo_label.textFormat() == Qt.TextFormat.PlainText  # "Deleted “<img…”."


def test_shift_enter_adds_a_line_instead_of_sending(qtbot, hearth):
    w = make_window(qtbot, hearth)
    w.chat.composer.setFocus()
    QTest.keyClicks(w.chat.composer, "line one")
    QTest.keyClick(w.chat.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(w.chat.composer, "line two")
    assert w.chat.composer.toPlainText() == "line one\nline two"
    assert not w.chat.generating and hearth.store.list() == []


def test_escape_stops_and_the_partial_answer_is_kept_and_marked(qtbot, paths):
    h = Hearth(engine=ScriptedEngine(words=400, delay=0.01))
    w = make_window(qtbot, h)
    send(qtbot, w, "Tell me a long story")
    qtbot.waitUntil(lambda: "word3" in w.chat.model.item(1).content, timeout=10000)
    QTest.keyClick(w, Qt.Key.Key_Escape)
    wait_answer(qtbot, w)
    answer = w.chat.model.item(1)
    assert answer.status == "stopped" and "word399" not in answer.content
    stored = h.store.thread(h.store.list()[0].id)[-1]
    assert stored.status == "stopped" and stored.content == answer.content
    close_all(h)


def test_regenerate_keeps_the_old_answer_as_a_branch_to_flip_back_to(qtbot, hearth):
    w = make_window(qtbot, hearth)
    send(qtbot, w, "Hi")
    wait_answer(qtbot, w)
    click_action(qtbot, w.chat, 1, "regenerate")
    wait_answer(qtbot, w)
    answer = w.chat.model.item(1)
    assert answer.content.startswith("Answer 2:") and (answer.branch, answer.branches) == (2, 2)
    click_action(qtbot, w.chat, 1, "prev_branch")
    answer = w.chat.model.item(1)
    assert answer.content.startswith("Answer 1:") and (answer.branch, answer.branches) == (1, 2)
    # the choice is stored: the store's visible thread shows the first answer too
    conv = hearth.store.list()[0]
    assert hearth.store.thread(conv.id)[-1].content.startswith("Answer 1:")


def test_editing_a_question_forks_a_new_branch(qtbot, hearth, monkeypatch):
    w = make_window(qtbot, hearth)
    send(qtbot, w, "Frist question")
    wait_answer(qtbot, w)
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("First question", True))
    click_action(qtbot, w.chat, 0, "edit")
    wait_answer(qtbot, w)
    q, a = w.chat.model.items()
    assert q.content == "First question" and (q.branch, q.branches) == (2, 2)
    assert a.content.startswith("Answer 2:")
    click_action(qtbot, w.chat, 0, "prev_branch")
    assert w.chat.model.item(0).content == "Frist question"
    assert w.chat.model.item(1).content.startswith("Answer 1:")


def test_delete_a_message(qtbot, hearth):
    w = make_window(qtbot, hearth)
    send(qtbot, w, "Hi")
    wait_answer(qtbot, w)
    click_action(qtbot, w.chat, 1, "delete")
    assert [i.role for i in w.chat.model.items()] == ["user"]


def test_new_rename_pin_search_and_delete_with_undo(qtbot, hearth):
    w = make_window(qtbot, hearth)
    for n, text in enumerate(("apples are red", "bananas are yellow")):
        press(w.chat.composer, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert len(hearth.store.list()) == n + 1 and w.chat.model.rowCount() == 0  # Ctrl+N: a new, empty chat
        send(qtbot, w, text)
        wait_answer(qtbot, w)
    titles = lambda: [w.conversations.list.item(i).text() for i in range(w.conversations.list.count())]  # noqa: E731
    assert titles() == ["bananas are yellow", "apples are red"]
    apples = next(c.id for c in hearth.store.list() if c.title == "apples are red")
    w.conversations.rename(apples, "Fruit")
    w.conversations.set_pinned(apples, True)
    assert titles()[0] == "📌 Fruit"
    press(w.chat.composer, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert w.conversations.search.hasFocus()
    QTest.keyClicks(w.conversations.search, "yellow")  # matches message text, not only titles
    qtbot.waitUntil(lambda: titles() == ["bananas are yellow"])
    w.conversations.search.clear()
    qtbot.waitUntil(lambda: len(titles()) == 2)
    w.conversations.list.setCurrentRow(0)
    assert w.chat.conv_id == apples
    w.conversations.delete(apples)
    assert titles() == ["bananas are yellow"] and w.conversations.undo_button.isVisible()
    assert w.chat.conv_id != apples
    w.conversations.undo_button.click()
    assert titles() == ["📌 Fruit", "bananas are yellow"] and w.chat.conv_id == apples
    assert [m.role for m in hearth.store.thread(apples)] == ["user", "assistant"]


def test_size_layout_and_last_conversation_survive_a_restart(qtbot, paths):
    h = Hearth(engine=ScriptedEngine())
    w = make_window(qtbot, h)
    first = w.new_conversation()
    send(qtbot, w, "one")
    wait_answer(qtbot, w)
    w.new_conversation()
    send(qtbot, w, "two")
    wait_answer(qtbot, w)
    w.conversations.select(first)
    w.resize(760, 560)  # within the offscreen screen, which clamps restored sizes
    w.splitter.setSizes([150, 400, 210])
    w.toggle_side()
    w.close()
    close_all(h)
    h2 = Hearth(engine=ScriptedEngine())
    w2 = make_window(qtbot, h2)
    assert (w2.width(), w2.height()) == (760, 560)
    assert w2.chat.conv_id == first and w2.chat.model.item(0).content == "one"
    assert not w2.side.isVisible() and w2.splitter.sizes()[0] == 150
    close_all(h2)


def test_failure_to_load_a_model_is_shown_in_words(qtbot, hearth, tmp_path):
    w = make_window(qtbot, hearth)
    conv = w.new_conversation()
    hearth.store.update_settings(conv, model=str(tmp_path / "missing.gguf"))
    send(qtbot, w, "Hello?")
    wait_answer(qtbot, w)
    assert "missing.gguf" in w.chat.status.text()
    assert w.chat.model.item(1).status == "error"


def test_crash_handler_logs_and_offers_the_details_to_copy(qtbot, hearth, monkeypatch):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from assistant.ui.errors import CrashHandler

    shown = {}

    def fake_exec(box):
        shown["text"] = box.text()
        copy = next(b for b in box.buttons() if b.text() == "Copy details")
        copy.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    handler = CrashHandler(None)
    try:
        raise ZeroDivisionError("division by zero in a test")
    except ZeroDivisionError as e:
        handler(type(e), e, e.__traceback__)
    assert "division by zero" in shown["text"]
    assert "Traceback" in QApplication.clipboard().text()
    assert "ZeroDivisionError" in handler.last_details


def test_switching_to_chinese_retranslates_the_window_and_keeps_the_chat(qtbot, hearth):
    from assistant.ui import i18n
    from assistant.ui.app import App

    app = App(hearth=hearth, warm_up=False)
    hearth.settings.first_run_done = True
    w = app.make_window()
    qtbot.addWidget(w)
    w.show()
    send(qtbot, w, "你好")
    wait_answer(qtbot, w)
    conv = w.chat.conv_id
    try:
        app.switch_language("zh_CN")
        new = app.window
        qtbot.addWidget(new)
        assert new is not w and new.isVisible()
        assert new.chat.send_button.text() == "发送"
        assert new.menuBar().actions()[0].text() == "文件(&F)"
        assert new.chat.conv_id == conv and new.chat.model.item(0).content == "你好"
        assert new.chat.model.item(1).content.startswith("Answer 1:")
        from assistant.core import settings

        assert settings.load(hearth.paths.settings_file).language == "zh_CN"
    finally:
        i18n.install(app.qapp, "en")
        app.crash.uninstall()


def test_first_run_shows_the_welcome_once(qtbot, hearth):
    from assistant.ui.main_window import MainWindow
    from assistant.ui.welcome import WelcomeDialog

    w = MainWindow(hearth, warm_up=False)  # first run: first_run_done is False
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.findChild(WelcomeDialog) is not None and w.findChild(WelcomeDialog).isVisible())
    from PySide6.QtWidgets import QLabel

    dlg = w.findChild(WelcomeDialog)
    texts = " ".join(lbl.text() for lbl in dlg.findChildren(QLabel))
    assert "never leave" in texts and "internet" in texts and "model manager" in texts
    dlg.accept()
    from assistant.core import settings

    assert settings.load(hearth.paths.settings_file).first_run_done is True


def test_settings_dialog_saves_sampling_context_gpu_and_theme(qtbot, hearth):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication, QLabel

    w = make_window(qtbot, hearth)
    press(w.chat.composer, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # Ctrl+,
    from assistant.ui.settings_dialog import SettingsDialog

    dlg = w.findChild(SettingsDialog)
    assert dlg is not None and dlg.isVisible()
    assert str(hearth.paths.data) in " ".join(lb.text() for lb in dlg.findChildren(QLabel))
    dlg.temperature.setValue(0.2)
    dlg.context.setValue(4096)
    dlg.gpu.setCurrentText("0")
    dlg.chat_template.setCurrentIndex(dlg.chat_template.findData("gemma"))
    dlg.theme.setCurrentIndex(dlg.theme.findData("dark"))
    before = QApplication.palette().color(QPalette.ColorRole.Window).lightnessF()
    try:
        dlg.save()
        from assistant.core import settings

        s = settings.load(hearth.paths.settings_file)
        assert (s.sampling.temperature, s.context_length, s.n_gpu_layers, s.theme) == (0.2, 4096, "0", "dark")
        assert s.chat_template_override == "gemma"
        from assistant.core.app import load_options_for

        assert load_options_for(s).chat_template == "gemma"  # what the next model load uses
        assert QApplication.palette().color(QPalette.ColorRole.Window).lightnessF() < min(before, 0.3)
    finally:
        w._apply_theme("system")


def test_prompts_and_adapters_tabs_appear_and_a_template_drives_the_chat(qtbot, hearth):
    from assistant.core.prompts.template import RenderedPrompt

    w = make_window(qtbot, hearth)
    qtbot.waitUntil(lambda: w.side.count() == 4, timeout=30000)
    assert [w.side.tabText(i) for i in range(4)] == ["Documents", "This chat", "Prompts", "Adapters"]
    conv = w.new_conversation()
    rendered = RenderedPrompt(user_text="Summarise: the sea is wide.", system_prompt="You summarise.",
                              sampling={"temperature": 0.1}, collection=None, template_name="summarise",
                              template_version=3)
    w.chat.use_template(rendered)  # what the "/" picker emits
    wait_answer(qtbot, w)
    cs = hearth.store.get(conv).settings
    assert (cs["template"], cs["template_version"], cs["system_prompt"]) == ("summarise", 3, "You summarise.")
    assert cs["sampling"]["temperature"] == 0.1
    assert w.chat.model.item(0).content == "Summarise: the sea is wide."
    assert hearth.engine.last_messages[0].content == "You summarise."  # the system prompt was used
    assert "summarise (v3)" in w.conv_settings.template_label.text()
    answer = hearth.store.thread(conv)[-1]
    assert (answer.meta["template"], str(answer.meta["template_version"])) == ("summarise", "3")  # stamped
    send(qtbot, w, "And the sky?")
    wait_answer(qtbot, w)
    assert "template" not in (hearth.store.thread(conv)[-1].meta or {})  # only the templated answer


def test_file_menu_opens_the_bin_of_deleted_chats_and_restores_one(qtbot, hearth):
    w = make_window(qtbot, hearth)
    conv = hearth.store.create("Old plans")
    hearth.store.delete(conv.id)
    w.conversations.refresh()
    w.act_bin.trigger()
    dlg = w.findChild(QWidget, "binDialog")
    assert dlg is not None and dlg.isVisible()
    assert [dlg.list.item(i).text().splitlines()[0] for i in range(dlg.list.count())] == ["Old plans"]
    dlg.list.setCurrentRow(0)
    dlg.restore_selected()
    qtbot.waitUntil(lambda: w.chat.conv_id == conv.id)
    assert not hearth.store.get(conv.id).deleted


def test_this_chat_tab_sets_how_answers_are_checked_per_chat(qtbot, hearth):
    w = make_window(qtbot, hearth)
    a = w.new_conversation()
    tab = w.conv_settings
    # a new chat shows the defaults: balanced grounding, no re-answer, compressed passages
    assert (tab.grounding_box.currentData(), tab.reflect_box.isChecked(), tab.compress_box.isChecked()) == \
        ("balanced", False, True)
    tab.grounding_box.setCurrentIndex(tab.grounding_box.findData("strict"))
    tab.reflect_box.setChecked(True)
    tab.compress_box.setChecked(False)
    assert not tab.verify_box.isChecked()
    tab.verify_box.setChecked(True)
    cs = hearth.conversation_settings(a)
    assert (cs.grounding, cs.reflect, cs.compress, cs.verify) == ("strict", True, False, True)  # kept at once, per chat
    b = w.new_conversation()
    assert hearth.conversation_settings(b).grounding == "balanced" and tab.grounding_box.currentData() == "balanced"
    assert not tab.verify_box.isChecked()
    w.open_conversation(a)
    assert (tab.grounding_box.currentData(), tab.reflect_box.isChecked(), tab.compress_box.isChecked()) == \
        ("strict", True, False) and tab.verify_box.isChecked()
    tab.apply()  # Apply keeps them too
    assert hearth.conversation_settings(a).grounding == "strict"
