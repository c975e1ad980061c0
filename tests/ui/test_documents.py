"""Dropping the eval PDFs on the window: background indexing, per-file statuses, password retry,
collections. Real parsers, real Chroma, a hash embedder (the MiniLM run is in the journey test)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, make_window
from tests.ui.fakes import ScriptedEngine

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise"), pytest.mark.slow]

FILES = {
    "clean/samplefiles__001-trivial__minimal-document.pdf": "indexed",
    "encrypted_needs_pw/pypdf__crazyones-encrypted-256.pdf": "needs password",
    "scanned/pdfjs__issue7200.pdf": "indexed (OCR)",  # a scan: its text is read from the pixels
    "malformed/pdfjs__bug1020226.pdf": None,  # a truncated file: anything but "indexed", with a reason
}


@pytest.fixture
def hearth(paths):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    h = Hearth(engine=ScriptedEngine(), knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    yield h
    close_all(h)


def drop(window, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    ev = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, ev)


def status_of(panel, path: Path) -> str:
    for i in range(panel.files.topLevelItemCount()):
        it = panel.files.topLevelItem(i)
        if Path(it.data(0, Qt.ItemDataRole.UserRole + 1)).name == path.name:
            return it.text(1)
    return ""


def test_dropped_pdfs_are_indexed_in_the_background_with_a_status_each(qtbot, hearth, shared_eval):
    w = make_window(qtbot, hearth)
    panel = w.documents
    pdfs = [shared_eval / "pdfs" / f for f in FILES]
    drop(w, pdfs)
    assert w.chat.conv_id is not None  # a chat was opened for the documents
    with qtbot.waitSignal(panel.jobFinished, timeout=120000) as job:
        # the window stays usable while indexing: typing works
        w.chat.composer.setPlainText("still typing")
    name, reports = job.args
    assert name == "Documents" and len(reports) == len(FILES)
    for rel, expected in FILES.items():
        p = shared_eval / "pdfs" / rel
        shown = status_of(panel, p)
        if expected:
            assert shown == expected, (rel, shown)
        else:
            assert shown and shown != "indexed", (rel, shown)
            assert panel.statuses[str(p.resolve())][1] or panel.statuses.get(str(p), ("", ""))[1]
    # the chat now answers from this collection
    assert hearth.store.get(w.chat.conv_id).settings["collection"] == "Documents"
    qtbot.waitUntil(lambda: panel.collection_box.currentText().startswith("Documents (4 files)"))

    # the password action indexes the encrypted file
    locked = shared_eval / "pdfs" / "encrypted_needs_pw/pypdf__crazyones-encrypted-256.pdf"
    key = next(k for k in panel.statuses if Path(k).name == locked.name)
    with qtbot.waitSignal(panel.jobFinished, timeout=60000):
        panel.ask_password(key, "password")
    qtbot.waitUntil(lambda: status_of(panel, locked) == "indexed")


def test_collections_can_be_created_renamed_and_deleted(qtbot, hearth, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    w = make_window(qtbot, hearth)
    cid = w.new_conversation()
    panel = w.documents
    with qtbot.waitSignal(panel.collectionsChanged, timeout=60000):
        panel.warm_up()
    with qtbot.waitSignal(panel.collectionsChanged, timeout=20000):
        panel.create_collection("Recipes")
    assert panel.current_collection() == "Recipes"
    hearth.store.update_settings(cid, collection="Recipes")
    with qtbot.waitSignal(panel.collectionsChanged, timeout=20000):
        panel.rename_collection("菜谱")  # user-facing names may be Chinese
    assert [c.name for c in hearth.knowledge.list_collections()] == ["菜谱"]
    assert hearth.conversation_settings(cid).collection == "菜谱"  # the chat still answers from it
    assert panel.collection_box.currentText().startswith("菜谱")
    assert "菜谱" in [w.conv_settings.collection_box.itemText(i)
                    for i in range(w.conv_settings.collection_box.count())]  # offered to chats too
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(panel.collectionsChanged, timeout=20000):
        panel.delete_collection()
    assert hearth.knowledge.list_collections() == [] and panel.collection_box.count() == 0


def test_a_watched_folder_is_indexed_now_and_again_when_a_file_appears(qtbot, hearth, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "first.txt").write_text("The lighthouse keeper writes in his log every night.", encoding="utf-8")
    w = make_window(qtbot, hearth)
    panel = w.documents
    with qtbot.waitSignal(panel.collectionsChanged, timeout=60000):
        panel.warm_up()
    with qtbot.waitSignal(panel.collectionsChanged, timeout=20000):
        panel.create_collection("Notes")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    with qtbot.waitSignal(panel.jobFinished, timeout=60000):
        panel.watch_box.setChecked(True)
    assert status_of(panel, folder / "first.txt") == "indexed"
    assert hearth.knowledge.list_collections()[0].watched == [str(folder.resolve())]
    (folder / "second.txt").write_text("A second note about the storm.", encoding="utf-8")
    qtbot.waitUntil(lambda: status_of(panel, folder / "second.txt") == "indexed", timeout=30000)
    assert "watched folder" in panel.job_label.text()


def test_password_entered_for_a_file_indexes_it_into_its_own_collection(qtbot, hearth, shared_eval):
    w = make_window(qtbot, hearth)
    panel = w.documents
    with qtbot.waitSignal(panel.collectionsChanged, timeout=60000):
        panel.warm_up()
    for name in ("Papers", "Recipes"):
        with qtbot.waitSignal(panel.collectionsChanged, timeout=20000):
            panel.create_collection(name)
    locked = shared_eval / "pdfs" / "encrypted_needs_pw/pypdf__crazyones-encrypted-256.pdf"
    jobs: list[tuple[str, list]] = []

    def finished(name: str, reports: list) -> None:
        jobs.append((name, reports))
        if len(jobs) == 1:
            # the row says "needs password"; the user enters it while looking at "Recipes"
            assert panel.current_collection() == "Recipes"
            key = next(k for k in panel.statuses if Path(k).name == locked.name)
            assert panel.statuses[key][0] == "needs password"
            panel.ask_password(key, "password")

    panel.jobFinished.connect(finished)
    panel.add_paths([locked], collection="Papers")
    panel.collection_box.setCurrentIndex(panel.collection_box.findData("Recipes"))  # the user looks elsewhere
    qtbot.waitUntil(lambda: len(jobs) == 2, timeout=120000)
    assert [name for name, _ in jobs] == ["Papers", "Papers"]
    assert [f.status for f in hearth.knowledge.files("Papers")] == ["indexed"]
    assert hearth.knowledge.files("Recipes") == []
