"""The adapters panel: registered LoRA adapters, each with an on/off box, a scale slider and its fit."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QSlider, QVBoxLayout, QWidget)

from assistant.core.adapters.registry import SCALE_MAX, SCALE_MIN, Adapter, AdapterRegistry
from assistant.core.engine.types import AdapterError

log = logging.getLogger("assistant.ui")

_STEPS = 100  # slider steps per 1.0 of scale


class AdapterRow(QWidget):
    """One adapter: check box (enable), slider (-2..2), scale value, fit status, remove button."""

    def __init__(self, adapter: Adapter, fits: tuple[bool, str] | None, parent: QWidget | None = None,
                 checking: bool = False):
        super().__init__(parent)
        self.adapter_id = adapter.id
        self.setObjectName(f"adapter_{adapter.id}")
        self.enabled = QCheckBox(adapter.name)
        self.enabled.setChecked(adapter.enabled)
        self.enabled.setToolTip(f"{adapter.path}\n{adapter.architecture}, rank {adapter.rank}, alpha "
                                f"{adapter.alpha:g}, {adapter.n_pairs} pairs: {', '.join(adapter.targets)}")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(int(SCALE_MIN * _STEPS), int(SCALE_MAX * _STEPS))
        self.slider.setValue(round(adapter.scale * _STEPS))
        self.value = QLabel(f"{adapter.scale:+.2f}")
        self.status = QLabel()
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

    Args:
        registry: the adapter library (choices are saved in it).
        model_path: returns the loaded model's file (or None); each adapter is checked against it.
        ask: asks a yes/no question (title, text) -> bool; tests replace it.

    Signals:
        adaptersChanged(list): the enabled adapters as a list of
            :class:`~assistant.core.engine.types.AdapterSpec`, after any toggle, scale change,
            addition or removal. The window passes it to the engine (no model reload).
    """

    adaptersChanged = Signal(list)
    _fitChecked = Signal(object)  # (adapter id, (ok, reason)) from the checking thread

    def __init__(self, registry: AdapterRegistry, model_path: Callable[[], str | None] = lambda: None,
                 ask: Callable[[str, str], bool] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.registry, self._model_path = registry, model_path
        self.ask = ask or (lambda title, text: QMessageBox.question(self, title, text)
                           == QMessageBox.StandardButton.Yes)
        self.rows: dict[str, AdapterRow] = {}
        self.add_button = QPushButton(self.tr("Add adapter…"))
        self.add_button.clicked.connect(self._choose_file)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.rows_box = QVBoxLayout()
        lay = QVBoxLayout(self)
        lay.addLayout(self.rows_box)
        lay.addWidget(self.message)
        lay.addWidget(self.add_button)
        lay.addStretch(1)
        self.setAcceptDrops(True)
        self._fitChecked.connect(self._show_fit)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the rows from the registry and re-check fits against the current model."""
        for row in self.rows.values():
            self.rows_box.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        model = self._model_path()
        adapters = self.registry.list()
        for a in adapters:
            row = AdapterRow(a, None, checking=bool(model))
            row.enabled.toggled.connect(lambda on, aid=a.id: self._toggle(aid, on))
            row.slider.valueChanged.connect(lambda _v, r=row: r.value.setText(f"{r.scale():+.2f}"))
            row.slider.sliderReleased.connect(lambda r=row: self._scale(r))
            row.slider.valueChanged.connect(lambda _v, r=row: None if r.slider.isSliderDown() else self._scale(r))
            row.remove.clicked.connect(lambda _=False, aid=a.id: self.remove(aid))
            self.rows_box.addWidget(row)
            self.rows[a.id] = row
        if model and adapters:
            # reading the model's tensor table takes longer than the GUI thread may block
            ids = [a.id for a in adapters]
            threading.Thread(target=self._check_fits, args=(ids, model), daemon=True,
                             name="adapter-fit").start()

    def _check_fits(self, ids: list[str], model: str) -> None:
        for aid in ids:
            try:
                fits = self.registry.compatible_with(aid, model)
            except (KeyError, OSError) as e:  # removed meanwhile, or a file gone: say so on the row
                fits = (False, str(e))
            self._fitChecked.emit((aid, fits))

    def _show_fit(self, item: tuple[str, tuple[bool, str]]) -> None:
        aid, fits = item
        row = self.rows.get(aid)
        if row is None:
            return
        row.set_fit(fits)
        if not fits[0] and self.registry.get(aid).enabled:
            self.registry.set_enabled(aid, False)
            self.adaptersChanged.emit(self.specs())

    def specs(self) -> list:
        return self.registry.active_specs()

    def _toggle(self, adapter_id: str, on: bool) -> None:
        self.registry.set_enabled(adapter_id, on)
        self.adaptersChanged.emit(self.specs())

    def _scale(self, row: AdapterRow) -> None:
        a = self.registry.get(row.adapter_id)
        if abs(a.scale - row.scale()) < 1e-9:
            return
        self.registry.set_scale(row.adapter_id, row.scale())
        if a.enabled:
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
        was_on = a.enabled
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
