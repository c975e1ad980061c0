"""The settings dialog: data locations, default model, sampling, context, GPU, embedder, language, theme."""
from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from assistant.ui.i18n import LANGUAGES

log = logging.getLogger("assistant.ui.settings")


class SettingsDialog(QDialog):
    """Edits :class:`assistant.core.settings.Settings` and saves it.

    Signals:
        languageChanged(str): the language was changed (applied at once by the app).
        themeChanged(str): "system", "light" or "dark".
        textSizeChanged(int): the text size in percent (already applied to the application).
    """

    languageChanged = Signal(str)
    themeChanged = Signal(str)
    textSizeChanged = Signal(int)

    def __init__(self, hearth: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth = hearth
        s = hearth.settings
        self.setObjectName("settings")
        self.setWindowTitle(self.tr("Settings"))
        tabs = QTabWidget(self)
        # General
        general = QWidget()
        f = QFormLayout(general)
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.theme = QComboBox()
        for code, name in (("system", self.tr("Follow the system")), ("light", self.tr("Light")),
                           ("dark", self.tr("Dark"))):
            self.theme.addItem(name, code)
        self.theme.setCurrentIndex(max(0, self.theme.findData(s.theme)))
        from assistant.ui.theme import TEXT_SIZES, clamp_text_size

        self.text_size = QSpinBox()
        self.text_size.setObjectName("textSize")
        self.text_size.setRange(*TEXT_SIZES)
        self.text_size.setSingleStep(10)
        self.text_size.setSuffix(" %")
        self.text_size.setValue(clamp_text_size(s.text_size))
        self.text_size.setToolTip(self.tr("The size of all text: the chat, the lists and the dialogs"))
        self.system_prompt = QPlainTextEdit(s.system_prompt)
        self.system_prompt.setMaximumHeight(90)
        self.system_prompt.setPlaceholderText(self.tr("none: answers get no system prompt"))
        f.addRow(self.tr("Language"), self.language)
        f.addRow(self.tr("Appearance"), self.theme)
        f.addRow(self.tr("Text size"), self.text_size)
        f.addRow(self.tr("Default system prompt"), self.system_prompt)
        tabs.addTab(general, self.tr("General"))
        # Model
        model = QWidget()
        f = QFormLayout(model)
        self.default_model = QLineEdit(s.default_model)
        self.default_model.setPlaceholderText(self.tr("the built-in SmolLM2 model"))
        self.default_model.setAccessibleName(self.tr("Default model"))
        browse = QPushButton(self.tr("Choose…"))
        browse.setAccessibleName(self.tr("Choose the default model"))
        browse.clicked.connect(self._browse_model)
        row = QHBoxLayout()
        row.addWidget(self.default_model, 1)
        row.addWidget(browse)
        self.context = QSpinBox()
        self.context.setRange(0, 262144)
        self.context.setSingleStep(1024)
        self.context.setSpecialValueText(self.tr("from the model (capped by memory)"))
        self.context.setValue(s.context_length)
        self.gpu = QComboBox()
        self.gpu.setEditable(True)
        self.gpu.addItems(["auto", "0", "-1"])
        self.gpu.setCurrentText(s.n_gpu_layers)
        self.gpu.setToolTip(self.tr("auto: as many layers as fit; 0: CPU only; -1: all layers"))
        # the prompt format normally comes from the model; a wrong or missing one can be overridden
        from assistant.core.engine.chat_format import KNOWN_TEMPLATES

        self.chat_template = QComboBox()
        self.chat_template.addItem(self.tr("from the model"), "")
        for name in KNOWN_TEMPLATES:
            self.chat_template.addItem(name, name)
        if s.chat_template_override and self.chat_template.findData(s.chat_template_override) < 0:
            self.chat_template.addItem(self.tr("custom (set from the command line)"), s.chat_template_override)
        self.chat_template.setCurrentIndex(max(0, self.chat_template.findData(s.chat_template_override)))
        f.addRow(self.tr("Default model"), row)
        f.addRow(self.tr("Prompt format"), self.chat_template)
        f.addRow(self.tr("Context length"), self.context)
        f.addRow(self.tr("GPU layers"), self.gpu)
        # gated models (Llama, Gemma) need the user's Hugging Face token; it lives in the keyring only
        self.hf_token = QLineEdit()
        self.hf_token.setObjectName("hfToken")
        self.hf_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.hf_token.setAccessibleName(self.tr("Hugging Face token"))
        self.hf_token.setPlaceholderText(self.tr("paste a token to save or replace it"))
        self.hf_token.setToolTip(self.tr("Needed only for gated models. Kept in the system keyring, "
                                         "never in the settings file; sent only to huggingface.co."))
        self.forget_token = QPushButton(self.tr("Forget saved token"))
        self.forget_token.clicked.connect(self._forget_token)
        token_row = QHBoxLayout()
        token_row.addWidget(self.hf_token, 1)
        token_row.addWidget(self.forget_token)
        f.addRow(self.tr("Hugging Face token"), token_row)
        self.token_status = QLabel("")
        self.token_status.setObjectName("tokenStatus")
        self.token_status.setWordWrap(True)
        f.addRow(self.token_status)
        tabs.addTab(model, self.tr("Model"))
        # Sampling
        sampling = QWidget()
        f = QFormLayout(sampling)
        sp = s.sampling
        self.temperature = self._dspin(0, 2, 0.05, sp.temperature)
        self.top_p = self._dspin(0, 1, 0.01, sp.top_p)
        self.min_p = self._dspin(0, 1, 0.01, sp.min_p)
        self.repeat_penalty = self._dspin(0.5, 2, 0.01, sp.repeat_penalty)
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 1000)
        self.top_k.setValue(sp.top_k)
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(16, 32768)
        self.max_tokens.setValue(sp.max_tokens)
        for label, w in ((self.tr("Temperature"), self.temperature), (self.tr("Top p"), self.top_p),
                         (self.tr("Top k"), self.top_k), (self.tr("Min p"), self.min_p),
                         (self.tr("Repeat penalty"), self.repeat_penalty),
                         (self.tr("Longest answer (tokens)"), self.max_tokens)):
            f.addRow(label, w)
        tabs.addTab(sampling, self.tr("Answers"))
        # Documents
        docs = QWidget()
        f = QFormLayout(docs)
        from assistant.ui.embedder_row import EmbedderRow

        # the embedders found, "Add folder…"; see embedder_row.py
        self.embedder_row = EmbedderRow(s, recorded=self._recorded_embedders())
        self.embedder = self.embedder_row.combo
        f.addRow(self.tr("Embedding model"), self.embedder_row)
        self.reindex_dialog = None  # opened after saving a new embedder when collections need re-indexing
        tabs.addTab(docs, self.tr("Documents"))
        # Data
        data = QWidget()
        f = QFormLayout(data)
        p = hearth.paths
        for label, path in ((self.tr("Conversations and documents"), p.data), (self.tr("Settings"), p.config),
                            (self.tr("Cache"), p.cache), (self.tr("Logs"), p.logs)):
            open_btn = QPushButton(self.tr("Open"))
            open_btn.setAccessibleName(self.tr("Open the folder: %s") % label)
            open_btn.clicked.connect(lambda _c=False, d=str(path): QDesktopServices.openUrl(QUrl.fromLocalFile(d)))
            r = QHBoxLayout()
            lab = QLabel(str(path))
            lab.setWordWrap(True)
            r.addWidget(lab, 1)
            r.addWidget(open_btn)
            f.addRow(label, r)
        f.addRow(QLabel(self.tr("Set HEARTH_HOME (or start with --home FOLDER) to keep everything elsewhere.")))
        tabs.addTab(data, self.tr("Data"))
        # Local server (when the window runs one: see assistant/ui/server_tab.py)
        self.server_tab = None
        controller = getattr(parent, "local_server", None)
        if controller is not None:
            from assistant.ui.server_tab import LocalServerTab

            self.server_tab = LocalServerTab(controller, s)
            tabs.addTab(self.server_tab, self.tr("Local server"))
        self.tabs = tabs
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        lay.addWidget(buttons)
        self.resize(560, 420)

    @staticmethod
    def _dspin(lo: float, hi: float, step: float, value: float) -> QDoubleSpinBox:
        w = QDoubleSpinBox()
        w.setRange(lo, hi)
        w.setSingleStep(step)
        w.setDecimals(2)
        w.setValue(value)
        return w

    def _browse_model(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, self.tr("Choose a model"), os.path.dirname(self.default_model.text()),
                                               self.tr("GGUF models (*.gguf)"))
        if path:
            self.default_model.setText(path)

    def _forget_token(self) -> None:
        from assistant.core import secrets
        from assistant.core.models.download import TOKEN_SECRET

        secrets.delete_secret(TOKEN_SECRET)
        self.hf_token.clear()
        self.token_status.setText(self.tr("The saved Hugging Face token was removed from the keyring."))

    def _recorded_embedders(self) -> list[str]:
        """The embedders the collections were made with (Hearth's manifests; the automatic default follows them)."""
        try:
            return self.hearth.knowledge.recorded_embedders()
        except Exception:  # noqa: BLE001 - a damaged manifest: the list still opens, with int8 as the default
            log.warning("could not read the collections' embedders", exc_info=True)
            return []

    def _save_token(self) -> bool:
        """Store a newly typed token in the keyring; False (with the reason shown) if it cannot be."""
        token = self.hf_token.text().strip()
        if not token:
            return True  # nothing typed: keep whatever is saved
        from assistant.core import secrets
        from assistant.core.models.download import TOKEN_SECRET

        try:
            secrets.set_secret(TOKEN_SECRET, token)
        except secrets.NoKeyringError as e:
            self.tabs.setCurrentIndex(1)
            self.token_status.setText(e.in_words())
            return False
        self.hf_token.clear()
        return True

    def save(self) -> None:
        """Store the settings; language and theme apply at once.

        A typed Hugging Face token goes to the system keyring; when there is no safe keyring the
        dialog stays open and says so, and nothing is saved.
        """
        if not self._save_token():
            return
        s = self.hearth.settings
        old_lang, old_theme, old_size = s.language, s.theme, s.text_size
        s.language = self.language.currentData()
        s.theme = self.theme.currentData()
        s.text_size = self.text_size.value()
        s.system_prompt = self.system_prompt.toPlainText().strip()  # empty = no system prompt
        s.default_model = self.default_model.text().strip()
        s.chat_template_override = self.chat_template.currentData() or ""
        s.context_length = self.context.value()
        s.n_gpu_layers = self.gpu.currentText().strip() or "auto"
        s.sampling.temperature = self.temperature.value()
        s.sampling.top_p = self.top_p.value()
        s.sampling.top_k = self.top_k.value()
        s.sampling.min_p = self.min_p.value()
        s.sampling.repeat_penalty = self.repeat_penalty.value()
        s.sampling.max_tokens = self.max_tokens.value()
        old_embedder = s.embedder
        s.embedder = self.embedder_row.key()
        s.embedder_folders = list(self.embedder_row.folders)
        if self.server_tab is not None:
            self.server_tab.apply(s)
        self.hearth.save_settings()
        self.accept()
        if s.embedder != old_embedder:
            from assistant.ui.embedder_row import apply_embedder_change

            self.reindex_dialog = apply_embedder_change(self.hearth, old_embedder, s.embedder, self.parentWidget())
        if s.theme != old_theme:
            self.themeChanged.emit(s.theme)
        if s.text_size != old_size:
            from PySide6.QtWidgets import QApplication

            from assistant.ui.theme import apply_text_size

            apply_text_size(QApplication.instance(), s.text_size)  # type: ignore[arg-type]
            self.textSizeChanged.emit(s.text_size)
        if s.language != old_lang:
            self.languageChanged.emit(s.language)
