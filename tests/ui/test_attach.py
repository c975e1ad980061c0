"""Attaching files to one chat: the paperclip and a drop on the message box index them into the
chat's own collection (made and set on the chat when it has none), with progress under the box;
Send waits meanwhile; the next answer searches them. Real MiniLM, Chroma and parsers; the
model's words are scripted."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]

FACT = ("The lighthouse on Quillon Island was painted violet in 1887 by its keeper, Maren Oddsdottir, "
        "who mixed the paint from crushed mussel shells.")


def _note(tmp_path: Path, name: str = "quillon.md") -> Path:
    f = tmp_path / name
    f.write_text("# Quillon Island\n\n" + FACT + "\n\nThe island has no trees and one well.\n", encoding="utf-8")
    return f


def _broken(tmp_path: Path) -> Path:
    f = tmp_path / "broken.pdf"
    f.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)  # a PDF header and then noise: cannot be read
    return f


def _wait_idle(qtbot, chat, timeout: int = 300000) -> None:
    qtbot.waitUntil(lambda: not chat.attach_bar.busy, timeout=timeout)


def _drop_on_composer(composer, paths: list[Path]) -> None:
    """A drag and drop onto the message box, as Qt delivers it (to the text area's viewport)."""
    target = composer.viewport()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(target.width() / 2, target.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()


@pytest.mark.slow
def test_paperclip_indexes_into_the_chats_new_collection_and_the_next_answer_uses_it(
        qtbot, paths, tmp_path, monkeypatch):
    engine = ScriptedEngine(delay=0.001, script=["It was painted violet [1]."])
    h = Hearth(engine=engine)
    w = make_window(qtbot, h)
    conv = w.new_conversation()
    chat = w.chat
    note = _note(tmp_path)
    asked: list[str] = []

    def dialog(*_a, **_k):
        asked.append("files")
        return [str(note)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(dialog))
    bar = chat.attach_bar
    texts: list[str] = []
    set_text = bar.label.setText
    monkeypatch.setattr(bar.label, "setText", lambda t: (texts.append(t), set_text(t)))
    assert chat.attach_button.isVisible() and chat.attach_button.accessibleName()
    assert not bar.isVisible()

    chat.attach_button.click()
    assert asked == ["files"]
    # progress shows at once under the message box, and Send waits, saying why
    assert bar.isVisible() and bar.bar.isVisible() and bar.cancel_button.isVisible()
    assert not chat.send_button.isEnabled() and "indexed" in chat.send_button.toolTip()
    chat.composer.setPlainText("What colour was the Quillon Island lighthouse painted?")
    chat.send()  # Enter while indexing: nothing is sent, the question stays in the box
    assert not chat.generating and chat.model.rowCount() == 0
    assert "attached files" in chat.status.text() and chat.composer.toPlainText()
    _wait_idle(qtbot, chat)

    assert "Indexing quillon.md (1 of 1)…" in texts
    assert not bar.isVisible() and chat.send_button.isEnabled()
    name = h.conversation_settings(conv).collection
    assert name == "Chat: New chat"  # created for this chat and set on it
    assert [Path(f.path).name for f in h.knowledge.files(name)] == ["quillon.md"]
    assert "quillon.md" in chat.status.text() and name in chat.status.text()
    # the "This chat" tab shows the new collection, so a Save there keeps it
    assert w.conv_settings.collection_box.currentData() == name

    chat.send()
    wait_answer(qtbot, w, 120000)
    prompt = engine.last_messages[-1].content
    assert "Oddsdottir" in prompt  # the attached file's passage went in with the question
    answer = chat.model.item(1)
    assert any(c["source_path"].endswith("quillon.md") for c in answer.citations)
    close_all(h)


@pytest.mark.slow
def test_a_drop_on_the_composer_attaches_and_an_unreadable_file_is_named(qtbot, paths, tmp_path):
    h = Hearth(engine=ScriptedEngine(delay=0.001))
    w = make_window(qtbot, h)
    conv = w.new_conversation()
    h.store.rename(conv, "Lighthouses")
    chat = w.chat
    note, broken = _note(tmp_path), _broken(tmp_path)
    texts: list[str] = []
    set_text = chat.attach_bar.label.setText
    chat.attach_bar.label.setText = lambda t: (texts.append(t), set_text(t))
    _drop_on_composer(chat.composer, [note, broken])
    assert chat.attach_bar.isVisible()
    assert chat.composer.toPlainText() == ""  # the drop attached the files, it typed no path
    _wait_idle(qtbot, chat)
    assert not chat.attach_bar.isVisible()
    counted = [t for t in texts if t.startswith("Indexing")]
    assert any("(1 of 2)" in t for t in counted) and any("(2 of 2)" in t for t in counted)
    name = h.conversation_settings(conv).collection
    assert name == "Chat: Lighthouses"
    files = {Path(f.path).name: f.status for f in h.knowledge.files(name)}
    assert files.get("quillon.md") == "indexed"
    error = chat.status.text()
    assert "broken.pdf" in error and "quillon.md" not in error and name in error
    assert "c0392b" in chat.status.styleSheet()  # shown as an error
    # a chat that has a collection keeps it: more files go there, no new one is made
    other = _note(tmp_path, "second.md")
    _drop_on_composer(chat.composer, [other])
    _wait_idle(qtbot, chat)
    assert h.conversation_settings(conv).collection == name
    assert "second.md" in {Path(f.path).name for f in h.knowledge.files(name)}
    assert [c.name for c in h.knowledge.list_collections()] == [name]
    close_all(h)


def test_collection_for_chat_keeps_a_chats_collection_and_never_shares_a_new_one(paths):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder
    from assistant.core.conversations.settings import ConversationSettings

    h = Hearth(engine=ScriptedEngine(), knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    mine = h.new_conversation("Notes", ConversationSettings(collection="Mine"))
    assert h.collection_for_chat(mine.id) == "Mine"
    a, b = h.new_conversation("Trip"), h.new_conversation("Trip")
    first, second = h.collection_for_chat(a.id), h.collection_for_chat(b.id)
    assert (first, second) == ("Chat: Trip", "Chat: Trip (2)")
    assert h.collection_for_chat(a.id) == first  # asked again: the same one
    assert {c.name for c in h.knowledge.list_collections()} == {first, second}
    h.close()


def test_dropping_a_model_file_on_the_composer_is_left_to_the_window(qtbot, paths, tmp_path):
    h = Hearth(engine=ScriptedEngine())
    w = make_window(qtbot, h)
    w.new_conversation()
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(gguf))])
    dropped: list = []
    w.chat.composer.filesDropped.connect(dropped.append)
    to_window: list = []
    w.add_paths = to_window.append  # the window's drop: GGUF files go to the model manager
    target = w.chat.composer.viewport()
    pos = QPointF(target.width() / 2, target.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    QApplication.sendEvent(target, QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                              Qt.KeyboardModifier.NoModifier))
    assert dropped == [] and not w.chat.attach_bar.busy
    assert to_window == [[gguf]]
    close_all(h)


def test_the_cross_stops_indexing_and_send_works_again(qtbot, paths, tmp_path):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    h = Hearth(engine=ScriptedEngine(), knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    w = make_window(qtbot, h)
    conv = w.new_conversation()
    chat = w.chat
    files = [_note(tmp_path, f"note{i}.md") for i in range(3)]
    chat.attach(files)
    assert not chat.send_button.isEnabled()
    chat.attach_bar.cancel_button.click()
    assert "Stopping" in chat.attach_bar.label.text()
    _wait_idle(qtbot, chat, 60000)
    assert not chat.attach_bar.isVisible() and chat.send_button.isEnabled()
    indexed = {Path(f.path).name for f in h.knowledge.files(h.conversation_settings(conv).collection)
               if f.status == "indexed"}
    assert len(indexed) < 3
    assert chat.status.text().startswith(f"Indexing stopped: {len(indexed)} files added")
    close_all(h)
