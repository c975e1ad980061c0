"""Models → Find online: search the Hugging Face hub for GGUF models, see each quantisation's size,
fit and expected speed on this computer, download one (verified, with progress and cancel), and
use it for the open chat. Every hub call runs in the background pool; the hub is contacted only
when the user searches, opens a result or downloads."""
from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from assistant.ui.errors import in_words
from assistant.ui.models_table import human_size

log = logging.getLogger("assistant.ui")


def _table(parent: QWidget, name: str, headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers), parent)
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.setWordWrap(False)
    return t


def _fill_row(table: QTableWidget, row: int, values: list[str], tips: list[str] | None = None) -> None:
    for c, v in enumerate(values):
        it = QTableWidgetItem(v)
        it.setToolTip((tips[c] if tips and tips[c] else v))
        table.setItem(row, c, it)


class HubDialog(QDialog):
    """Search the hub and download a model.

    Args:
        hearth: the facade (settings for the context length and GPU layers, paths).
        tasks: the window's background pool (``start(fn, done, error)`` and a ``bridge``).
        endpoint: the hub's address (default: see :func:`assistant.core.models.hub.resolve_endpoint`).

    Signals:
        searched(): search results are shown.
        filesShown(): the selected repository's quantisations are shown.
        downloaded(str): a model finished downloading (its path) and is in the list.
        modelChosen(str): the user chose the downloaded model for the open chat.
        compareOpened(object): "Compare on my documents" opened the Evaluate panel (given).
        message(str): something the user should read (also shown in the dialog).
    """

    searched = Signal()
    filesShown = Signal()
    downloaded = Signal(str)
    modelChosen = Signal(str)
    compareOpened = Signal(object)
    message = Signal(str)

    def __init__(self, hearth: Any, tasks: Any, parent: QWidget | None = None, endpoint: str | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks, self.endpoint = hearth, tasks, endpoint
        self.setObjectName("hubDialog")
        self.setWindowTitle(self.tr("Find a model online"))
        self.query = QLineEdit(self)
        self.query.setObjectName("hubQuery")
        self.query.setPlaceholderText(self.tr("Model name, e.g. qwen 1.5b instruct"))
        self.query.returnPressed.connect(self.search)
        self.sort = QComboBox(self)
        self.sort.addItem(self.tr("Most downloaded"), "downloads")
        self.sort.addItem(self.tr("Recently updated"), "recent")
        self.search_button = QPushButton(self.tr("Search"), self)
        self.search_button.clicked.connect(self.search)
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.sort)
        top.addWidget(self.search_button)
        self.results = _table(self, "hubResults", [self.tr("Model"), self.tr("Downloads"), self.tr("Likes"),
                                                   self.tr("Licence"), self.tr("Updated"), self.tr("Access")])
        self.results.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.results.itemSelectionChanged.connect(self._result_selected)
        self.files = _table(self, "hubFiles", [self.tr("Quantisation"), self.tr("Size"), self.tr("Fits this computer"),
                                               self.tr("Expected speed"), self.tr("File")])
        self.files.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.files.itemSelectionChanged.connect(self._file_selected)
        self.header_info = QLabel("", self)
        self.header_info.setObjectName("hubHeaderInfo")
        self.header_info.setWordWrap(True)
        self.download_button = QPushButton(self.tr("Download"), self)
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button = QPushButton(self.tr("Cancel download"), self)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(lambda: self._cancel.set())
        self.use_button = QPushButton(self.tr("Use for this chat"), self)
        self.use_button.hide()
        self.use_button.clicked.connect(self.use_downloaded)
        self.compare_button = QPushButton(self.tr("Compare on my documents"), self)
        self.compare_button.setObjectName("hubCompare")
        self.compare_button.setToolTip(self.tr("Evaluate the chat's model (A) against this one (B) on your feedback "
                                               "set or a QA folder"))
        self.compare_button.hide()
        self.compare_button.clicked.connect(self.compare_downloaded)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.status = QLabel(self.tr("Nothing is sent to the internet until you search."), self)
        self.status.setObjectName("hubStatus")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.download_button, self.cancel_button, self.use_button, self.compare_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lower = QWidget(self)
        lay2 = QVBoxLayout(lower)
        lay2.setContentsMargins(0, 0, 0, 0)
        lay2.addWidget(self.header_info)
        lay2.addWidget(self.files, 1)
        lay2.addLayout(buttons)
        lay2.addWidget(self.progress)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.results)
        split.addWidget(lower)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(split, 1)
        outer.addWidget(self.status)
        self.message.connect(self.status.setText)
        self._models: list[Any] = []
        self._repo: Any = None  # RepoFiles of the selected result
        self._cancel = threading.Event()
        self._downloading = False
        self._last_path: str | None = None
        self._generation = 0  # results of an older search or selection are dropped
        self._backend: Any = None
        self.resize(900, 620)

    # search ------------------------------------------------------------------------------------
    def search(self) -> None:
        """Search the hub in the background for the words in the box."""
        query = self.query.text().strip()
        sort = self.sort.currentData()
        self._generation += 1
        gen = self._generation
        self.search_button.setEnabled(False)
        self.message.emit(self.tr("Searching the hub for “%s”…") % query)
        endpoint = self.endpoint

        def work() -> list[Any]:
            from assistant.core.models import hub

            return hub.search(query, sort=sort, limit=30, endpoint=endpoint)

        def failed(e: BaseException) -> None:
            self.search_button.setEnabled(True)
            self.message.emit(self.tr("The search did not work: %s") % in_words(e))

        self.tasks.start(work, done=lambda r: self._show_results(gen, query, r), error=failed)

    def _show_results(self, gen: int, query: str, models: list[Any]) -> None:
        self.search_button.setEnabled(True)
        if gen != self._generation:
            return
        self._models = models
        self.results.setRowCount(len(models))
        for i, m in enumerate(models):
            access = self.tr("needs a token") if m.is_gated else self.tr("open")
            _fill_row(self.results, i, [m.id, f"{m.downloads:,}", f"{m.likes:,}", m.licence or "?",
                                        m.last_modified[:10], access])
        self.files.setRowCount(0)
        self.header_info.setText("")
        self.message.emit(self.tr("%d GGUF models found for “%s”.") % (len(models), query) if models
                          else self.tr("No GGUF models found for “%s”.") % query)
        self.searched.emit()

    def selected_model(self) -> Any:
        rows = self.results.selectionModel().selectedRows()
        return self._models[rows[0].row()] if rows and rows[0].row() < len(self._models) else None

    # one repository's files ------------------------------------------------------------------------
    def _result_selected(self) -> None:
        m = self.selected_model()
        if m is not None:
            self.show_files(m.id)

    def show_files(self, repo: str) -> None:
        """List a repository's quantisations with size, fit and speed (reads its header by range request)."""
        self._generation += 1
        gen = self._generation
        self.files.setRowCount(0)
        self.download_button.setEnabled(False)
        self.message.emit(self.tr("Reading the files of %s…") % repo)
        settings, endpoint = self.hearth.settings, self.endpoint

        def work() -> Any:
            from assistant.core.models import hub

            if self._backend is None:
                from assistant.core.models import gpu

                self._backend = gpu.backend_info()
            return hub.repo_files(repo, n_ctx=settings.context_length or None, gpu_layers=settings.n_gpu_layers,
                                  endpoint=endpoint, backend=self._backend)

        def failed(e: BaseException) -> None:
            if gen == self._generation:
                self.message.emit(self.tr("The files of %s could not be listed: %s") % (repo, in_words(e)))

        self.tasks.start(work, done=lambda rf: self._show_files(gen, rf), error=failed)

    def _show_files(self, gen: int, rf: Any) -> None:
        if gen != self._generation:
            return
        from assistant.core.models import hub

        self._repo = rf
        self.files.setRowCount(len(rf.quantisations))
        for i, q in enumerate(rf.quantisations):
            fit = q.fit.summary if q.fit else ""
            if q.missing_parts:
                fit = self.tr("Part %s of the split file is missing; it cannot be loaded.") % \
                    ", ".join(map(str, q.missing_parts))
            speed = self.tr("~%s tokens/s") % f"{q.tokens_per_s:g}" if q.tokens_per_s else "?"
            parts = self.tr(" (%d parts)") % len(q.files) if q.parts_expected > 1 else ""
            _fill_row(self.files, i, [q.name, human_size(q.size_bytes), fit, speed, q.label + parts],
                      ["", "", fit, self.tr("Measured on %s") % hub.MEASURED_SPEED["machine"], ""])
        h = rf.header
        if h is not None:
            tmpl = (self.tr("has its own chat template") if h.chat_template
                    else self.tr("has no chat template (Hearth picks one for %s)") % h.facts.architecture)
            self.header_info.setText(self.tr("%s: %s, %s tokens of context; %s.")
                                     % (rf.model.id, h.facts.architecture, f"{h.context_length:,}", tmpl))
            self.header_info.setToolTip(h.chat_template or "")
        else:
            self.header_info.setText(rf.header_problem or "")
        if rf.quantisations:
            self.files.selectRow(0)
        self.message.emit(self.tr("%d files in %s.") % (len(rf.quantisations), rf.model.id))
        self.filesShown.emit()

    def selected_quantisation(self) -> Any:
        rows = self.files.selectionModel().selectedRows()
        if not rows or self._repo is None or rows[0].row() >= len(self._repo.quantisations):
            return None
        return self._repo.quantisations[rows[0].row()]

    def _file_selected(self) -> None:
        q = self.selected_quantisation()
        self.download_button.setEnabled(q is not None and not q.missing_parts and not self._downloading)

    # download ------------------------------------------------------------------------------------
    def download_selected(self) -> None:
        """Download the selected file (all its parts), verified against the hub's sha256."""
        q, rf = self.selected_quantisation(), self._repo
        if q is None or rf is None or self._downloading:
            return
        self._downloading = True
        self._cancel = threading.Event()
        cancel, bridge = self._cancel, self.tasks.bridge
        model, paths, endpoint = rf.model, self.hearth.paths, self.endpoint
        self.download_button.setEnabled(False)
        self.use_button.hide()
        self.compare_button.hide()
        self.cancel_button.show()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.emit(self.tr("Downloading %s…") % q.label)

        def progress(done: int, total: int | None) -> None:
            bridge.to_main(self._progress, done, total)

        def work() -> Any:
            from assistant.core.models import hub

            return hub.download_quantisation(model, q, progress=progress, cancel=cancel, paths=paths,
                                             endpoint=endpoint)

        self.tasks.start(work, done=lambda p: self._downloaded(q, p), error=self._download_failed)

    def _progress(self, done: int, total: int | None) -> None:
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(done * 1000 / total))
            self.progress.setFormat(f"{human_size(done)} / {human_size(total)}")

    def _end_download(self) -> None:
        self._downloading = False
        self.cancel_button.hide()
        self.progress.hide()
        self._file_selected()

    def _downloaded(self, q: Any, path: Any) -> None:
        self._end_download()
        self._last_path = str(path)
        self.use_button.show()
        self.compare_button.show()
        self.message.emit(self.tr("%s is ready (checked against the hub's checksum).") % q.label)
        self.downloaded.emit(str(path))

    def _download_failed(self, e: BaseException) -> None:
        self._end_download()
        self.message.emit(self.tr("The download did not finish: %s") % in_words(e))

    def use_downloaded(self) -> None:
        """Use the model just downloaded for the open chat."""
        if self._last_path:
            self.modelChosen.emit(self._last_path)
            self.message.emit(self.tr("Using %s for this chat.") % self._last_path)

    def compare_downloaded(self) -> Any:
        """Open the Evaluate panel: A = the open chat's model, B = the model just downloaded.

        The window that owns this dialog picks the set (the feedback set, else a folder it asks
        for); without such a window the panel opens here with the same choices.
        """
        if not self._last_path:
            return None
        host = self.parentWidget()
        while host is not None and not hasattr(host, "compare_on_my_documents"):
            host = host.parentWidget()
        if host is not None:
            panel = host.compare_on_my_documents(self._last_path)
        else:
            from assistant.ui.eval_panel import EvalPanel

            panel = EvalPanel(self.hearth, self.tasks, self)
            panel.configure(b_model=self._last_path)
            panel.show()
            panel.use_feedback_set(ask_otherwise=True)
        self.compareOpened.emit(panel)
        return panel
