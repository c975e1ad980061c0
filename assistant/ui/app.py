"""Starting the window: Qt first, paint, then everything heavy in the background.

Only PySide6 and the light parts of the core are imported before the first paint; torch,
Chroma and llama.cpp load in workers afterwards (the window's warm-up).
"""
from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

log = logging.getLogger("assistant.ui")

GUI_SWITCH_INTERVAL_S = 0.0005


class App:
    """The running application: QApplication, the core facade and the (re-creatable) window.

    Args:
        hearth: the core facade; default makes one for the current Hearth home.
        warm_up: load model and knowledge base after the first paint.
    """

    def __init__(self, argv: list[str] | None = None, hearth: Any = None, warm_up: bool = True,
                 open_paths: list[Any] | None = None) -> None:
        from PySide6.QtCore import QCoreApplication, Qt
        from PySide6.QtWidgets import QApplication

        from assistant.ui import i18n
        from assistant.ui.theme import apply_text_size, apply_theme

        QCoreApplication.setApplicationName("Hearth")
        QCoreApplication.setOrganizationName("Hearth")
        self.qapp = QApplication.instance() or QApplication(argv or sys.argv[:1])
        self.qapp.setAttribute(Qt.ApplicationAttribute.AA_DontShowIconsInMenus, False)
        if hearth is None:
            from assistant.core.app import Hearth

            hearth = Hearth()
        self.hearth = hearth
        self.warm_up = warm_up
        # Workers import modules and run Python (the GGUF header reader, the indexer) while the
        # window does; the GUI thread gets the interpreter back after at most this long. A GUI
        # slot gives it up and takes it back at every Qt call, so the waits add up: the start-up
        # warm-up paused 37-57 ms at 2 ms, 17-30 ms at 0.5 ms (bench_ui, 2 cores; Python's default
        # is 5 ms).
        sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        i18n.install(self.qapp, hearth.settings.language)  # type: ignore[arg-type]
        apply_theme(self.qapp, hearth.settings.theme)  # type: ignore[arg-type]
        apply_text_size(self.qapp, getattr(hearth.settings, "text_size", 100))
        # "Follow the system": re-apply when the desktop switches between light and dark
        self.qapp.styleHints().colorSchemeChanged.connect(
            lambda _scheme: apply_theme(self.qapp, self.hearth.settings.theme)  # type: ignore[arg-type]
            if self.hearth.settings.theme == "system" else None)
        self.window: Any = None
        self.tasks: Any = None
        self.open_paths = list(open_paths or [])
        # macOS delivers files dropped on the Dock icon (or opened with Hearth) as FileOpen events
        # Only macOS sends FileOpen. A filter on the application sees every event of every
        # widget, and each one then waits for the interpreter: behind the warm-up's imports,
        # that alone froze the window for half a second.
        self._file_open = None
        if sys.platform == "darwin":
            self._file_open = _FileOpenFilter(self)
            self.qapp.installEventFilter(self._file_open)

    def open_files(self, paths: list[Any]) -> None:
        """Add files as if dropped on the window (documents indexed, .gguf to the model manager)."""
        if self.window is None:
            self.open_paths.extend(paths)
        else:
            self.window.add_paths(list(paths))

    def make_window(self) -> Any:
        from assistant.ui.background import Bridge, Tasks
        from assistant.ui.errors import CrashHandler
        from assistant.ui.main_window import MainWindow

        if self.tasks is None:
            self.bridge = Bridge()
            self.tasks = Tasks(self.bridge)
        self.window = MainWindow(self.hearth, self.tasks, warm_up=self.warm_up)
        if getattr(self, "server", None) is None:
            from assistant.ui.server_tab import ServerController

            self.server = ServerController(self.hearth)
            if self.hearth.settings.server_enabled:
                self.server.apply(True, self.hearth.settings.server_port)
        self.window.local_server = self.server
        self.window.languageChangeRequested.connect(self.switch_language)
        if getattr(self, "crash", None) is not None:
            self.crash.uninstall()
        self.crash = CrashHandler(self.window).install()
        from assistant.core.paths import resources_dir
        from PySide6.QtGui import QIcon

        icon = resources_dir() / "icons" / "hearth.svg"
        if icon.exists():
            self.window.setWindowIcon(QIcon(str(icon)))
        return self.window

    def switch_language(self, language: str) -> None:
        """Apply a language at once: translators swapped, the window rebuilt in place (state kept)."""
        from assistant.ui import i18n

        self.hearth.settings.language = language
        self.hearth.save_settings()
        i18n.install(self.qapp, language)  # type: ignore[arg-type]
        old = self.window
        old.save_state()
        self.window = None
        new = self.make_window()
        new._warm_up = False  # the model and index are already warm in this process
        new.documents.ready = old.documents.ready
        if new.documents.ready:
            new.documents.refresh_collections()
        new.show()
        old.hide()
        old.deleteLater()

    def run(self) -> int:
        """Show the window and run the event loop. Returns the exit code."""
        w = self.make_window()
        if os.environ.get("HEARTH_REPORT_FIRST_PAINT"):
            # "quit": report and exit (start-up benchmark); any other value: report and stay
            self._first_paint = _FirstPaint(w, os.environ.get("HEARTH_REPORT_FIRST_PAINT") == "quit")
        w.show()
        if self.open_paths:
            from PySide6.QtCore import QTimer

            paths, self.open_paths = self.open_paths, []
            QTimer.singleShot(0, lambda: w.add_paths(paths))
        code = self.qapp.exec()
        if getattr(self, "server", None) is not None:
            self.server.stop()
        if self.tasks is not None:
            (self.window or w).chat.stop()
            self.tasks.wait(10000)
        self.hearth.close()
        return int(code)


def _FileOpenFilter(app: "App") -> Any:  # noqa: N802 (a QObject subclass made lazily: Qt imports stay inside)
    from pathlib import Path

    from PySide6.QtCore import QEvent, QObject

    class FileOpenFilter(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 (Qt API)
            if event.type() == QEvent.Type.FileOpen and event.file():
                app.open_files([Path(event.file())])
                return True
            return False

    return FileOpenFilter(app.qapp)


class _FirstPaint:
    """Reports when the window is first painted (for the start-up benchmark and ``--verbose``)."""

    def __init__(self, window: Any, quit_after: bool) -> None:
        from PySide6.QtCore import QEvent, QObject

        outer = self

        class _Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 (Qt API)
                if event.type() == QEvent.Type.Paint and not outer.done:
                    outer.done = True
                    print(f"FIRST_PAINT {time.time():.6f}", flush=True)
                    log.info("first paint")
                    window.removeEventFilter(self)  # one paint is all it waits for
                    if quit_after:
                        from PySide6.QtCore import QTimer
                        from PySide6.QtWidgets import QApplication

                        QTimer.singleShot(0, QApplication.quit)
                return False

        self.done = False
        self.filter = _Filter(window)
        window.installEventFilter(self.filter)


def use_window_processes() -> None:
    """What runs beside the window's process: the embedder and Chroma (their native calls hold the
    interpreter long enough to stall the GUI thread; see :mod:`assistant.core.knowledge.encoder_process`
    and :mod:`assistant.core.knowledge.chroma_child`)."""
    from assistant.core.knowledge.chroma_child import run_chroma_in_child
    from assistant.core.knowledge.embedders import run_encoders_in_child

    run_encoders_in_child(True)
    run_chroma_in_child(True)
