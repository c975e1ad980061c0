"""The "This chat" tab: the conversation's model, collection, how answers are checked, template and system prompt."""
from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QLabel, QPlainTextEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from assistant.core.app import ConversationSettings as ChatChoices
from assistant.ui.background import Tasks
from assistant.ui.plaintext import plain_tooltip

log = logging.getLogger("assistant.ui")


def installed_models(hearth: Any) -> list[tuple[str, str]]:
    """(label, path) of the models the user can pick: the registry's, else the embedded one.

    Reads every model's GGUF header: call it from a worker.
    """
    from assistant.ui.model_picker import list_choices

    return [(c.label, c.model) for c in list_choices(hearth)]


class ConversationSettings(QWidget):
    """Edits one conversation's settings.

    Signals:
        changed(str, dict): (conversation id, the settings that changed).
    """

    changed = Signal(str, dict)

    def __init__(self, hearth: Any, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks = hearth, tasks
        self.conv_id: str | None = None
        self.model_box = QComboBox(self)
        self.model_box.setObjectName("chatModel")
        self.collection_box = QComboBox(self)
        self.collection_box.setObjectName("chatCollection")
        # how answers from the documents are checked (assistant.core.answers.grounding / reflection)
        self.grounding_box = QComboBox(self)
        self.grounding_box.setObjectName("chatGrounding")
        for label, mode, tip in (
                (self.tr("Balanced"), "balanced", self.tr("Says so when the documents do not contain the answer")),
                (self.tr("Strict"), "strict", self.tr("Answers from the documents only")),
                (self.tr("Off"), "off", self.tr("Shows the model's words as written"))):
            self.grounding_box.addItem(label, mode)
            self.grounding_box.setItemData(self.grounding_box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.grounding_box.setAccessibleName(self.tr("Check answers against the documents"))
        self.reflect_box = QCheckBox(self.tr("Re-answer if unsupported"), self)
        self.reflect_box.setObjectName("chatReflect")
        self.reflect_box.setToolTip(self.tr("When part of an answer is not in the documents, answer once more from "
                                            "the matching sentences and keep the better-supported answer"))
        self.verify_box = QCheckBox(self.tr("Let the model double-check"), self)
        self.verify_box.setObjectName("chatVerify")
        self.verify_box.setToolTip(self.tr("Sentences that the documents do not support word for word are put to "
                                           "the model (yes or no) before they are marked as not found"))
        self.compress_box = QCheckBox(self.tr("Read less (faster)"), self)
        self.compress_box.setObjectName("chatCompress")
        self.compress_box.setToolTip(self.tr("Give the model only the passage sentences that matter for the question: "
                                             "a shorter prompt and a faster first word"))
        self.template_label = QLabel(self.tr("none (type / in the message box to use one)"), self)
        self.template_label.setWordWrap(True)
        self.template_label.setTextFormat(Qt.TextFormat.PlainText)  # a template's name is text, not markup
        self.system = QPlainTextEdit(self)
        self.system.setPlaceholderText(self.tr("Default system prompt (from Settings)"))
        self.system.setMaximumHeight(110)
        self.max_tokens = QSpinBox(self)
        self.max_tokens.setRange(16, 32768)
        self.max_tokens.setSingleStep(64)
        self.apply_button = QPushButton(self.tr("Apply"), self)
        self.apply_button.clicked.connect(self.apply)
        form = QFormLayout()
        form.addRow(self.tr("Model"), self.model_box)
        form.addRow(self.tr("Documents"), self.collection_box)
        form.addRow(self.tr("Check answers"), self.grounding_box)
        form.addRow("", self.reflect_box)
        form.addRow("", self.verify_box)
        form.addRow("", self.compress_box)
        form.addRow(self.tr("Template"), self.template_label)
        form.addRow(self.tr("Longest answer (tokens)"), self.max_tokens)
        form.addRow(self.tr("System prompt"), self.system)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.apply_button)
        lay.addStretch(1)
        self._collections: list[str] = []
        self._models: list[tuple[str, str]] = []  # (label, path), filled by refresh_models()
        self._loading = False
        self.model_box.currentIndexChanged.connect(lambda _i: self._auto_apply("model"))
        self.collection_box.currentIndexChanged.connect(lambda _i: self._auto_apply("collection"))
        self.grounding_box.currentIndexChanged.connect(lambda _i: self._auto_apply("grounding"))
        # the chat's on/off choices: setting name -> its box
        self._switches = {"reflect": self.reflect_box, "compress": self.compress_box, "verify": self.verify_box}
        for key, box in self._switches.items():
            box.toggled.connect(lambda _b, key=key: self._auto_apply(key))
        self.setEnabled(False)

    def refresh_models(self) -> None:
        """Re-read the installed models in a worker (reading GGUF headers takes a moment)."""
        self.tasks.start(lambda: installed_models(self.hearth), done=self._models_read,
                         error=lambda e: log.warning("cannot list models: %s", e))

    def _models_read(self, models: list[tuple[str, str]]) -> None:
        self._models = models
        self.set_conversation(self.conv_id)

    def set_collections(self, names: list[str]) -> None:
        self._collections = list(names)
        self.set_conversation(self.conv_id)

    def set_conversation(self, conv_id: str | None) -> None:
        self.conv_id = conv_id
        self.setEnabled(conv_id is not None)
        if conv_id is None:
            return
        cs = self.hearth.conversation_settings(conv_id)
        self._loading = True
        try:
            self.model_box.clear()
            models = list(self._models)
            current = cs.model
            if current and current not in [p for _l, p in models]:
                models.append((os.path.basename(current), current))
            for label, path in models:
                self.model_box.addItem(label, path)
                # tooltip: the full path, shown literally (Qt renders tooltips that look like HTML)
                self.model_box.setItemData(self.model_box.count() - 1, plain_tooltip(path),
                                           Qt.ItemDataRole.ToolTipRole)
            i = self.model_box.findData(current)
            self.model_box.setCurrentIndex(max(0, i))
            self.collection_box.clear()
            self.collection_box.addItem(self.tr("none"), "")
            names = list(self._collections)
            if cs.collection and cs.collection not in names:
                names.append(cs.collection)
            for n in names:
                self.collection_box.addItem(n, n)
            self.collection_box.setCurrentIndex(max(0, self.collection_box.findData(cs.collection)))
            self.grounding_box.setCurrentIndex(max(0, self.grounding_box.findData(cs.grounding)))
            for key, box in self._switches.items():
                box.setChecked(getattr(cs, key))
            tpl = cs.template
            self.template_label.setText(
                f"{tpl} (v{cs.template_version})" if tpl and cs.template_version else
                (tpl or self.tr("none (type / in the message box to use one)")))
            self.system.setPlainText(cs.system_prompt)
            self.max_tokens.setValue(_max_tokens(cs, self.hearth.settings.sampling.max_tokens))
        finally:
            self._loading = False

    def _auto_apply(self, key: str) -> None:
        if self._loading or self.conv_id is None:
            return
        if key in self._switches:
            self.changed.emit(self.conv_id, {key: self._switches[key].isChecked()})
            return
        box = {"model": self.model_box, "grounding": self.grounding_box}.get(key, self.collection_box)
        self.changed.emit(self.conv_id, {key: box.currentData() or ""})

    def apply(self) -> None:
        """Save the edited settings of this conversation."""
        if self.conv_id is None:
            return
        sampling = dict(self.hearth.conversation_settings(self.conv_id).sampling)
        sampling["max_tokens"] = self.max_tokens.value()
        self.changed.emit(self.conv_id, {"model": self.model_box.currentData() or "",
                                         "collection": self.collection_box.currentData() or "",
                                         "system_prompt": self.system.toPlainText().strip(),
                                         "grounding": self.grounding_box.currentData() or "balanced",
                                         **{key: box.isChecked() for key, box in self._switches.items()},
                                         "sampling": sampling})


def _max_tokens(cs: ChatChoices, default: int) -> int:
    """The chat's longest answer, else the default (a hand-edited value that is no number too)."""
    value = cs.sampling.get("max_tokens")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
