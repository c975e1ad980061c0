"""The model picker in the chat header: friendly names, one model per chat, remote servers marked,
load state with the GPU plan, consent asked before a chat goes to another computer."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from assistant.core.app import Hearth
from assistant.core.engine.remote_servers import NeedsConsent
from assistant.core.models import embedded
from assistant.core.models.naming import friendly_name, model_label
from assistant.core.models.registry import _facts
from tests.ui.conftest_helpers import close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


def test_friendly_names_of_the_real_models():
    smol = _facts(embedded.default_chat_model())
    assert smol.name == "Smollm2 135M 8k Lc100K Mix1 Ep2"  # what the GGUF says
    assert friendly_name(smol) == "SmolLM2 135M Instruct"
    assert model_label(smol) == "SmolLM2 135M Instruct · Q4_1 · 94 MB"
    assert model_label(_facts(embedded.gemma_test_model())) == "Gemma 3 270M · Q4_K_M · 241 MB"


def _picker_ready(qtbot, w):
    w.chat.model_picker.refresh()
    qtbot.waitUntil(lambda: len(w.chat.model_picker.choices) >= 2, timeout=20000)


def test_picker_switches_the_model_of_each_chat(qtbot, paths):
    h = Hearth(engine=ScriptedEngine())
    h.models.add_from_disk(str(embedded.gemma_test_model()))
    h.models.add_from_disk(str(embedded.default_chat_model()))
    w = make_window(qtbot, h)
    _picker_ready(qtbot, w)
    combo = w.chat.model_picker.combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "SmolLM2 135M Instruct · Q4_1 · 94 MB" in labels and "Gemma 3 270M · Q4_K_M · 241 MB" in labels
    first = w.new_conversation()
    assert combo.currentText() == "SmolLM2 135M Instruct · Q4_1 · 94 MB"  # the default model
    w.chat.model_picker.choose(str(embedded.gemma_test_model()))
    assert h.conversation_settings(first).model == str(embedded.gemma_test_model())
    qtbot.waitUntil(lambda: "Ready" in w.chat.model_picker.state.text(), timeout=20000)
    second = w.new_conversation()
    assert combo.currentText().startswith("SmolLM2")  # a new chat keeps the default
    w.conversations.select(first)
    assert combo.currentText().startswith("Gemma 3 270M")  # each chat shows its own
    w.chat.composer.setPlainText("hello")
    w.chat.send()
    wait_answer(qtbot, w)
    assert h.engine.facts.path == str(embedded.gemma_test_model())  # the answer used the chat's model
    assert h.conversation_settings(second).model == str(embedded.default_chat_model())
    close_all(h)


def test_remote_servers_are_listed_and_marked(qtbot, paths):
    h = Hearth(engine=ScriptedEngine())
    h.remote_servers.add("gpubox", "http://gpu-box.lan:8080/v1", model="qwen3-8b")
    w = make_window(qtbot, h)
    _picker_ready(qtbot, w)
    combo = w.chat.model_picker.combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "Remote · qwen3-8b (runs on gpu-box.lan:8080)" in labels
    assert "Add a server…" in labels and "Find models online…" in labels
    close_all(h)


def test_consent_is_asked_before_sending_to_another_computer(qtbot, paths, monkeypatch):
    h = Hearth(engine=ScriptedEngine())
    server = h.remote_servers.add("gpubox", "http://gpu-box.lan:8080/v1", model="m")
    w = make_window(qtbot, h)
    conv = w.new_conversation()
    h.store.update_settings(conv, model="remote:gpubox")
    w.open_conversation(conv)
    sent = []

    def fake_engine_for(model):  # the real RemoteEngine raises NeedsConsent before any connection
        if not h.remote_servers.get("gpubox").may_send:
            raise NeedsConsent(server)
        sent.append(model)
        return h.engine

    monkeypatch.setattr(h, "engine_for", fake_engine_for)
    monkeypatch.setattr(h, "ensure_model", lambda *a, **k: None)
    w.chat.composer.setPlainText("hello there")
    w.chat.send()
    wait_answer(qtbot, w)
    qtbot.waitUntil(lambda: any(b.objectName() == "consentBox" and b.isVisible()
                                for b in QApplication.topLevelWidgets()))
    box = next(b for b in QApplication.topLevelWidgets() if b.objectName() == "consentBox")
    assert "Send this chat to gpu-box.lan:8080?" in box.text()
    assert sent == []
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: bool(sent))
    wait_answer(qtbot, w)
    assert h.remote_servers.get("gpubox").consented
    assert w.chat.model.item(w.chat.model.rowCount() - 1).content.startswith("Answer 1:")
    close_all(h)


def test_models_menu_opens_add_server_and_find_online(qtbot, paths):
    h = Hearth(engine=ScriptedEngine())
    w = make_window(qtbot, h)
    models_menu = next(a.menu() for a in w.menuBar().actions() if "Models" in a.text())
    texts = [a.text().replace("&", "") for a in models_menu.actions()]
    assert "Find online…" in texts and "Add a server…" in texts
    dlg = w.add_server()
    assert dlg.objectName() == "remoteServerDialog" and dlg.isVisible()
    dlg.serverAdded.emit("remote:gpubox")
    conv = w.chat.conv_id or w.new_conversation()
    dlg.serverAdded.emit("remote:gpubox")
    assert h.conversation_settings(conv).model == "remote:gpubox"
    dlg.reject()
    hub = w.find_online()
    assert hub.isVisible()
    hub.close()
    close_all(h)
