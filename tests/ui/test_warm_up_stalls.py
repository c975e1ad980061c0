"""The window's start-up warm-up leaves the GUI thread free: no panel built and no heap settled on it."""
from __future__ import annotations

import gc
import sys
import threading

import pytest
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from assistant.core.prompts import TemplateLibrary
from assistant.ui import background
from assistant.ui.prompts_panel import PromptsPanel


def test_a_lazy_prompts_panel_is_built_when_its_tab_is_opened(qtbot, paths):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QLabel("documents"), "Documents")
    panel = PromptsPanel(TemplateLibrary(paths), lazy=True)
    tabs.addTab(panel, "Prompts")
    tabs.show()
    qtbot.wait(50)
    assert not panel._built and panel.findChildren(QWidget) == []  # no widget made during the warm-up
    tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: panel._built)
    assert panel.list.count() > 0  # the built-in templates are listed once the tab is opened
    assert panel.name.text() == panel.current_name()


def test_a_lazy_prompts_panel_used_before_it_is_shown_builds_itself(qtbot, paths):
    panel = PromptsPanel(TemplateLibrary(paths), lazy=True)
    qtbot.addWidget(panel)
    assert panel.current_name()  # first use builds the list
    assert panel._built


def test_settle_heap_freezes_off_the_gui_thread(monkeypatch):
    ran_on: list[str] = []
    done = threading.Event()
    real = gc.freeze

    def freeze() -> None:
        ran_on.append(threading.current_thread().name)
        real()
        done.set()

    monkeypatch.setattr(gc, "freeze", freeze)
    background.settle_heap()
    assert done.wait(10)
    assert ran_on and ran_on[0] != threading.main_thread().name
    gc.unfreeze()


def test_no_python_filter_sees_every_event_of_the_application(qtbot, monkeypatch, paths):
    # Every event through a Python filter waits for the interpreter: behind the warm-up's imports
    # that froze the window. Only macOS sends FileOpen, so only there is one installed.
    import sys

    from assistant.core.app import Hearth
    from assistant.ui.app import App

    monkeypatch.setattr(sys, "platform", "linux")
    hearth = Hearth()
    try:
        app = App(["hearth"], hearth=hearth, warm_up=False)
        assert app._file_open is None
        assert sys.getswitchinterval() <= 0.0005  # the GUI thread gets the interpreter back sooner
    finally:
        hearth.close()


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")
def test_the_adapters_tab_is_built_when_first_opened(qtbot, paths):
    from assistant.core.app import Hearth
    from tests.ui.conftest_helpers import close_all, make_window

    h = Hearth()
    w = make_window(qtbot, h)
    qtbot.waitUntil(lambda: w.side.count() == 4, timeout=30000)
    holder = w.findChild(QWidget, "adaptersHolder")
    assert holder is not None and holder.findChildren(QWidget) == []  # nothing made while warming up
    w.side.setCurrentIndex(3)
    qtbot.waitUntil(lambda: holder.findChildren(QWidget) != [])
    assert w.adapters_panel.add_button.isVisible()  # the tab shows the panel once opened
    assert "Open a chat" in w.adapters_panel.chat_note.text()  # and what it says for the window's state
    close_all(h)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_background_jobs_keep_the_windows_priority_and_the_parser_runs_below_it(qtbot, paths):
    """A job shares the window's interpreter lock: niced, the kernel preempted it while it held the
    lock and the window waited (pauses over 50 ms while streaming and indexing). The heavy work runs
    in child processes below the window's priority instead."""
    import os

    from assistant.core.knowledge.sandbox import ParserPool

    bridge = background.Bridge()
    tasks = background.Tasks(bridge)
    seen: dict[str, int] = {}
    pool = ParserPool()

    def job() -> None:
        seen["job"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        pool.parse(str(paths.data / "missing.txt"), None)  # starts the parser child from the job
        seen["parser"] = os.getpriority(os.PRIO_PROCESS, pool.pid)

    try:
        with qtbot.waitSignal(bridge.call, timeout=60000):
            tasks.start(job, done=lambda _r: None)
        tasks.wait()
    finally:
        pool.close()
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen["job"] == gui
    assert seen["parser"] >= min(19, gui + 1)  # the window's thread and the model win a busy CPU
