"""Adding hundreds of files at once keeps the window live: their "queued" rows are listed a batch
per event-loop turn (100 files listed in one go held the GUI thread for 285-620 ms), in the order
given, and indexing starts once all are listed. A stand-in knowledge base; offscreen Qt."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from assistant.ui.background import Bridge, Tasks
from assistant.ui.documents_panel import DocumentsPanel, PathRole

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@dataclass
class Report:
    path: str
    status: str
    reason: str
    chunks: int


@dataclass
class Settings:
    collection: str = ""


class Knowledge:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.indexed: list[list[Path]] = []

    def list_collections(self) -> list:
        return []

    def files(self, name: str) -> list:
        return []

    def index(self, name, paths, passwords=None, progress=None, cancel=None) -> list[Report]:
        self.indexed.append(list(paths))
        self.release.wait(30)
        return [Report(str(p.resolve()), "indexed", "", 1) for p in paths]


class FakeHearth:
    def __init__(self) -> None:
        self.knowledge = Knowledge()

    def conversation_settings(self, conv_id: str) -> Settings:
        return Settings()


@pytest.fixture
def panel(qtbot):
    bridge = Bridge()
    tasks = Tasks(bridge)
    hearth = FakeHearth()
    p = DocumentsPanel(hearth, tasks, bridge)
    qtbot.addWidget(p)
    p.ready = True
    p.show()
    yield p
    hearth.knowledge.release.set()
    tasks.wait()


def test_500_added_files_are_listed_in_batches_with_the_event_loop_running_between(qtbot, panel, tmp_path):
    files = []
    for i in range(500):
        f = tmp_path / f"note-{i:03d}.txt"
        f.write_text("some words")
        files.append(f)
    counts: list[int] = []  # the rows listed each time a 0 ms timer fired
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: counts.append(panel.files.topLevelItemCount()))
    timer.start()
    panel.add_paths(files)
    assert panel.files.topLevelItemCount() <= 20  # add_paths returned after one batch
    qtbot.waitUntil(lambda: panel.files.topLevelItemCount() == 500, timeout=20000)
    timer.stop()
    # the window's timers ran while the files were being listed: at least 20 turns of the loop
    assert len({c for c in counts if 0 < c < 500}) >= 20, counts
    # in the order given, each queued, and indexed (all of them, in one job) once all were listed
    rows = [panel.files.topLevelItem(i) for i in range(500)]
    assert [r.data(0, PathRole) for r in rows] == [str(f.resolve()) for f in files]
    assert {r.text(1) for r in rows} == {"queued"}
    qtbot.waitUntil(lambda: bool(panel.hearth.knowledge.indexed), timeout=10000)
    assert panel.hearth.knowledge.indexed == [files]
    with qtbot.waitSignal(panel.jobFinished, timeout=20000) as done:
        panel.hearth.knowledge.release.set()
    assert len(done.args[1]) == 500


def test_a_file_added_twice_keeps_one_row_and_its_result(qtbot, panel, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("x")
    panel.hearth.knowledge.release.set()
    with qtbot.waitSignal(panel.jobFinished, timeout=20000):
        panel.add_paths([f, f])
    rows = [panel.files.topLevelItem(i) for i in range(panel.files.topLevelItemCount())]
    assert [r.data(0, PathRole) for r in rows] == [str(f.resolve())]
    assert rows[0].text(1) == "indexed"
