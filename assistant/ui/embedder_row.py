"""Settings → Documents → Embedder: the list of embedders, adding a model folder, and the re-index offer.

A face on :mod:`assistant.core.knowledge.embedder_choice`: which embedders exist, whether a folder is
a model and which collections need re-indexing are decided there.
"""
from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from assistant.core.knowledge import embedder_choice as ec
from assistant.core.knowledge.embedders import AUTO
from assistant.ui.background import Bridge


class EmbedderRow(QWidget):
    """A list of the embedders found, with "Add folder…" (checked, the reason shown when refused)."""

    def __init__(self, settings: Any, parent: QWidget | None = None, *, recorded: list[str] | None = None) -> None:
        """``recorded``: the embedders the collections were made with, which the automatic default ("") follows."""
        super().__init__(parent)
        self.folders = [f for f in getattr(settings, "embedder_folders", []) if isinstance(f, str)]
        self.combo = QComboBox()
        self.combo.setObjectName("embedder")
        self.combo.setAccessibleName(self.tr("Embedding model"))
        self.combo.setToolTip(self.tr("Changing it offers to re-index the collections made with the old one."))
        self.add_button = QPushButton(self.tr("Add folder…"))
        self.add_button.setAccessibleName(self.tr("Add a sentence-transformers model folder"))
        self.add_button.clicked.connect(self._browse)
        self.error = QLabel("")
        self.error.setObjectName("embedderError")
        self.error.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.add_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.error)
        # The automatic default is shown as what it stands for now, and kept automatic unless changed.
        self.setting = settings.embedder
        self.auto_key = ec.resolve_auto(recorded or []) if ec.is_auto(settings.embedder) else None
        self._fill(self.auto_key or settings.embedder)

    def _fill(self, current: str) -> None:
        self.combo.clear()
        for opt in ec.available_embedders(self.folders):
            self.combo.addItem(opt.label, opt.key)
        i = self.combo.findData(current)
        if i < 0 and current and not ec.is_minilm(current):  # a setting this list cannot offer: shown, not lost
            self.combo.addItem(self.tr("%s (not found)") % current, current)
            i = self.combo.count() - 1
        self.combo.setCurrentIndex(max(0, i))

    def key(self) -> str:
        """What Settings.embedder gets ("" while the automatic default's choice is left as it is)."""
        key = self.combo.currentData() or ec.MINILM
        return AUTO if self.auto_key is not None and key == self.auto_key else key

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a sentence-transformers model folder"))
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> bool:
        """Check ``folder`` and select it; False (the reason shown under the list) when it is not a model."""
        try:
            opt = ec.check_model_folder(folder)
        except ec.T.KnowledgeError as e:
            self.error.setText(e.in_words())
            return False
        self.error.setText("")
        if opt.key not in self.folders and opt.key != ec.MINILM:
            self.folders.append(opt.key)
        self._fill(opt.key)
        return True


class ReindexDialog(QDialog):
    """Offers to re-index the collections made with the previous embedder, then does it with a progress bar.

    Either way the new embedder is used from now on; collections not re-indexed say so when searched.

    Signals:
        finished_reindex(object): ``{collection: [FileReport]}`` when done (empty when declined).
    """

    finished_reindex = Signal(object)

    def __init__(self, hearth: Any, key: str, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reindexEmbedder")
        self.hearth, self.key, self.names = hearth, key, names
        self.cancel_event = threading.Event()
        self.bridge = Bridge(self)
        self.setWindowTitle(self.tr("Re-index documents"))
        self.label = QLabel(self.tr("%n collection(s) were indexed with the previous embedding model and cannot be "
                                    "searched with the new one until they are re-indexed: %1.", "", len(names))
                            .replace("%1", ", ".join(names)))
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.reindex_button = self.buttons.addButton(self.tr("Re-index now"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = self.buttons.addButton(self.tr("Later"), QDialogButtonBox.ButtonRole.RejectRole)
        self.reindex_button.clicked.connect(self.start)
        self.later_button.clicked.connect(self._later)
        lay = QVBoxLayout(self)
        for w in (self.label, self.bar, self.status, self.buttons):
            lay.addWidget(w)
        self.result_reports: dict | None = None

    def _later(self) -> None:
        if self.bar.isVisible():  # running: this is Cancel
            self.cancel_event.set()
            self.later_button.setEnabled(False)
            self.status.setText(self.tr("Stopping after the current file…"))
            return
        self.finished_reindex.emit({})
        self.reject()

    def start(self) -> None:
        """Re-index in a background thread, showing each file's progress."""
        self.reindex_button.setEnabled(False)
        self.later_button.setText(self.tr("Cancel"))
        self.bar.show()
        kb = self.hearth.knowledge
        threading.Thread(target=self._run, args=(kb,), name="hearth-reindex", daemon=True).start()

    def _run(self, kb: Any) -> None:
        try:
            kb.use_embedder(ec.make_embedder(self.key))
            out = ec.reindex_collections(kb, self.names, progress=self._progress, cancel=self.cancel_event)
        except Exception as e:  # noqa: BLE001 - shown to the user in words
            from assistant.core.errors import in_words

            self.bridge.to_main(self._failed, in_words(e))
            return
        self.bridge.to_main(self._done, out)

    def _progress(self, name: str, i: int, total: int, p: Any) -> None:
        self.bridge.to_main(self._show, name, i, total, p)

    def _show(self, name: str, i: int, total: int, p: Any) -> None:
        files_total = getattr(p, "files_total", 0) or 0
        self.bar.setRange(0, max(1, total * max(files_total, 1)))
        self.bar.setValue(i * max(files_total, 1) + (getattr(p, "files_done", 0) or 0))
        phase = getattr(p, "phase", "") if p is not None else ""
        self.status.setText(self.tr("Re-indexing %1 (%2 of %3)… %4").replace("%1", name)
                            .replace("%2", str(i + 1)).replace("%3", str(total)).replace("%4", phase))

    def _failed(self, text: str) -> None:
        self.bar.hide()
        self.status.setText(text)
        self.later_button.setText(self.tr("Close"))
        self.later_button.setEnabled(True)
        self.later_button.clicked.disconnect()
        self.later_button.clicked.connect(self.reject)
        self.finished_reindex.emit({})

    def _done(self, out: dict) -> None:
        self.result_reports = out
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        files = sum(len(v) for v in out.values())
        self.status.setText(self.tr("Re-indexed %1 collection(s), %2 file(s).").replace("%1", str(len(out)))
                            .replace("%2", str(files)))
        self.finished_reindex.emit(out)
        self.accept()


def apply_embedder_change(hearth: Any, old: str, new: str, parent: QWidget | None = None) -> ReindexDialog | None:
    """Use the new embedder; when collections were made with the old one, open the offer to re-index them.

    Returns:
        The dialog (opened, not modal-blocking) or None when nothing needs re-indexing.
    """
    if new == old:
        return None
    kb = hearth.knowledge
    new = ec.resolve(kb, new)  # the automatic default: what it stands for in this home
    names = [c.name for c in ec.collections_to_reindex(kb, new)]
    embedder = ec.make_embedder(new)  # cheap: the model loads on first use
    # use_embedder waits for a running indexing job: never on the GUI thread
    threading.Thread(target=kb.use_embedder, args=(embedder,), name="hearth-embedder", daemon=True).start()
    if not names:
        return None
    dlg = ReindexDialog(hearth, new, names, parent)
    dlg.open()
    return dlg
