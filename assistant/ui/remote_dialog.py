"""Models → Add a server: an OpenAI-compatible model server (URL, key, Test lists its models)."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from assistant.ui.errors import in_words

log = logging.getLogger("assistant.ui")


class RemoteServerDialog(QDialog):
    """Add (or replace) a model server; the network work runs in the background.

    Args:
        hearth: the core facade.
        tasks: the window's background pool (``Tasks``): Test runs there, never on the GUI thread.
        parent: the Models dialog.

    Signals:
        serverAdded(str): the model name a chat can use, ``remote:NAME`` or ``remote:NAME/MODEL``.
        tested(bool): a Test finished (True: the server answered and listed its models).
    """

    serverAdded = Signal(str)
    tested = Signal(bool)

    def __init__(self, hearth: Any, tasks: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks = hearth, tasks
        self.setObjectName("remoteServerDialog")
        self.setWindowTitle(self.tr("Add a model server"))
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("gpu-box"))
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("http://gpu-box:8080/v1")
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("only if the server needs one (kept in the system keyring)"))
        self.model = QComboBox(self)
        self.model.setEditable(True)
        self.model.setToolTip(self.tr("Empty: the first model the server lists. Test fills this list."))
        self.consent = QCheckBox(self)
        self.consent.hide()
        self.status = QLabel(self.tr("Test lists the models the server offers."), self)
        self.status.setWordWrap(True)
        self.status.setObjectName("remoteStatus")
        self.test_button = QPushButton(self.tr("Test"), self)
        self.test_button.clicked.connect(self.test)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Server URL"), self.url)
        form.addRow(self.tr("API key"), self.key)
        form.addRow(self.tr("Model"), self.model)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.consent)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.url.textChanged.connect(self._url_changed)

    def _server(self) -> Any:
        """The server as typed (raises a HearthError in words for a bad URL)."""
        from assistant.core.engine.remote_servers import RemoteServer, check_url

        return RemoteServer(self.name.text().strip() or "server", check_url(self.url.text()),
                            model=self.model.currentText().strip())

    def _url_changed(self) -> None:
        try:
            server = self._server()
        except Exception:  # noqa: BLE001 - half-typed URL: nothing to say yet
            self.consent.hide()
            return
        self.consent.setVisible(not server.on_this_machine)
        self.consent.setText(self.tr("Send my chats to %s (not this computer): what I type, and passages from "
                                     "my documents, go there") % server.host)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c62828;" if error else "")

    def test(self) -> None:
        """Connect to the server (in the background) and list its models."""
        try:
            server = self._server()
        except Exception as e:  # noqa: BLE001 - shown in words
            self._say(in_words(e), error=True)
            self.tested.emit(False)
            return
        key = self.key.text().strip() or None
        self.test_button.setEnabled(False)
        self._say(self.tr("Asking %s for its models…") % server.host)

        def work() -> list[str]:
            from assistant.core.engine.remote import RemoteEngine

            with RemoteEngine(server, key) as engine:
                return engine.list_models()

        def done(ids: list[str]) -> None:
            self.test_button.setEnabled(True)
            current = self.model.currentText()
            self.model.clear()
            self.model.addItems(ids)
            if current:
                self.model.setCurrentText(current)
            self._say(self.tr("The server at %s answers and offers %d model(s): %s")
                      % (server.host, len(ids), ", ".join(ids[:8])))
            self.tested.emit(True)

        def failed(e: BaseException) -> None:
            self.test_button.setEnabled(True)
            self._say(in_words(e), error=True)
            self.tested.emit(False)

        self.tasks.start(work, done=done, error=failed)

    def save(self) -> None:
        """Keep the server (its key in the keyring) and say which model name chats use."""
        try:
            server = self._server()
            name = self.name.text().strip()
            added = self.hearth.remote_servers.add(
                name, server.url, model=server.model, key=self.key.text().strip() or None,
                consented=server.on_this_machine or self.consent.isChecked())
        except Exception as e:  # noqa: BLE001 - a bad name, a missing keyring... in words, nothing kept
            self._say(in_words(e), error=True)
            return
        self.serverAdded.emit(f"remote:{added.name}" + (f"/{added.model}" if added.model else ""))
        self.accept()
