"""The model picker in the chat header: this chat's model by a name people read, switched per chat.

One list holds the models on this machine ("SmolLM2 135M Instruct · Q4_1 · 94 MB") and the
models on servers the user added ("Remote · ID (runs on HOST)"), then "Add a server…" and
"Find models online…". Beside it a line says what is happening to the model: loading, loaded
with its GPU plan, or why it failed.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QWidget

from assistant.core.engine.remote_servers import PREFIX, describe, is_remote
from assistant.core.models.naming import model_label
from assistant.ui.background import Tasks
from assistant.ui.plaintext import plain_tooltip

log = logging.getLogger("assistant.ui")

ADD_SERVER, FIND_ONLINE = "hearth:add-server", "hearth:find-online"


@dataclass
class ModelChoice:
    """One entry of the picker."""

    label: str
    model: str  # a GGUF path or remote:NAME
    remote: bool = False


def list_choices(hearth: Any) -> list[ModelChoice]:
    """The models a chat can use, local first, with their friendly labels.

    Reads every model's GGUF header: call it from a worker.
    """
    out: list[ModelChoice] = []
    for m in hearth.models.list():
        label = model_label(m.facts) if m.facts is not None else os.path.basename(str(m.path))
        out.append(ModelChoice(label, str(m.path)))
    if not out:
        from assistant.core.models import embedded
        from assistant.core.models.registry import _facts

        p = embedded.default_chat_model()
        if p is not None:
            try:
                out.append(ModelChoice(model_label(_facts(p)), str(p)))
            except Exception as e:  # an unreadable header still leaves the file usable by name
                log.warning("cannot read %s: %s", p, e)
                out.append(ModelChoice(os.path.basename(str(p)), str(p)))
    try:
        servers = hearth.remote_servers.list()
    except Exception as e:  # a broken servers file must not hide the local models
        log.warning("cannot list the model servers: %s", e)
        servers = []
    for s in servers:
        model = PREFIX + s.name
        out.append(ModelChoice(remote_label(model, hearth.paths), model, remote=True))
    return out


def remote_label(model: str, paths: Any) -> str:
    """"Remote · ID (runs on HOST)": a model whose words leave this machine is marked as such."""
    return "Remote · " + describe(model, paths)


def gpu_plan_of(hearth: Any, facts: Any = None) -> str:
    """Where the loaded model runs ("CPU only: …", "all 30 layers on the GPU"), in words."""
    facts = facts if facts is not None else getattr(hearth.engine_if_started(), "facts", None)
    if facts is None or not getattr(facts, "n_layers", None):
        return ""
    return str(hearth.model_fit(facts).gpu_plan or "")


class ModelPicker(QWidget):
    """The chat's model and its state.

    Signals:
        modelChosen(str): the user picked another model for this chat (path or remote:NAME).
        modelLoaded(str): the engine has a model loaded (its label).
        addServerRequested(): "Add a server…" was picked.
        findOnlineRequested(): "Find models online…" was picked.
    """

    modelChosen = Signal(str)
    modelLoaded = Signal(str)
    addServerRequested = Signal()
    findOnlineRequested = Signal()

    def __init__(self, hearth: Any, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks = hearth, tasks
        self.combo = QComboBox(self)
        self.combo.setObjectName("modelPicker")
        self.combo.setAccessibleName(self.tr("Model of this chat"))
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumContentsLength(18)
        self.state = QLabel("", self)
        self.state.setObjectName("modelState")
        self.state.setTextFormat(Qt.TextFormat.PlainText)  # names and reasons come from files
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # llama.cpp reports no progress while it loads: a moving bar
        self.busy.setMaximumWidth(80)
        self.busy.setMaximumHeight(10)
        self.busy.setTextVisible(False)
        self.busy.hide()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addWidget(self.combo)
        lay.addWidget(self.busy)
        lay.addWidget(self.state, 1)
        self.choices: list[ModelChoice] = []
        self.current = ""
        self.loaded = ""  # the model the engine has loaded, as the chat names it
        self.gpu_plan = ""
        self._filling = False
        self.combo.activated.connect(self._picked)

    # the list ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the models and servers in a worker."""
        self.tasks.start(lambda: list_choices(self.hearth), done=self._choices_read,
                         error=lambda e: log.warning("cannot list models: %s", e))

    def _choices_read(self, choices: list[ModelChoice]) -> None:
        self.choices = list(choices)
        self._fill()

    def set_model(self, model: str) -> None:
        """Show ``model`` (the open chat's) as chosen."""
        self.current = model or ""
        self._fill()
        self._show_state()

    def label_for(self, model: str) -> str:
        for c in self.choices:
            if c.model == model:
                return c.label
        if is_remote(model):
            return remote_label(model, self.hearth.paths)
        return os.path.basename(model) if model else self.tr("no model")

    def _fill(self) -> None:
        self._filling = True
        try:
            self.combo.clear()
            choices = list(self.choices)
            if self.current and self.current not in [c.model for c in choices]:
                choices.append(ModelChoice(self.label_for(self.current), self.current, is_remote(self.current)))
            for c in choices:
                self.combo.addItem(c.label, c.model)
                tip = self.tr("Runs on another computer: this chat's messages are sent there.") + "\n" + c.model \
                    if c.remote else c.model
                self.combo.setItemData(self.combo.count() - 1, plain_tooltip(tip), Qt.ItemDataRole.ToolTipRole)
            self.combo.insertSeparator(self.combo.count())
            self.combo.addItem(self.tr("Add a server…"), ADD_SERVER)
            self.combo.addItem(self.tr("Find models online…"), FIND_ONLINE)
            i = self.combo.findData(self.current)
            self.combo.setCurrentIndex(max(0, i))
        finally:
            self._filling = False

    def _picked(self, index: int) -> None:
        if self._filling:
            return
        data = self.combo.itemData(index)
        if data in (ADD_SERVER, FIND_ONLINE):
            self.combo.setCurrentIndex(max(0, self.combo.findData(self.current)))  # the choice stays
            (self.addServerRequested if data == ADD_SERVER else self.findOnlineRequested).emit()
            return
        if data and data != self.current:
            self.current = str(data)
            self._show_state()
            self.modelChosen.emit(self.current)

    def choose(self, model: str) -> None:
        """Pick ``model`` as a user would (tests, the server dialog)."""
        if not any(c.model == model for c in self.choices):
            self.choices.append(ModelChoice(self.label_for(model), model, is_remote(model)))
        self._fill()
        i = self.combo.findData(model)
        if i >= 0:
            self.combo.setCurrentIndex(i)
            self._picked(i)

    # the model's state ---------------------------------------------------------------------------
    def set_loading(self, model: str) -> None:
        self.busy.show()
        self.state.setText(self.tr("Loading %s…") % self.label_for(model))

    def set_loaded(self, model: str, gpu_plan: str = "") -> None:
        self.busy.hide()
        self.loaded, self.gpu_plan = model, gpu_plan
        self._show_state()
        if model:
            self.modelLoaded.emit(self.label_for(model))

    def model_ready(self, model: str) -> None:
        """The engine has ``model`` loaded (an answer started): say so, then work out its GPU plan."""
        self.set_loaded(model, self.gpu_plan if model == self.loaded else "")
        if model and not is_remote(model):
            self.tasks.start(lambda: gpu_plan_of(self.hearth), done=lambda plan: self._plan_known(model, plan),
                             error=lambda e: log.warning("cannot work out the GPU plan: %s", e))

    def _plan_known(self, model: str, plan: str) -> None:
        if model == self.loaded:
            self.set_loaded(model, plan)

    def set_failed(self, reason: str) -> None:
        self.busy.hide()
        self.loaded = self.gpu_plan = ""
        self.state.setText(self.tr("Could not load: %s") % reason)

    def _show_state(self) -> None:
        if self.busy.isVisible():
            return
        if is_remote(self.current):
            self.state.setText(self.tr("on a server; loads there"))
        elif self.current and self.current == self.loaded:
            self.state.setText(self.tr("Ready") + (" · " + self.gpu_plan if self.gpu_plan else ""))
        elif self.current:
            self.state.setText(self.tr("loads when you send"))
        else:
            self.state.setText("")
        self.state.setToolTip(plain_tooltip(self.state.text()))
