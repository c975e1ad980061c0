"""The conversation list's bin ("Deleted chats…": Restore, Delete forever) and its JSON export."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMenu, QMessageBox

from assistant.core.app import Hearth
from assistant.ui.bin_dialog import BinDialog
from assistant.ui.conversation_list import ConversationList

# The offscreen platform cannot pass size hints to a window manager; nothing to fix on our side.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def hearth(paths):
    h = Hearth()
    yield h
    h.close()


@pytest.fixture
def panel(qtbot, hearth):
    w = ConversationList(hearth)
    qtbot.addWidget(w)
    w.show()
    return w


def titles(panel):
    return [panel.list.item(i).text() for i in range(panel.list.count())]


def bin_titles(dlg):
    return [dlg.list.item(i).text().split("\n")[0] for i in range(dlg.list.count())]


def test_deleted_chat_is_in_the_bin_and_restore_brings_it_back(qtbot, hearth, panel):
    keep = hearth.store.create("Groceries")
    gone = hearth.store.create("租房合同")
    hearth.store.add_message(gone.id, "user", "租金是多少？")
    panel.refresh()
    panel.delete(gone.id)
    assert titles(panel) == ["Groceries"]
    dlg = panel.open_bin()
    qtbot.addWidget(dlg)
    assert dlg.isVisible() and bin_titles(dlg) == ["租房合同"]
    assert "erased in 30 days" in dlg.list.item(0).text()
    assert not dlg.restore_button.isEnabled()
    dlg.list.item(0).setSelected(True)
    with qtbot.waitSignal(panel.selected) as sel:
        dlg.restore_button.click()
    assert sel.args == [gone.id]  # the restored chat is shown
    assert sorted(titles(panel)) == ["Groceries", "租房合同"] and dlg.list.count() == 0
    assert dlg.empty.isVisible() and not panel._undo_box.isVisible()
    assert [m.content for m in hearth.store.thread(gone.id)] == ["租金是多少？"]
    assert keep.id in [c.id for c in hearth.store.list()]


def test_delete_forever_asks_then_erases(qtbot, hearth, panel, monkeypatch):
    conv = hearth.store.create("Old secret")
    hearth.store.add_message(conv.id, "user", "my PIN is 4417")
    hearth.store.delete(conv.id)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answers.pop(0))
    dlg = panel.open_bin()
    qtbot.addWidget(dlg)
    dlg.list.item(0).setSelected(True)
    dlg.erase_button.click()  # Cancel: nothing happens
    assert bin_titles(dlg) == ["Old secret"] and hearth.store.get(conv.id).deleted
    with qtbot.waitSignal(dlg.erased):
        dlg.erase_button.click()
    assert "cannot be undone" in asked[0]
    assert dlg.list.count() == 0 and hearth.store.deleted() == []
    assert not hearth.store.list("4417")
    with pytest.raises(KeyError):
        hearth.store.get(conv.id)


def test_context_menu_offers_json_export_and_the_bin(qtbot, hearth, panel, monkeypatch):
    hearth.store.create("Trip")
    panel.refresh()
    shown = []
    monkeypatch.setattr(QMenu, "popup", lambda self, *_a: shown.append([a.text() for a in self.actions()]))
    panel._menu(panel.list.visualItemRect(panel.list.item(0)).center())
    assert "Export as JSON (for Import)…" in shown[0] and "Deleted chats…" in shown[0]
    panel._menu(panel.list.viewport().rect().bottomLeft())  # below the last chat
    assert shown[1] == ["Deleted chats…"]


def test_json_export_from_the_list_is_what_import_reads(qtbot, hearth, panel, tmp_path):
    conv = hearth.store.create("去里斯本旅行")
    q = hearth.store.add_message(conv.id, "user", "带什么？")
    hearth.store.add_message(conv.id, "assistant", "一件薄外套 [1]。", stats={"tokens_per_s": 88.0},
                             citations=[{"source_path": str(tmp_path / "guide.pdf"), "page": 4, "number": 1}])
    hearth.store.add_message(conv.id, "assistant", "防晒霜。", parent_id=q.id)
    out = tmp_path / "trip.json"
    assert panel.export(conv.id, "json", str(out))
    with open(out, encoding="utf-8") as f:  # exactly what File → Import does
        copy = hearth.store.import_json(json.load(f))
    assert copy.title == "去里斯本旅行"
    assert [m.content for m in hearth.store.messages(copy.id)] == ["带什么？", "一件薄外套 [1]。", "防晒霜。"]
    assert hearth.store.messages(copy.id)[1].citations[0]["source_path"] == "guide.pdf"


def test_bin_dialog_says_when_the_bin_is_empty(qtbot, hearth):
    dlg = BinDialog(hearth, confirm=False)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.empty.isVisible() and not dlg.list.isVisible()
