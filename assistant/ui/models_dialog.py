"""The model manager: installed models with their facts and fit, add from disk, catalog downloads,
GPU layers and context, loading with progress and cancel."""
from __future__ import annotations

import logging
import os
import threading
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QMessageBox, QProgressBar, QPushButton, QSpinBox,
                               QTableView, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from assistant.ui.background import Tasks
from assistant.ui.errors import in_words
from assistant.ui.models_table import InstalledModelsModel, human_size, rows_from_registry

log = logging.getLogger("assistant.ui")


class ModelManagerDialog(QDialog):
    """Installed and downloadable models.

    Signals:
        modelChosen(str): the user chose a model (path) for the open chat.
        refreshed(): the installed list was re-read.
        message(str): something happened the user should read (also shown in the dialog).
    """

    modelChosen = Signal(str)
    refreshed = Signal()
    message = Signal(str)

    def __init__(self, hearth: Any, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks = hearth, tasks
        self.setObjectName("modelManager")
        self.setWindowTitle(self.tr("Models"))
        self.model = InstalledModelsModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("installedModels")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self.details = QLabel(self.tr("Reading the models…"), self)
        self.details.setWordWrap(True)
        self.details.setObjectName("modelDetails")
        self.info = QLabel("", self)
        self.info.setWordWrap(True)
        self.info.setObjectName("modelMessage")
        add = QPushButton(self.tr("Add from disk…"), self)
        add.clicked.connect(self.pick_file)
        self.use_button = QPushButton(self.tr("Use for this chat"), self)
        self.use_button.clicked.connect(self.use_selected)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.load_bar = QProgressBar(self)
        self.load_bar.setRange(0, 0)
        self.load_bar.hide()
        self.cancel_load = QPushButton(self.tr("Cancel loading"), self)
        self.cancel_load.clicked.connect(self.cancel_loading)
        self.cancel_load.hide()
        self.gpu_layers = QComboBox(self)
        self.gpu_layers.setEditable(True)
        self.gpu_layers.addItems(["auto", "0", "-1"])
        self.gpu_layers.setCurrentText(hearth.settings.n_gpu_layers)
        self.gpu_layers.setToolTip(self.tr("auto: as many as fit; 0: CPU only; -1: all layers"))
        self.context = QSpinBox(self)
        self.context.setRange(0, 262144)
        self.context.setSingleStep(1024)
        self.context.setSpecialValueText(self.tr("from the model"))
        self.context.setValue(hearth.settings.context_length)
        save = QPushButton(self.tr("Save"), self)
        save.clicked.connect(self.save_load_settings)
        form = QFormLayout()
        form.addRow(self.tr("GPU layers"), self.gpu_layers)
        form.addRow(self.tr("Context length"), self.context)
        buttons = QHBoxLayout()
        for b in (add, self.use_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        installed = QWidget()
        lay = QVBoxLayout(installed)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.details)
        row = QHBoxLayout()
        row.addLayout(form)
        row.addWidget(save, 0, Qt.AlignmentFlag.AlignBottom)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.load_bar)
        lay.addWidget(self.cancel_load)
        self.catalog = QTableWidget(0, 6, self)
        self.catalog.setObjectName("catalog")
        self.catalog.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Size"), self.tr("Licence"),
                                                self.tr("Suits"), self.tr("Fits this computer"), ""])
        self.catalog.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.catalog.verticalHeader().hide()
        self.catalog.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.download_bar = QProgressBar(self)
        self.download_bar.hide()
        self.download_label = QLabel("", self)
        self.cancel_download = QPushButton(self.tr("Cancel download"), self)
        self.cancel_download.hide()
        self.cancel_download.clicked.connect(lambda: self._dl_cancel.set())
        cat = QWidget()
        lay2 = QVBoxLayout(cat)
        lay2.addWidget(QLabel(self.tr("Good instruction-following models. Downloads resume if interrupted "
                                      "and are checked before use."), cat))
        self.find_online_button = QPushButton(self.tr("Find online…"), self)
        self.find_online_button.setObjectName("findOnline")
        self.find_online_button.setToolTip(self.tr("Search the Hugging Face hub for GGUF models; nothing is sent "
                                                   "until you search."))
        self.find_online_button.clicked.connect(self.find_online)
        lay2.addWidget(self.catalog, 1)
        lay2.addWidget(self.find_online_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay2.addWidget(self.download_label)
        lay2.addWidget(self.download_bar)
        lay2.addWidget(self.cancel_download)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(installed, self.tr("Installed"))
        self.tabs.addTab(cat, self.tr("Download"))
        outer = QVBoxLayout(self)
        outer.addWidget(self.tabs, 1)
        outer.addWidget(self.info)
        self.message.connect(self.info.setText)
        self._dl_cancel = threading.Event()
        self._downloading: set[str] = set()  # file names this dialog is downloading now
        self._entries: list[Any] = []
        self._backend_info: Any = None
        self.resize(820, 520)
        self._catalog_loaded = False
        self.hub_dialog: Any = None

    # installed ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read installed models (and the catalog the first time) in the background."""
        hearth = self.hearth

        def work() -> tuple[list[Any], list[Any]]:
            from assistant.core.models import fit

            if self._backend_info is None:
                from assistant.core.models import gpu

                self._backend_info = gpu.backend_info()
            bi = self._backend_info
            rows = rows_from_registry(hearth.models.list(), lambda f: hearth.model_fit(f, backend=bi))
            cat: list[Any] = []
            if not self._catalog_loaded:
                from assistant.core.models import catalog

                for e in catalog.load():
                    try:
                        cat.append((e, fit.estimate_entry(e, backend=bi)))
                    except Exception as ex:  # advice only
                        log.info("fit estimate for %s: %s", e.name, ex)
                        cat.append((e, None))
            return rows, cat

        self.tasks.start(work, done=self._refreshed, error=lambda e: self.message.emit(in_words(e)))

    def _refreshed(self, result: tuple[list[Any], list[Any]]) -> None:
        rows, cat = result
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        else:
            self.details.setText(self.tr("No models yet. Add a GGUF file from disk or download one."))
        if cat:
            self._catalog_loaded = True
            self._fill_catalog(cat)
        self.refreshed.emit()

    def selected_row(self) -> Any:
        idx = self.table.selectionModel().selectedRows()
        return self.model.row(idx[0].row()) if idx else None

    def _show_selected(self) -> None:
        r = self.selected_row()
        if r is None:
            return
        if r.problem:
            self.details.setText(r.problem)
            return
        ctx = f"{r.context_length:,}"
        self.details.setText(
            self.tr("%s: %s, %s, %s tokens of context, %s.") % (r.name, r.architecture, r.quantization, ctx,
                                                                human_size(r.size_bytes))
            + "\n" + r.fit_summary + ("\n" + r.gpu_plan if r.gpu_plan and r.gpu_plan not in r.fit_summary else ""))

    def pick_file(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, self.tr("Add a model"), "", self.tr("GGUF models (*.gguf)"))
        if path:
            self.add_from_disk(path)

    def add_from_disk(self, path: str) -> None:
        """Add a GGUF file; a damaged or non-model file is refused with the reason."""
        self.message.emit(self.tr("Checking %s…") % os.path.basename(path))

        def work() -> Any:

            return self.hearth.models.add_from_disk(path)

        def done(m: Any) -> None:
            self.message.emit(self.tr("Added %s.") % (getattr(m.facts, "name", "") or os.path.basename(path)))
            self.refresh()

        def failed(e: BaseException) -> None:
            self.message.emit(self.tr("Not added: %s") % in_words(e))
            self.info.setStyleSheet("color: #c62828;")

        self.info.setStyleSheet("")
        self.tasks.start(work, done=done, error=failed)

    def remove_selected(self) -> None:
        r = self.selected_row()
        if r is None:
            return
        try:

            self.hearth.models.remove(r.path)
        except (ValueError, OSError) as e:
            self.message.emit(str(e))
            return
        self.refresh()

    def use_selected(self) -> None:
        """Use the selected model for the open chat (it loads in the background)."""
        r = self.selected_row()
        if r is None or r.problem:
            return
        self.modelChosen.emit(r.path)
        self.load(r.path)

    def load(self, path: str) -> None:
        """Load a model now, with a busy bar and a cancel button; failure says why."""
        self.load_bar.show()
        self.cancel_load.show()
        self.message.emit(self.tr("Loading %s…") % os.path.basename(path))
        self.tasks.start(lambda: self.hearth.ensure_model(path, {"model": path}), done=self._loaded,
                         error=self._load_failed)

    def _loaded(self, facts: Any) -> None:
        self.load_bar.hide()
        self.cancel_load.hide()
        self.message.emit(self.tr("Loaded %s.") % getattr(facts, "name", ""))

    def _load_failed(self, e: BaseException) -> None:
        self.load_bar.hide()
        self.cancel_load.hide()
        self.message.emit(self.tr("The model could not be loaded: %s") % in_words(e))

    def cancel_loading(self) -> None:
        """Stop a model load in progress (the engine honours it between steps)."""
        get = getattr(self.hearth, "engine_if_started", None)
        eng = get() if get is not None else self.hearth.engine
        if eng is not None and hasattr(eng, "cancel"):
            eng.cancel()
        self.message.emit(self.tr("Loading cancelled."))
        self.load_bar.hide()
        self.cancel_load.hide()

    def save_load_settings(self) -> None:
        """GPU layers and context apply to the next load."""
        self.hearth.settings.n_gpu_layers = self.gpu_layers.currentText().strip() or "auto"
        self.hearth.settings.context_length = self.context.value()
        self.hearth.save_settings()
        self.message.emit(self.tr("Saved; used the next time a model loads."))
        self.refresh()

    # the hub ---------------------------------------------------------------------------------------
    def find_online(self) -> Any:
        """Open Find online: search the hub, download a model, use it for this chat."""
        from assistant.ui.hub_dialog import HubDialog

        if self.hub_dialog is None:
            self.hub_dialog = HubDialog(self.hearth, self.tasks, self)
            self.hub_dialog.downloaded.connect(lambda _p: self.refresh())
            self.hub_dialog.modelChosen.connect(self._use_from_hub)
        self.hub_dialog.show()
        self.hub_dialog.raise_()
        return self.hub_dialog

    def _use_from_hub(self, path: str) -> None:
        self.modelChosen.emit(path)
        self.load(path)

    # catalog ---------------------------------------------------------------------------------------
    def _fill_catalog(self, cat: list[Any]) -> None:
        self._entries = [e for e, _f in cat]
        self.catalog.setRowCount(len(cat))
        for i, (e, est) in enumerate(cat):
            size = e.display_size_mb
            name = e.name if e.sha256 else self.tr("%s (unverified)") % e.name
            vals = [name, f"{size} MB" if size else "", e.licence, e.hardware,
                    (est.summary if est is not None else "")]
            for c, v in enumerate(vals):
                it = QTableWidgetItem(v)
                it.setToolTip(v)
                self.catalog.setItem(i, c, it)
            if not e.sha256:
                self.catalog.item(i, 0).setToolTip(self._unverified_text(e))
            b = QPushButton(self.tr("Download"))
            b.clicked.connect(lambda _c=False, entry=e: self.download(entry))
            self.catalog.setCellWidget(i, 5, b)

    def _unverified_text(self, entry: Any) -> str:
        return self.tr("No checksum for %s has been published with Hearth's catalog, so Hearth cannot "
                       "prove the file is the one its authors released; only its size (and the "
                       "checksum the hub announces, if any) is checked.") % entry.name

    def confirm_unverified(self, entry: Any) -> bool:
        """Ask before downloading a model whose checksum is not in the catalog."""
        answer = QMessageBox.question(
            self, self.tr("Download an unverified model?"),
            self._unverified_text(entry) + "\n\n" + self.tr("Download it anyway?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def download(self, entry: Any) -> None:
        """Download a catalog model with progress; it can be cancelled and resumed later.

        A second request for a model already downloading only says so; a model without a
        published checksum asks first.
        """
        from assistant.core.models import download as dl

        if entry.filename in self._downloading or dl.is_downloading(entry.filename):
            self.tabs.setCurrentIndex(1)
            self.download_label.setText(self.tr("%s is already downloading.") % entry.name)
            return
        if not entry.sha256 and not self.confirm_unverified(entry):
            self.download_label.setText(self.tr("%s was not downloaded.") % entry.name)
            return
        self._downloading.add(entry.filename)
        self._dl_cancel = threading.Event()
        cancel = self._dl_cancel
        self.tabs.setCurrentIndex(1)
        self.download_bar.show()
        self.download_bar.setRange(0, 0)
        self.cancel_download.show()
        self.download_label.setText(self.tr("Downloading %s…") % entry.name)
        bridge = self.tasks.bridge

        def progress(done: int, total: int | None) -> None:
            bridge.to_main(self._dl_progress, done, total)

        def work() -> Any:
            from assistant.core.models import download

            return download.download_entry(entry, progress=progress, cancel=cancel, paths=self.hearth.paths)

        def done(r: Any) -> None:
            self._downloading.discard(entry.filename)
            self._dl_done(entry, r)

        def failed(e: BaseException) -> None:
            self._downloading.discard(entry.filename)
            self._dl_failed(e)

        self.tasks.start(work, done=done, error=failed)

    def _dl_progress(self, done: int, total: int | None) -> None:
        if total:
            self.download_bar.setRange(0, 1000)
            self.download_bar.setValue(int(done * 1000 / total))
            self.download_bar.setFormat(f"{human_size(done)} / {human_size(total)}")

    def _dl_done(self, entry: Any, result: Any) -> None:
        self.download_bar.hide()
        self.cancel_download.hide()
        self.download_label.setText(self.tr("%s is ready.") % entry.name)
        self.download_label.setToolTip(getattr(result, "message", ""))
        self.refresh()

    def _dl_failed(self, e: BaseException) -> None:
        self.download_bar.hide()
        self.cancel_download.hide()
        self.download_label.setText(in_words(e))
