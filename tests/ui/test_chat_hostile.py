"""Hostile message text in the window: Markdown images that name files, devices, FIFOs and URLs,
raw HTML, tooltips that look like HTML, citations of files no collection knows."""
from __future__ import annotations

import base64
import os
import struct
import subprocess
import sys
import time
import zlib

import pytest
from PySide6.QtCore import QBuffer, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPainter, QPalette
from PySide6.QtWidgets import QMessageBox, QStyleOptionViewItem

from assistant.core.app import Hearth
from assistant.ui.chat_delegate import MAX_IMAGE_BYTES, MessageDelegate, citation_label, stats_line
from assistant.ui.chat_model import ChatItem, TranscriptModel
from assistant.ui.plaintext import plain_tooltip
from tests.ui.conftest_helpers import close_all, click_action, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


def _png(w: int, h: int) -> bytes:
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor(200, 30, 30))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(buf.data())


def _png_header_only(w: int, h: int) -> bytes:
    """A PNG whose header announces w x h pixels (a "decompression bomb" needs no more to be refused)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF))


def _data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


_FIFO_WATCHER = r"""
import errno, os, sys, time
path, stop = sys.argv[1], sys.argv[2]
opened = 0
while not os.path.exists(stop):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno != errno.ENXIO:
            raise
        time.sleep(0.002)
        continue
    opened += 1
    os.close(fd)
    time.sleep(0.01)
print(opened, flush=True)
"""


class FifoWatch:
    """Notices if anybody opens a FIFO for reading (and lets such a reader go at once).

    Opening a FIFO for writing without blocking fails with ENXIO while no reader has it open,
    so a loop that keeps trying sees every reader. Closing our end gives the reader EOF, so a
    window that does read the FIFO fails the test instead of hanging it. The loop runs in a
    child process: a reader blocked inside Qt may hold the GIL.
    """

    def __init__(self, path) -> None:
        self.path, self.opened = str(path), 0
        self._stop = str(path) + ".stop"
        os.mkfifo(self.path)
        self._proc = subprocess.Popen([sys.executable, "-c", _FIFO_WATCHER, self.path, self._stop],
                                      stdout=subprocess.PIPE, text=True)

    def stop(self) -> None:
        time.sleep(0.1)  # one more look after the last paint
        open(self._stop, "w").close()
        out, _err = self._proc.communicate(timeout=30)
        self.opened = int(out.strip() or 0)


def _render(delegate: MessageDelegate, item: ChatItem, width: int = 600) -> QImage:
    """Paint one message row the way the view does, into an image."""
    from PySide6.QtWidgets import QApplication

    font = QApplication.font()
    lay = delegate.layout_for(item, width, font)
    img = QImage(width, lay.height, QImage.Format.Format_RGB32)
    img.fill(QApplication.palette().color(QPalette.ColorRole.Base))
    model = TranscriptModel()
    model.append(item)
    opt = QStyleOptionViewItem()
    opt.rect = QRect(0, 0, width, lay.height)
    opt.font = font
    opt.palette = QApplication.palette()
    p = QPainter(img)
    delegate.paint(p, opt, model.index(0))
    p.end()
    return img


def test_markdown_images_never_read_files_fifos_or_devices(qtbot, paths, tmp_path):
    png = tmp_path / "big.png"
    png.write_bytes(_png(300, 300))
    fifo = FifoWatch(tmp_path / "pipe")
    try:
        delegate = MessageDelegate(None)
        text = (f"Look: ![a]({png}) and ![b](file://{png}) and ![c]({fifo.path}) "
                f"and ![d](/dev/zero) and ![e](http://127.0.0.1:9/x.png)\n\nend")
        item = ChatItem(id="m", role="assistant", content=text)
        t0 = time.perf_counter()
        lay = delegate.layout_for(item, 600, qtbot_font())
        _render(delegate, item)
        elapsed = time.perf_counter() - t0
    finally:
        fifo.stop()
    assert fifo.opened == 0  # the FIFO was never opened
    assert elapsed < 2.0
    # the 300-pixel picture on disk is not in the message: only small placeholders are
    assert lay.doc.size().height() < 100
    assert lay.doc.toPlainText().strip().endswith("end")


def qtbot_font():
    from PySide6.QtWidgets import QApplication

    return QApplication.font()


def test_raw_html_in_a_message_is_shown_as_text_not_loaded(qtbot, paths):
    delegate = MessageDelegate(None)
    item = ChatItem(id="m", role="assistant",
                    content='<img src="/dev/zero"> <link rel="stylesheet" href="/dev/zero"> <b>bold?</b>')
    lay = delegate.layout_for(item, 600, qtbot_font())
    assert '<img src="/dev/zero">' in lay.doc.toPlainText()  # what was written is what is shown
    assert "<b>bold?</b>" in lay.doc.toPlainText()


def test_small_inline_data_images_show_and_oversized_ones_do_not(qtbot, paths):
    delegate = MessageDelegate(None)
    small = ChatItem(id="s", role="assistant", content=f"![chart]({_data_url(_png(40, 120))})")
    assert delegate.layout_for(small, 600, qtbot_font()).doc.size().height() >= 120
    # a header claiming 100000 x 100000 pixels: refused before any pixel is decoded
    bomb = ChatItem(id="b", role="assistant", content=f"![x]({_data_url(_png_header_only(100000, 100000))})")
    t0 = time.perf_counter()
    assert delegate.layout_for(bomb, 600, qtbot_font()).doc.size().height() < 60
    assert time.perf_counter() - t0 < 1.0
    # more than MAX_IMAGE_BYTES once decoded
    noise = os.urandom(MAX_IMAGE_BYTES + 10)
    big = ChatItem(id="g", role="assistant", content=f"![x]({_data_url(_png(40, 120) + noise)})")
    assert delegate.layout_for(big, 600, qtbot_font()).doc.size().height() < 60


@pytest.mark.slow
def test_a_chat_embedding_dev_zero_opens_promptly_in_the_window(tmp_path):
    """The hostile-input check on the whole window, in a child with a memory cap: before the fix
    Qt read /dev/zero until memory ran out (or for ever); now the chat opens and paints at once."""
    script = r"""
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from PySide6.QtWidgets import QApplication
app = QApplication([])
from assistant.core.app import Hearth
from assistant.ui.main_window import MainWindow
from tests.ui.fakes import ScriptedEngine
h = Hearth(engine=ScriptedEngine())
h.settings.first_run_done = True
conv = h.store.create("hostile", {"model": ""})
q = h.store.add_message(conv.id, "user", "show me")
h.store.add_message(conv.id, "assistant", "Here: ![x](/dev/zero) <img src=/dev/zero> done",
                    parent_id=q.id)
t0 = time.perf_counter()
w = MainWindow(h, warm_up=False)
w.show()
w.conversations.select(conv.id)
for _ in range(20):
    app.processEvents()
w.chat.view.viewport().grab()
print("painted in %.2f s" % (time.perf_counter() - t0), flush=True)
w.close()
h.close()
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HEARTH_HOME": str(tmp_path / "home")}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    t0 = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True,
                             text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the window hung on a message embedding ![](/dev/zero)")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "painted in" in out.stdout
    assert float(out.stdout.split("painted in ")[1].split()[0]) < 10
    assert time.perf_counter() - t0 < 120


def test_a_stored_chat_with_hostile_images_opens_in_the_window_without_reading(qtbot, paths, tmp_path):
    png = tmp_path / "photo.png"
    png.write_bytes(_png(300, 300))
    fifo = FifoWatch(tmp_path / "pipe")
    h = Hearth(engine=ScriptedEngine())
    try:
        conv = h.store.create("hostile", {"model": ""})
        q = h.store.add_message(conv.id, "user", f"![me]({png})")
        h.store.add_message(conv.id, "assistant", f"![pipe]({fifo.path}) ![zero](/dev/zero) fine", parent_id=q.id)
        w = make_window(qtbot, h)
        w.conversations.select(conv.id)
        qtbot.waitUntil(lambda: w.chat.model.rowCount() == 2)
        w.chat.view.viewport().grab()  # paints every row
        # the photo is not shown: the question's row is as short as a one-line message
        one_line = w.chat.delegate.size_for(ChatItem(id="x", role="user", content="fine")).height()
        assert w.chat.view.visualRect(w.chat.model.index(0)).height() < one_line + 40
        # no tooltip repeats a message (Qt would render one that looks like HTML as rich text)
        assert w.chat.model.index(1).data(Qt.ItemDataRole.ToolTipRole) is None
    finally:
        fifo.stop()
    assert fifo.opened == 0
    close_all(h)


def test_tooltips_show_file_and_model_text_literally():
    tip = plain_tooltip('<img src="/dev/zero">\nsecond line')
    assert "<img" not in tip and "&lt;img" in tip and "<br>" in tip


def test_uncited_passages_are_labelled_and_drawn_apart_from_citations(qtbot, paths):
    delegate = MessageDelegate(None)
    cited = {"source_path": "/docs/report.pdf", "page": 3, "snippet": "cited text", "number": 1, "cited": True}
    other = {"source_path": "/docs/notes.txt", "page": None, "snippet": "only retrieved", "number": 2,
             "cited": False}
    item = ChatItem(id="a", role="assistant", content="It says so [1].", citations=[other, cited])
    lay = delegate.layout_for(item, 600, qtbot_font())
    # the cited one comes first, then the label, then the passage that was only retrieved
    (r_cited, i_cited), (r_other, i_other) = lay.cite_rects
    assert (i_cited, i_other) == (1, 0)
    assert r_cited.bottom() < lay.uncited_y < r_other.top()
    assert citation_label(cited) == "[1] report.pdf, page 3 · “cited text”"  # file, page, first line
    assert citation_label(other) == "notes.txt · “only retrieved”"  # no [n]: the answer does not refer to it
    assert "does not cite" in delegate.tooltip_at(item, r_other.center(), 600, qtbot_font())
    # what the user sees: the cited file in the link colour, the other one not
    img = _render(delegate, item)
    from PySide6.QtWidgets import QApplication

    link = QApplication.palette().color(QPalette.ColorRole.Link)

    def link_pixels(r: QRect) -> int:
        return sum(1 for x in range(r.left(), r.right()) for y in range(r.top(), r.bottom())
                   if _close(QColor(img.pixel(x, y)), link))

    assert link_pixels(r_cited) > 20 and link_pixels(r_other) == 0
    label_row = QRect(r_other.left(), lay.uncited_y, r_other.width() + 100, r_other.height())
    assert any(QColor(img.pixel(x, y)) != QColor(img.pixel(0, 0))
               for x in range(label_row.left(), label_row.right()) for y in range(label_row.top(), label_row.bottom()))


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 60


def test_citation_tooltip_says_the_page(qtbot, paths):
    delegate = MessageDelegate(None)
    c = {"source_path": "/docs/report.pdf", "page": 7, "snippet": "the passage", "number": 1, "cited": True}
    item = ChatItem(id="a", role="assistant", content="[1]", citations=[c])
    rect = delegate.action_rect(item, "citation", 600, qtbot_font())
    tip = delegate.tooltip_at(item, rect.center(), 600, qtbot_font())
    assert "page 7" in tip and "/docs/report.pdf" in tip and "the passage" in tip


def test_stats_line_says_when_the_question_itself_was_cut():
    line = stats_line({"tokens_per_s": 10.0, "context_used": 500, "context_size": 512, "truncated_user": True})
    assert line.endswith("your message was cut to fit the context")
    assert "cut" not in stats_line({"tokens_per_s": 10.0, "truncated_user": False})


def test_citations_of_files_no_collection_knows_are_not_opened(qtbot, paths, tmp_path, monkeypatch):
    """An imported chat can cite any path: a .desktop file beside it would run if opened."""
    evil = tmp_path / "invoice.desktop"
    evil.write_text("[Desktop Entry]\nExec=sh -c 'touch /tmp/pwned'\n")
    opened, shown = [], []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box.text()))
    h = Hearth(engine=ScriptedEngine())
    w = make_window(qtbot, h)
    cite = {"source_path": str(evil), "page": None, "snippet": "pay now", "number": 1, "cited": True}
    w.chat.model.set_items([ChatItem(id="u", role="user", content="q"),
                            ChatItem(id="a", role="assistant", content="See [1].", citations=[cite])])
    w.chat._update_empty()
    click_action(qtbot, w.chat, 1, "citation")
    qtbot.waitUntil(lambda: bool(shown))
    assert opened == []
    assert "not in any of your document collections" in shown[0] and "pay now" in shown[0]
    close_all(h)


def test_an_interrupted_answer_shows_as_such_and_can_be_regenerated(qtbot, paths):
    h = Hearth(engine=ScriptedEngine())
    h.settings.first_run_done = True
    conv = h.store.create("crashed", {"model": ""})
    q = h.store.add_message(conv.id, "user", "Tell me")
    h.store.add_message(conv.id, "assistant", "Half an ans", parent_id=q.id, status="interrupted")
    w = make_window(qtbot, h)
    w.conversations.select(conv.id)
    qtbot.waitUntil(lambda: w.chat.model.rowCount() == 2)
    item = w.chat.model.item(1)
    lay = w.chat.delegate.layout_for(item, 600, w.font())
    assert "interrupted" in lay.header
    assert {"regenerate", "delete"} <= {n for n, _l, _r in lay.actions}
    model = h.default_model_path()
    h.store.update_settings(conv.id, model=model)
    click_action(qtbot, w.chat, 1, "regenerate")
    wait_answer(qtbot, w)
    again = w.chat.model.item(1)
    assert again.content.startswith("Answer 1:") and again.status == "complete"
    assert (again.branch, again.branches) == (2, 2)  # the interrupted text is kept as branch 1
    close_all(h)


@pytest.mark.slow
def test_an_answer_cut_off_by_kill_9_shows_as_interrupted_after_a_restart(qtbot, paths):
    script = r"""
import os, signal, sys, time
from assistant.core.app import Hearth
from tests.ui.fakes import ScriptedEngine
h = Hearth(engine=ScriptedEngine(words=2000, delay=0.005))
conv = h.store.create("crash", {"model": h.default_model_path()})
reply = h.reply(conv.id, "Tell me a long story")
t0 = time.monotonic()
print(conv.id, flush=True)
for chunk in reply:
    if time.monotonic() - t0 > 2.5:  # the text so far has been saved at least once
        os.kill(os.getpid(), signal.SIGKILL)  # in the middle of the answer
"""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == -9, out.stderr[-2000:]
    conv_id = out.stdout.split()[0]
    h = Hearth(engine=ScriptedEngine())
    w = make_window(qtbot, h)
    w.conversations.select(conv_id)
    qtbot.waitUntil(lambda: w.chat.model.rowCount() == 2)
    answer = w.chat.model.item(1)
    assert answer.status == "interrupted" and answer.content.startswith("Answer 1:")
    lay = w.chat.delegate.layout_for(answer, 600, w.font())
    assert "interrupted" in lay.header and {"regenerate", "delete"} <= {n for n, _l, _r in lay.actions}
    click_action(qtbot, w.chat, 1, "delete")
    qtbot.waitUntil(lambda: w.chat.model.rowCount() == 1)
    close_all(h)
