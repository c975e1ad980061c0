"""Tools → Evaluate answers: ask a QA set's questions with one or two configurations (A and B) and
compare the scores, in the window.

The run goes through the same core evaluator as ``hearth eval answers``
(:func:`assistant.core.evals.answers.run_answers`, then
:func:`assistant.core.evals.report.write_report`) in the background pool; progress and the
result come back through the window's bridge. Stop sets the run's stop event: the answer being
written is cancelled, the finished ones are scored and the (partial) report is still written.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from assistant.ui.errors import in_words

log = logging.getLogger("assistant.ui")

FEEDBACK_SET = "my-feedback-set"  # folder under <data>/evals made from the 👎 answers with a better answer
METRIC_NAMES = {  # metric key -> words shown in the table (the key is the tooltip, as in the report)
    "n": QT_TRANSLATE_NOOP("EvalPanel", "Items"),
    "exact": QT_TRANSLATE_NOOP("EvalPanel", "Exact match"),
    "f1": QT_TRANSLATE_NOOP("EvalPanel", "F1"),
    "abstain_unanswerable": QT_TRANSLATE_NOOP("EvalPanel", "Abstains when unanswerable"),
    "abstain_answerable": QT_TRANSLATE_NOOP("EvalPanel", "Abstains wrongly (answerable)"),
    "citation_hit": QT_TRANSLATE_NOOP("EvalPanel", "Cites a passage with the answer"),
    "retrieval_hit": QT_TRANSLATE_NOOP("EvalPanel", "Retrieves a passage with the answer"),
    "supported_share": QT_TRANSLATE_NOOP("EvalPanel", "Sentences supported"),
    "unsupported_numbers": QT_TRANSLATE_NOOP("EvalPanel", "Unsupported numbers per answer"),
    "ttft_p50_s": QT_TRANSLATE_NOOP("EvalPanel", "First token, median (s)"),
    "tokens_per_s": QT_TRANSLATE_NOOP("EvalPanel", "Tokens per second"),
    "s_per_item": QT_TRANSLATE_NOOP("EvalPanel", "Seconds per item"),
    "errors": QT_TRANSLATE_NOOP("EvalPanel", "Errors"),
}


def make_feedback_set(hearth: Any) -> tuple[Path, int]:
    """Write "My feedback set" (👎 answers with a better answer, see ``hearth feedback to-evalset``).

    Returns:
        (the set's folder, how many questions it holds).
    """
    from assistant.core.evals.feedback import FeedbackStore, to_evalset

    folder = Path(hearth.paths.data) / "evals" / FEEDBACK_SET
    store = FeedbackStore(Path(hearth.paths.data) / "feedback.db")
    try:
        n = to_evalset(store.list(), folder)
    finally:
        store.close()
    return folder, n


def eta_text(seconds: float) -> str:
    """Seconds left as m:ss (h:mm:ss past an hour)."""
    s = int(max(0.0, seconds) + 0.5)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _num(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _signed(v: float) -> str:
    return f"{v:+.3f}".replace("-", "−")


class ConfigBox(QGroupBox):
    """One side of the comparison: the same choices as a chat (model, documents, retrieval...)."""

    def __init__(self, title: str, label: str, hearth: Any, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(f"evalConfig{label.upper()}")
        self.label = label
        s = hearth.settings.sampling
        self.model = QComboBox(self)
        self.model.setObjectName(f"evalModel{label.upper()}")
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(18)
        self.docs = QCheckBox(self.tr("Answer from the set's documents"), self)
        self.docs.setChecked(True)
        self.k = QSpinBox(self)
        self.k.setRange(1, 50)
        self.k.setValue(4)
        self.retrieval = QComboBox(self)
        for mode, words in (("hybrid", self.tr("hybrid (meaning + words)")), ("dense", self.tr("meaning only")),
                            ("bm25", self.tr("words only"))):
            self.retrieval.addItem(words, mode)
        self.grounding = QComboBox(self)
        for mode, words in (("off", self.tr("off (the model's words)")), ("balanced", self.tr("balanced")),
                            ("strict", self.tr("strict"))):
            self.grounding.addItem(words, mode)
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setRange(0.0, 5.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(float(s.temperature))
        self.max_tokens = QSpinBox(self)
        self.max_tokens.setRange(1, 32768)
        self.max_tokens.setValue(int(s.max_tokens))
        self.template = QComboBox(self)
        self.template.addItem(self.tr("none"), "")
        self.docs.toggled.connect(self.k.setEnabled)
        self.docs.toggled.connect(self.retrieval.setEnabled)
        form = QFormLayout(self)
        form.addRow(self.tr("Model"), self.model)
        form.addRow("", self.docs)
        form.addRow(self.tr("Passages (k)"), self.k)
        form.addRow(self.tr("Retrieval"), self.retrieval)
        form.addRow(self.tr("Grounding"), self.grounding)
        form.addRow(self.tr("Temperature"), self.temperature)
        form.addRow(self.tr("Longest answer (tokens)"), self.max_tokens)
        form.addRow(self.tr("Template"), self.template)

    def set_models(self, models: list[tuple[str, str]], keep: str | None = None) -> None:
        """Fill the model list with (label, path); keeps ``keep`` (or the current one) chosen."""
        want = keep or self.model.currentData()
        self.model.clear()
        for label, path in models:
            self.model.addItem(label, path)
            self.model.setItemData(self.model.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        if want:
            self.set_model(want)

    def set_model(self, path: str) -> None:
        """Choose a model by path (added to the list when it is not there yet)."""
        i = self.model.findData(path)
        if i < 0:
            self.model.addItem(Path(path).name, path)
            i = self.model.count() - 1
        self.model.setCurrentIndex(i)

    def set_templates(self, names: list[str]) -> None:
        current = self.template.currentData()
        self.template.clear()
        self.template.addItem(self.tr("none"), "")
        for n in names:
            self.template.addItem(n, n)
        self.template.setCurrentIndex(max(0, self.template.findData(current)))

    def pairs(self) -> list[str]:
        """The configuration as ``KEY=VALUE`` pairs, exactly as ``hearth eval answers --a/--b`` takes them."""
        out = [f"model={self.model.currentData()}"] if self.model.currentData() else []
        out.append(f"docs={'on' if self.docs.isChecked() else 'off'}")
        if self.docs.isChecked():
            out += [f"k={self.k.value()}", f"retrieval={self.retrieval.currentData()}"]
        out += [f"grounding={self.grounding.currentData()}", f"temperature={self.temperature.value():g}",
                f"max_tokens={self.max_tokens.value()}"]
        if self.template.currentData():
            out.append(f"template={self.template.currentData()}")
        return out


class EvalPanel(QDialog):
    """Pick a QA set, configure A (and B), run with progress and Stop, read the scores, open the report.

    Args:
        hearth: the core facade.
        tasks: the window's background pool (``start(fn, done, error)``, ``bridge``).

    Signals:
        setLoaded(int): the chosen set was read (how many questions it holds).
        runFinished(object): a run ended (its summary dict: ``n``, ``a``, ``b``, ``paired``, ``report``,
            ``interrupted``); the table and the report button are up to date.
        failed(str): a run could not start or ended with an error (in words).
    """

    setLoaded = Signal(int)
    runFinished = Signal(object)
    failed = Signal(str)

    def __init__(self, hearth: Any, tasks: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks = hearth, tasks
        self.setObjectName("evalPanel")
        self.setWindowTitle(self.tr("Evaluate answers"))
        self.open_url: Callable[[QUrl], Any] = QDesktopServices.openUrl  # tests replace it
        self.set_path = QLineEdit(self)
        self.set_path.setObjectName("evalSetPath")
        self.set_path.setPlaceholderText(self.tr("A QA set folder: docs/ and questions.jsonl"))
        self.set_path.editingFinished.connect(lambda: self.choose_set(self.set_path.text().strip()))
        self.pick_button = QPushButton(self.tr("Choose folder…"), self)
        self.pick_button.clicked.connect(self.pick_folder)
        self.feedback_button = QPushButton(self.tr("My feedback set"), self)
        self.feedback_button.setToolTip(self.tr("Your 👎 answers with a better answer, as questions"))
        self.feedback_button.clicked.connect(self.use_feedback_set)
        self.set_info = QLabel(self.tr("No set chosen."), self)
        self.set_info.setObjectName("evalSetInfo")
        self.set_info.setWordWrap(True)
        self.set_info.setTextFormat(Qt.TextFormat.PlainText)
        self.a = ConfigBox(self.tr("A"), "a", hearth, self)
        self.b = ConfigBox(self.tr("B (compared with A)"), "b", hearth, self)
        self.b.setCheckable(True)
        self.b.setChecked(True)
        self.b.docs.setChecked(False)
        self.limit = QSpinBox(self)
        self.limit.setObjectName("evalLimit")
        self.limit.setRange(0, 1_000_000)
        self.limit.setSpecialValueText(self.tr("all"))
        self.limit.setValue(30)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 1_000_000)
        self.run_button = QPushButton(self.tr("Run"), self)
        self.run_button.setObjectName("evalRun")
        self.run_button.setEnabled(False)
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton(self.tr("Stop"), self)
        self.stop_button.setObjectName("evalStop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("evalProgress")
        self.progress.hide()
        self.status = QLabel("", self)
        self.status.setObjectName("evalStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("evalMetrics")
        self.table.setHorizontalHeaderLabels([self.tr("A"), self.tr("B"), self.tr("B − A (95% interval)")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.paired_info = QLabel("", self)
        self.paired_info.setObjectName("evalPaired")
        self.report_button = QPushButton(self.tr("Open report"), self)
        self.report_button.setObjectName("evalOpenReport")
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(self.open_report)
        self._layout()
        self.qaset: Any = None
        self.report_path: Path | None = None
        self.summary: dict[str, Any] | None = None
        self.running = False
        self._stop = threading.Event()
        self._pending_models: tuple[str | None, str | None] = (None, None)
        self.resize(860, 720)
        self.refresh_choices()

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Set"), self))
        top.addWidget(self.set_path, 1)
        top.addWidget(self.pick_button)
        top.addWidget(self.feedback_button)
        sides = QHBoxLayout()
        sides.addWidget(self.a)
        sides.addWidget(self.b)
        run_row = QHBoxLayout()
        run_row.addWidget(QLabel(self.tr("Questions (drawn with the seed)"), self))
        run_row.addWidget(self.limit)
        run_row.addWidget(QLabel(self.tr("Seed"), self))
        run_row.addWidget(self.seed)
        run_row.addStretch(1)
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.stop_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.paired_info, 1)
        bottom.addWidget(self.report_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.set_info)
        lay.addLayout(sides)
        lay.addLayout(run_row)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)

    # choices -------------------------------------------------------------------------------------
    def refresh_choices(self) -> None:
        """Read the models (as a chat lists them, local ones) and the template names in a worker."""
        hearth = self.hearth

        def work() -> tuple[list[tuple[str, str]], list[str]]:
            from assistant.ui.model_picker import list_choices

            models = [(c.label, c.model) for c in list_choices(hearth) if not c.remote]
            try:
                names = list(hearth.templates.names())
            except Exception as e:  # the evaluation works without templates
                log.warning("cannot list the prompt templates: %s", e)
                names = []
            return models, names

        self.tasks.start(work, done=self._choices_read,
                         error=lambda e: self.status.setText(self.tr("Cannot list the models: %s") % in_words(e)))

    def _choices_read(self, found: tuple[list[tuple[str, str]], list[str]]) -> None:
        models, names = found
        for box, want in zip((self.a, self.b), self._pending_models):
            box.set_models(models, want)
            box.set_templates(names)

    def configure(self, a_model: str | None = None, b_model: str | None = None,
                  set_dir: str | Path | None = None) -> None:
        """Preset A's and B's models and the set (what "Compare on my documents" does)."""
        self._pending_models = (a_model or self._pending_models[0], b_model or self._pending_models[1])
        if a_model:
            self.a.set_model(a_model)
        if b_model:
            self.b.set_model(b_model)
            self.b.setChecked(True)
            self.b.docs.setChecked(self.a.docs.isChecked())  # compare the models, not the documents
        if set_dir is not None:
            self.choose_set(set_dir)

    # the set --------------------------------------------------------------------------------------
    def pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a QA set folder"), self.set_path.text())
        if folder:
            self.choose_set(folder)

    def choose_set(self, folder: str | Path) -> None:
        """Read a QA set folder in the background; Run is enabled once it is valid."""
        if not str(folder):
            return
        self.set_path.setText(str(folder))
        self.run_button.setEnabled(False)
        self.set_info.setText(self.tr("Reading %s…") % folder)

        def work() -> Any:
            from assistant.core.evals.answers import load_set

            qaset = load_set(folder)
            return qaset, sum(1 for p in qaset.docs_dir.rglob("*") if p.is_file())

        self.tasks.start(work, done=self._set_read, error=self._set_failed)

    def _set_read(self, found: tuple[Any, int]) -> None:
        qaset, docs = found
        self.qaset = qaset
        n = len(qaset.items)
        unanswerable = sum(it.unanswerable for it in qaset.items)
        self.set_info.setText(self.tr("%s: %s questions (%s unanswerable), %s documents.")
                              % (qaset.name, f"{n:,}", f"{unanswerable:,}", f"{docs:,}"))
        self.run_button.setEnabled(not self.running)
        self.setLoaded.emit(n)

    def _set_failed(self, e: BaseException) -> None:
        self.qaset = None
        self.set_info.setText(self.tr("Not a QA set: %s") % in_words(e))
        self.run_button.setEnabled(False)

    def use_feedback_set(self, ask_otherwise: bool = False) -> bool:
        """Choose "My feedback set" (written now from the feedback). Returns False when it is empty.

        Args:
            ask_otherwise: when it is empty, ask for a QA folder instead.
        """
        try:
            folder, n = make_feedback_set(self.hearth)
        except Exception as e:  # an unreadable feedback file: say so, the user can pick a folder
            log.warning("cannot write the feedback set: %s", e, exc_info=True)
            self.set_info.setText(self.tr("Your feedback set could not be made: %s") % in_words(e))
            return False
        if n == 0:
            self.set_info.setText(self.tr("Your feedback set is empty: rate an answer 👎 and write a better answer "
                                          "to add a question to it. Choose a QA set folder instead."))
            if ask_otherwise:
                self.pick_folder()
            return False
        self.choose_set(folder)
        return True

    # the run ---------------------------------------------------------------------------------------
    def run(self) -> None:
        """Start the evaluation in the background (A, and B when its box is ticked)."""
        from assistant.core.evals.qa_config import parse_config

        if self.running or self.qaset is None:
            return
        try:
            configs = [parse_config(self.a.pairs(), "a")]
            if self.b.isChecked():
                configs.append(parse_config(self.b.pairs(), "b"))
        except Exception as e:  # a bad choice is said in words, nothing starts
            self._fail(e)
            return
        set_dir, limit, seed = self.qaset.folder, self.limit.value() or None, self.seed.value()
        hearth, bridge = self.hearth, self.tasks.bridge
        self._stop = stop = threading.Event()
        report = Path(hearth.paths.data) / "evals" / f"{self.qaset.name}-{time.strftime('%Y%m%d-%H%M%S')}.html"
        self.running = True
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.report_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self.progress.show()
        self.status.setText(self.tr("Starting: loading the model…"))

        def progress(done: int, total: int, eta: float) -> None:
            bridge.to_main(self._progress, done, total, eta)

        def index_progress(p: Any) -> None:
            bridge.to_main(self._indexing, p.files_done, p.files_total)

        def work() -> dict[str, Any]:
            from assistant.core.evals.answers import run_answers
            from assistant.core.evals.report import metric_intervals, write_report

            run = run_answers(set_dir, configs, limit=limit, seed=seed, hearth=hearth, progress=progress,
                              index_progress=index_progress, stop=stop)
            path = write_report(run, report)
            return {"summary": run.summary(str(path)), "intervals": metric_intervals(run)}

        self.tasks.start(work, done=self._finished, error=self._fail)

    def stop(self) -> None:
        """Stop the run: the answer being written is dropped, the report is written for the finished ones."""
        if self.running:
            self._stop.set()
            self.stop_button.setEnabled(False)
            self.status.setText(self.tr("Stopping…"))

    def _indexing(self, done: int, total: int) -> None:
        if self.running and not self._stop.is_set():
            self.status.setText(self.tr("Indexing the set's documents: %d of %d files…") % (done, total))

    def _progress(self, done: int, total: int, eta: float) -> None:
        if not self.running:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(self.tr("%d of %d answers · %s left") % (done, total, eta_text(eta)))
        if not self._stop.is_set():
            self.status.setText(self.tr("Answering…"))

    def _end(self) -> None:
        self.running = False
        self.stop_button.setEnabled(False)
        self.run_button.setEnabled(self.qaset is not None)
        self.progress.hide()

    def _fail(self, e: BaseException) -> None:
        self._end()
        text = in_words(e)
        self.status.setText(self.tr("The evaluation did not run: %s") % text)
        self.failed.emit(text)

    def _finished(self, result: dict[str, Any]) -> None:
        self._end()
        s = self.summary = result["summary"]
        self.report_path = Path(s["report"])
        self.report_button.setEnabled(True)
        self._fill_table(s, result["intervals"])
        per_min = s.get("items_per_minute")
        speed = self.tr(", %s items a minute") % per_min if per_min else ""
        if s["interrupted"]:
            self.status.setText(self.tr("Stopped: %d items scored%s. The report holds them.") % (s["n"], speed))
        else:
            self.status.setText(self.tr("Done: %d items scored%s.") % (s["n"], speed))
        self.runFinished.emit(s)

    def _fill_table(self, s: dict[str, Any], intervals: dict[str, dict[str, Any]]) -> None:
        a, b = s.get("a") or {}, s.get("b")
        keys = list(a)
        self.table.setColumnCount(3 if b else 1)
        self.table.setRowCount(len(keys))
        self.table.setVerticalHeaderLabels([self.tr(METRIC_NAMES.get(k, k)) for k in keys])
        for row, key in enumerate(keys):
            self.table.verticalHeaderItem(row).setToolTip(key)
            cells = [_num(a.get(key))]
            if b:
                cells.append(_num(b.get(key)))
                cells.append(self._diff(key, a.get(key), b.get(key), intervals.get(key, {}).get("diff")))
            for col, text in enumerate(cells):
                it = QTableWidgetItem(text)
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, it)
        p = s.get("paired")
        self.paired_info.setText(self.tr("B better on %d items, equal on %d, worse on %d.")
                                 % (p["wins"], p["ties"], p["losses"]) if p else "")

    @staticmethod
    def _diff(key: str, va: Any, vb: Any, diff: Any) -> str:
        if diff is not None:
            mean, (lo, hi) = diff
            return f"{_signed(mean)}  [{_signed(lo)}, {_signed(hi)}]"
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and key != "n":
            return _signed(float(vb) - float(va))
        return ""

    def open_report(self) -> None:
        """Open the HTML report in the browser (a local file: nothing is fetched)."""
        if self.report_path is not None:
            self.open_url(QUrl.fromLocalFile(str(self.report_path)))

    def closeEvent(self, e: Any) -> None:
        self.stop()  # closing the panel ends the run; its report is still written
        super().closeEvent(e)
