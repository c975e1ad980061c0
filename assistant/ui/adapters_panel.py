"""The adapters panel: registered LoRA adapters, each with an on/off box, a scale slider and its fit.

The boxes and sliders show and edit the adapters of the chat that is open (its ``adapters``
setting, which is what its answers use); switching chat shows that chat's. The library keeps
each adapter's last scale as the one it starts with when switched on in a chat.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import asdict, is_dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QSlider, QVBoxLayout, QWidget)

from assistant.core.adapters.registry import SCALE_MAX, SCALE_MIN, Adapter, AdapterRegistry
from assistant.core.engine.types import AdapterError, AdapterSpec
from assistant.ui.plaintext import plain_tooltip

log = logging.getLogger("assistant.ui")

_STEPS = 100  # slider steps per 1.0 of scale


class AdapterRow(QWidget):
    """One adapter: check box (enable), slider (-2..2), scale value, fit status, remove button."""

    def __init__(self, adapter: Adapter, fits: tuple[bool, str] | None, parent: QWidget | None = None,
                 checking: bool = False, on: bool | None = None, scale: float | None = None):
        super().__init__(parent)
        self.adapter_id = adapter.id
        self.setObjectName(f"adapter_{adapter.id}")
        self.enabled = QCheckBox(adapter.name)
        self.enabled.setChecked(adapter.enabled if on is None else on)
        # the architecture and targets come from the file's metadata: shown literally
        self.enabled.setToolTip(plain_tooltip(
            f"{adapter.path}\n{adapter.architecture}, rank {adapter.rank}, alpha "
            f"{adapter.alpha:g}, {adapter.n_pairs} pairs: {', '.join(adapter.targets)}"))
        scale = adapter.scale if scale is None else scale
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(int(SCALE_MIN * _STEPS), int(SCALE_MAX * _STEPS))
        self.slider.setValue(round(scale * _STEPS))
        self.value = QLabel(f"{scale:+.2f}")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.remove = QPushButton(self.tr("Remove"))
        top = QHBoxLayout()
        top.addWidget(self.enabled, 1)
        top.addWidget(self.slider, 2)
        top.addWidget(self.value)
        top.addWidget(self.remove)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addLayout(top)
        lay.addWidget(self.status)
        self.set_fit(fits)
        if checking:
            self.status.setText(self.tr("Checking against the loaded model…"))

    def set_fit(self, fits: tuple[bool, str] | None) -> None:
        """Show whether the adapter fits the loaded model; one that does not cannot be enabled."""
        if fits is None:
            self.status.setText(self.tr("No model loaded: not checked yet"))
            self.enabled.setEnabled(True)
            return
        ok, reason = fits
        self.status.setText(self.tr("Fits the loaded model") if ok else self.tr("Refused: ") + reason)
        self.status.setStyleSheet("" if ok else "color: #b00020")
        self.enabled.setEnabled(ok)
        if not ok:
            self.enabled.setChecked(False)

    def scale(self) -> float:
        return self.slider.value() / _STEPS


class AdaptersPanel(QWidget):
    """Lists the adapter library and lets the user switch adapters on and off and scale them.

    What is on, and at which scale, is the open chat's choice (:meth:`show_chat`); every change
    is reported through :attr:`adaptersChanged` and the window saves it in that chat.

    Args:
        registry: the adapter library (each adapter's last scale is remembered in it).
        model_path: returns the open chat's model file (or None); each adapter is checked against it.
        ask: asks a yes/no question (title, text) -> bool; tests replace it.

    Signals:
        adaptersChanged(list): the chat's adapters as a list of
            :class:`~assistant.core.engine.types.AdapterSpec`, after any toggle, scale change,
            addition or removal. The window saves it in the chat; its next answer uses them
            (no model reload).
    """

    adaptersChanged = Signal(list)
    _fitChecked = Signal(object)  # (adapter id, (ok, reason)) from the checking thread

    def __init__(self, registry: AdapterRegistry, model_path: Callable[[], str | None] = lambda: None,
                 ask: Callable[[str, str], bool] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.registry, self._model_path = registry, model_path
        self.ask = ask or self._ask
        self.rows: dict[str, AdapterRow] = {}
        self._chat: dict[str, float] = {}  # the open chat's adapters: path -> scale
        self._loading = False  # rows are being set from the chat: no change to report
        self._no_chat = False  # the window has no chat open: nothing can be switched on
        self._generation = 0  # counts refreshes: a fit checked for older rows is not shown
        self.add_button = QPushButton(self.tr("Add adapter…"))
        self.add_button.clicked.connect(self._choose_file)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # quotes file names and reasons
        self.message.setWordWrap(True)
        self.chat_note = QLabel()
        self.chat_note.setObjectName("adaptersChatNote")
        self.chat_note.setTextFormat(Qt.TextFormat.PlainText)
        self.chat_note.setWordWrap(True)
        self.rows_box = QVBoxLayout()
        lay = QVBoxLayout(self)
        lay.addWidget(self.chat_note)
        lay.addLayout(self.rows_box)
        lay.addWidget(self.message)
        lay.addWidget(self.add_button)
        lay.addStretch(1)
        self.setAcceptDrops(True)
        self._fitChecked.connect(self._show_fit)
        self.refresh()

    def show_chat(self, adapters: list[Any] | None) -> None:
        """Show the adapters a chat uses (its ``adapters`` setting); None: no chat is open.

        Nothing is reported back: this only shows the chat's choice. The fits are checked again,
        against the chat's model.
        """
        self._chat = {}
        for a in adapters or []:
            d = asdict(a) if is_dataclass(a) else dict(a)
            if d.get("path"):
                self._chat[str(d["path"])] = float(d.get("scale", 1.0))
        self._no_chat = adapters is None
        self.refresh()

    def _update_chat_note(self) -> None:
        known = {a.path for a in self.registry.list()}
        missing = [os.path.basename(p) for p in self._chat if p not in known]
        if self._no_chat:
            text = self.tr("Open a chat to choose the adapters its answers use.")
        elif missing:
            text = (self.tr("This chat's answers use the adapters switched on below, and these, which are "
                            "not in the library: ") + ", ".join(missing))
        else:
            text = self.tr("Switched on: the adapters this chat's answers use.")
        self.chat_note.setText(text)

    def _ask(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the text names a file
        return box.exec() == QMessageBox.StandardButton.Yes

    def refresh(self) -> None:
        """Rebuild the rows from the registry and the chat, and re-check fits against its model."""
        for row in self.rows.values():
            self.rows_box.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        self._generation += 1
        model = self._model_path()
        adapters = self.registry.list()
        no_chat = self._no_chat
        for a in adapters:
            on = a.path in self._chat
            row = AdapterRow(a, None, checking=bool(model), on=on,
                             scale=self._chat[a.path] if on else a.scale)
            row.setEnabled(not no_chat)
            row.enabled.toggled.connect(lambda on, aid=a.id: self._toggle(aid, on))
            row.slider.valueChanged.connect(lambda _v, r=row: r.value.setText(f"{r.scale():+.2f}"))
            row.slider.sliderReleased.connect(lambda r=row: self._scale(r))
            row.slider.valueChanged.connect(lambda _v, r=row: None if r.slider.isSliderDown() else self._scale(r))
            row.remove.clicked.connect(lambda _=False, aid=a.id: self.remove(aid))
            self.rows_box.addWidget(row)
            self.rows[a.id] = row
        self._update_chat_note()
        if model and adapters:
            # reading the model's tensor table takes longer than the GUI thread may block
            ids = [a.id for a in adapters]
            threading.Thread(target=self._check_fits, args=(ids, model, self._generation), daemon=True,
                             name="adapter-fit").start()

    def stop_checks(self) -> None:
        """Fits still being checked will not be shown (the window is closing)."""
        self._generation += 1

    def _check_fits(self, ids: list[str], model: str, generation: int) -> None:
        for aid in ids:
            try:
                fits = self.registry.compatible_with(aid, model)
            except (KeyError, OSError) as e:  # removed meanwhile, or a file gone: say so on the row
                fits = (False, str(e))
            try:
                self._fitChecked.emit((aid, fits, generation))
            except RuntimeError:  # the panel was closed meanwhile (a chat switch or the window closing)
                log.debug("adapters panel gone before the fit of %s was shown", aid)
                return

    def _show_fit(self, item: tuple[str, tuple[bool, str], int]) -> None:
        aid, fits, generation = item
        row = self.rows.get(aid)
        if row is None or generation != self._generation:  # checked for rows (or a chat) no longer shown
            return
        self._loading = True
        try:
            row.set_fit(fits)
        finally:
            self._loading = False
        path = self._path_of(aid)
        if not fits[0] and path in self._chat:
            del self._chat[path]
            self.adaptersChanged.emit(self.specs())

    def _path_of(self, adapter_id: str) -> str | None:
        try:
            return self.registry.get(adapter_id).path
        except KeyError:
            return None

    def specs(self) -> list[AdapterSpec]:
        """The chat's adapters as the panel shows them (library order; others the chat names last)."""
        known = [a.path for a in self.registry.list()]
        return ([AdapterSpec(p, self._chat[p]) for p in known if p in self._chat]
                + [AdapterSpec(p, s) for p, s in self._chat.items() if p not in known])

    def _toggle(self, adapter_id: str, on: bool) -> None:
        if self._loading:
            return
        path, row = self._path_of(adapter_id), self.rows.get(adapter_id)
        if path is None:
            return
        if on:
            self._chat[path] = row.scale() if row is not None else self.registry.get(adapter_id).scale
        else:
            self._chat.pop(path, None)
        self.adaptersChanged.emit(self.specs())

    def _scale(self, row: AdapterRow) -> None:
        if self._loading:
            return
        a = self.registry.get(row.adapter_id)
        changed = False
        if abs(a.scale - row.scale()) >= 1e-9:  # remembered as the scale it starts with next time
            self.registry.set_scale(row.adapter_id, row.scale())
        if a.path in self._chat and abs(self._chat[a.path] - row.scale()) >= 1e-9:
            self._chat[a.path] = row.scale()
            changed = True
        if changed:
            self.adaptersChanged.emit(self.specs())

    def add_file(self, path: str) -> Adapter | None:
        """Register a file; a refused one is explained in the panel, nothing else changes."""
        try:
            a = self.registry.add(path)
        except AdapterError as e:
            self.message.setText(self.tr("Not added: ") + str(e))
            self.message.setStyleSheet("color: #b00020")
            return None
        self.message.setText(self.tr("Added ") + a.name)
        self.message.setStyleSheet("")
        self.refresh()
        return a

    def remove(self, adapter_id: str) -> None:
        """Take an adapter out of the library; its file is deleted only if the user says so."""
        a = self.registry.get(adapter_id)
        delete = self.ask(self.tr("Remove adapter"),
                          self.tr("Also delete the file {0}? (No keeps the file.)").format(a.path))
        was_on = self._chat.pop(a.path, None) is not None
        self.registry.remove(adapter_id, delete_file=delete)
        self.refresh()
        if was_on:
            self.adaptersChanged.emit(self.specs())

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Add a LoRA adapter"), "",
                                              self.tr("GGUF adapters (*.gguf)"))
        if path:
            self.add_file(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.add_file(url.toLocalFile())
