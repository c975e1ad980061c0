"""Settings → Local server: Hearth's OpenAI-compatible API, run by the window on its own facade.

While the window runs, the server shares the window's engine, model, knowledge base and caches
(one :class:`assistant.core.app.Hearth`); answers from both queue for the one engine. The server
listens on this computer only (127.0.0.1).
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

log = logging.getLogger("assistant.ui")


class ServerController(QObject):
    """Starts and stops the local server off the GUI thread.

    Signals:
        changed(str, str): (url, error): the URL while serving ("" when stopped), the reason a
            start failed ("" when none).
    """

    changed = Signal(str, str)

    def __init__(self, hearth: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hearth = hearth
        self.server: Any = None
        self.url = ""
        self.error = ""
        self._lock = threading.Lock()

    def apply(self, enabled: bool, port: int) -> None:
        """Serve on ``port`` (or stop), in a background thread; :attr:`changed` says how it went."""
        threading.Thread(target=self._apply, args=(enabled, port), name="hearth-server-ctl", daemon=True).start()

    def _apply(self, enabled: bool, port: int) -> None:
        from assistant.server import LocalServer

        with self._lock:
            if self.server is not None and (not enabled or self.server.port != port):
                self.server.stop()
                self.server = None
            error = ""
            if enabled and self.server is None:
                try:
                    self.server = LocalServer(self.hearth, "127.0.0.1", port).start()
                except Exception as e:  # shown in the settings tab, in words
                    from assistant.core.errors import in_words

                    log.warning("local server did not start: %s", e)
                    error = in_words(e)
            self.url = self.server.url if self.server is not None else ""
            self.error = error
        self.changed.emit(self.url, error)

    def stop(self) -> None:
        """Stop serving (when the window closes); waits a few seconds at most."""
        with self._lock:
            if self.server is not None:
                self.server.stop()
                self.server = None
                self.url = ""


class LocalServerTab(QWidget):
    """The controls: on/off, port, the URL with a Copy button, and what happened."""

    def __init__(self, controller: ServerController, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        f = QFormLayout(self)
        self.enabled = QCheckBox(self.tr("Serve an OpenAI-compatible API on this computer"))
        self.enabled.setChecked(bool(settings.server_enabled))
        f.addRow(self.enabled)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(int(settings.server_port))
        f.addRow(self.tr("Port"), self.port)
        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.copy = QPushButton(self.tr("Copy"))
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.url.text()))
        row.addWidget(self.url, 1)
        row.addWidget(self.copy)
        f.addRow(self.tr("Base URL"), row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        f.addRow(self.status)
        hint = QLabel(self.tr("Editors, scripts and notebooks use this URL with any OpenAI client "
                              "(any API key). Only programs on this computer can reach it; "
                              "`hearth serve` offers more options."))
        hint.setWordWrap(True)
        f.addRow(hint)
        controller.changed.connect(self.show_state)
        self.show_state(controller.url, controller.error)

    def show_state(self, url: str, error: str) -> None:
        self.url.setText(url)
        self.copy.setEnabled(bool(url))
        if error:
            self.status.setText(error)
        elif url:
            self.status.setText(self.tr("Serving. Answers from other programs wait their turn with yours."))
        else:
            self.status.setText(self.tr("Not serving."))

    def apply(self, settings: Any) -> None:
        """Store the choice and start or stop the server."""
        settings.server_enabled = self.enabled.isChecked()
        settings.server_port = self.port.value()
        self.controller.apply(settings.server_enabled, settings.server_port)
