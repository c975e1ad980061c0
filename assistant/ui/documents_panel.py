"""The Documents tab: collections, indexing jobs with progress, and every file's status.

Files come from a drop on the window, the "Add" buttons or a watched folder. Indexing runs in
the background (one job at a time per collection, queued); each file ends with a status the
user can read and act on: enter a password, retry, remove.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QInputDialog,
                               QLabel, QLineEdit, QMenu, QMessageBox, QProgressBar, QPushButton, QSizePolicy,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from assistant.ui.background import Bridge, Tasks, settle_heap
from assistant.core.i18n import default_collection_name
from assistant.ui.errors import in_words

log = logging.getLogger("assistant.ui")
DEFAULT_COLLECTION = "Documents"  # in English; the window names it in the user's language (default_collection_name)
PathRole = Qt.ItemDataRole.UserRole + 1
CollectionRole = Qt.ItemDataRole.UserRole + 2  # the collection a row's file belongs to
OK_STATUSES = {"indexed", "indexed (OCR)", "unchanged"}
PASSWORD_STATUSES = {"needs password", "wrong password"}
SKIPPED_STATUSES = {"skipped", "not found"}  # never read: retrying would change nothing
ROWS_PER_TURN = 20  # files added at once are listed this many per event-loop turn (the window stays live)


class DocumentsPanel(QWidget):
    """Collections and their files.

    Signals:
        collectionChosen(str): documents were added to this collection (the chat uses it).
        collectionsChanged(list): the names of all collections, after any change.
        jobFinished(str, list): (collection, FileReports) when an indexing job ends.
    """

    collectionChosen = Signal(str)
    collectionsChanged = Signal(list)
    jobFinished = Signal(str, list)

    def __init__(self, hearth: Any, tasks: Tasks, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks, self.bridge = hearth, tasks, bridge
        self.conv_id: str | None = None
        self.ready = False
        self.collection_box = QComboBox(self)
        self.collection_box.setObjectName("collections")
        self.collection_box.currentIndexChanged.connect(lambda _i: self.refresh_files())
        self.new_button = QPushButton(self.tr("New"), self)
        self.new_button.clicked.connect(lambda: self.create_collection())
        self.more_button = QPushButton(self.tr("More"), self)
        more = QMenu(self)
        more.addAction(self.tr("Rename…"), lambda: self.rename_collection())
        more.addAction(self.tr("Re-index all files"), self.reindex)
        more.addAction(self.tr("Delete collection…"), lambda: self.delete_collection())
        self.more_button.setMenu(more)
        for b in (self.new_button, self.more_button):
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.collection_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.collection_box.setMinimumContentsLength(12)
        self.collection_box.setPlaceholderText(self.tr("No collections yet"))
        top = QHBoxLayout()
        top.addWidget(self.collection_box, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.more_button)
        self.add_files_button = QPushButton(self.tr("Add files…"), self)
        self.add_files_button.clicked.connect(self.pick_files)
        self.add_folder_button = QPushButton(self.tr("Add folder…"), self)
        self.add_folder_button.clicked.connect(self.pick_folder)
        adds = QHBoxLayout()
        adds.addWidget(self.add_files_button)
        adds.addWidget(self.add_folder_button)
        self.watch_box = QCheckBox(self.tr("Watch added folders for changes"), self)
        self.watch_box.toggled.connect(self._watch_toggled)
        self.hint = QLabel(self.tr("Drop files or folders anywhere on the window to add them."), self)
        self.hint.setWordWrap(True)
        self.job_label = QLabel("", self)
        self.job_label.setWordWrap(True)
        self.job_bar = QProgressBar(self)
        self.job_bar.setObjectName("jobProgress")
        self.file_bar = QProgressBar(self)
        self.file_bar.setObjectName("fileProgress")
        self.file_bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.cancel_all)
        for w in (self.job_label, self.job_bar, self.file_bar, self.cancel_button):
            w.hide()
        self.files = QTreeWidget(self)
        self.files.setObjectName("files")
        self.files.setHeaderLabels([self.tr("File"), self.tr("Status"), self.tr("Chunks")])
        self.files.setRootIsDecorated(False)
        header = self.files.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 150)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.files.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.files.customContextMenuRequested.connect(self._file_menu)
        self.files.itemDoubleClicked.connect(lambda it, _c: self.file_action(it.data(0, PathRole)))
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(adds)
        lay.addWidget(self.watch_box)
        lay.addWidget(self.hint)
        lay.addWidget(self.job_label)
        lay.addWidget(self.job_bar)
        lay.addWidget(self.file_bar)
        lay.addWidget(self.cancel_button)
        lay.addWidget(self.files, 1)
        self._queue: list[tuple[str, list[Path], dict[str, str] | None]] = []
        self._running = False
        self._cancel = threading.Event()
        self._pending_paths: list[Path] = []
        self._watching = False
        self._refresh_gen = 0
        self.statuses: dict[str, tuple[str, str]] = {}  # path -> (status, reason), for tests and tooltips
        self.file_collections: dict[str, str] = {}  # path -> the collection that row belongs to
        self._rows: dict[str, QTreeWidgetItem] = {}  # path -> its row
        self._adding = 0  # batches of added files still being listed
        self._ok_brush = QBrush(QColor("#2e7d32"))
        self._bad_brush = QBrush(QColor("#c62828"))
        self.set_busy_state()

    # knowledge base (heavy: imported in a worker) -------------------------------------------------
    def warm_up(self, then: Any = None) -> None:
        """Open the knowledge base in the background, then list collections."""
        self.job_label.setText(self.tr("Opening the document index…"))
        self.job_label.show()

        def opened(_r: Any) -> None:
            self.ready = True
            self.job_label.hide()
            settle_heap()
            self.start_watching()
            self.refresh_collections()
            if self._pending_paths:
                paths, self._pending_paths = self._pending_paths, []
                self.add_paths(paths)
            if then is not None:
                then()

        def work() -> list[Any]:
            kb = self.hearth.knowledge
            infos = kb.list_collections()
            if infos:
                # Someone who uses documents: load the embedder now, in the background, rather
                # than on the first question (on ONNX Runtime: no torch import in this process).
                warm = getattr(kb.embedder, "warm", None)
                if warm is not None:
                    warm()
            return infos

        self.tasks.start(work, done=opened, error=self._failed)

    def start_watching(self) -> None:
        """Index changes in watched folders while Hearth runs (polled by the core in a thread)."""
        if self._watching:
            return
        self._watching = True
        bridge = self.bridge

        def work() -> None:
            self.hearth.knowledge.start_watching(
                lambda name, reports: bridge.to_main(self._watched_changed, name, reports))

        def failed(e: BaseException) -> None:  # watching is a convenience; the panel works without it
            self._watching = False
            log.warning("cannot watch folders: %s", e)

        self.tasks.start(work, error=failed)

    def _watched_changed(self, name: str, reports: list[Any]) -> None:
        if name == self.current_collection():
            for r in reports:
                self._show_file(r.path, r.status, r.reason, r.chunks, name)
        self.job_label.setText(self.tr("“%s”: %d files updated from a watched folder.") % (name, len(reports)))
        self.job_label.show()
        self.refresh_collections(select=self.current_collection() or name)

    def set_conversation(self, conv_id: str | None) -> None:
        self.conv_id = conv_id
        if self.ready:
            self.refresh_collections(select=self._conv_collection() or None)

    def _conv_collection(self) -> str:
        if self.conv_id is None:
            return ""
        return self.hearth.conversation_settings(self.conv_id).collection

    def current_collection(self) -> str:
        return self.collection_box.currentData() or ""

    def refresh_collections(self, select: str | None = None) -> None:
        """Re-read collections and the chosen one's files, in a worker.

        Every knowledge-base call runs off the GUI thread: while a collection is being indexed
        the knowledge base answers only when the current file is done.
        """
        if not self.ready:
            return
        want = select or self._conv_collection() or self.current_collection()
        self._refresh_gen += 1
        gen = self._refresh_gen
        def work() -> tuple[list[Any], str, list[Any]]:
            kb = self.hearth.knowledge
            infos = kb.list_collections()
            names = [c.name for c in infos]
            name = want if want in names else (names[0] if names else "")
            return infos, name, (kb.files(name) if name else [])

        self.tasks.start(work, done=lambda r: self._apply(gen, *r), error=self._failed)

    def _apply(self, gen: int, infos: list[Any], name: str, files: list[Any]) -> None:
        if gen != self._refresh_gen:
            return  # a newer refresh is on its way
        self.collection_box.blockSignals(True)
        self.collection_box.clear()
        for c in infos:
            self.collection_box.addItem(self.tr("%s (%d files)") % (c.name, c.files), c.name)
        self.collection_box.setCurrentIndex(self.collection_box.findData(name) if name else -1)
        self.collection_box.blockSignals(False)
        info = next((c for c in infos if c.name == name), None)
        self.watch_box.blockSignals(True)
        self.watch_box.setChecked(bool(info and info.watched))
        self.watch_box.blockSignals(False)
        queued = {p: (v, self.file_collections.get(p, "")) for p, v in self.statuses.items() if v[0] == "queued"}
        self.files.clear()
        self._rows = {}
        self.statuses = {}
        self.file_collections = {}
        for f in files:
            self._show_file(f.path, f.status, f.reason, f.chunks, name)
        if self._running or self._queue or self._adding:
            for p, ((st, reason), owner) in queued.items():  # files waiting for their turn stay listed
                if p not in self.statuses:
                    self._show_file(p, st, reason, 0, owner)
        self.set_busy_state()
        self.collectionsChanged.emit([c.name for c in infos])

    def refresh_files(self) -> None:
        """The user chose another collection: show its files."""
        self.refresh_collections(select=self.current_collection() or None)

    def _show_file(self, path: str, status: str, reason: str, chunks: int, collection: str) -> None:
        self.statuses[str(path)] = (status, reason)
        self.file_collections[str(path)] = collection
        it = self._rows.get(str(path))
        if it is None:
            it = QTreeWidgetItem(self.files)
            self._rows[str(path)] = it
        it.setText(0, os.path.basename(str(path)))
        it.setData(0, PathRole, str(path))
        it.setData(0, CollectionRole, collection)
        it.setText(1, self._status_words(status))
        it.setText(2, str(chunks))
        if collection and collection != self.current_collection():
            it.setToolTip(0, self.tr("%s\nin “%s”") % (path, collection))
        else:
            it.setToolTip(0, str(path))
        tip = self._status_words(status) + (f": {reason}" if reason else "")
        action = self._action_words(status)
        it.setToolTip(1, tip + (f"\n{action}" if action else ""))
        ok = status in OK_STATUSES
        it.setForeground(1, self._ok_brush if ok else self._bad_brush)

    def _status_words(self, status: str) -> str:
        words = {"indexed": self.tr("indexed"), "unchanged": self.tr("indexed"),
                 "indexed (OCR)": self.tr("indexed (OCR)"),
                 "needs password": self.tr("needs password"), "wrong password": self.tr("wrong password"),
                 "no text (scanned: needs OCR)": self.tr("no text (scanned: needs OCR)"),
                 "damaged": self.tr("damaged"), "unsupported": self.tr("unsupported"),
                 "too large": self.tr("too large"), "timed out": self.tr("timed out"),
                 "empty": self.tr("empty"), "garbled text": self.tr("garbled text"),
                 "cancelled": self.tr("cancelled"), "queued": self.tr("queued"),
                 "skipped": self.tr("skipped"), "not found": self.tr("not found")}
        return words.get(status, status)

    def _action_words(self, status: str) -> str:
        if status in PASSWORD_STATUSES:
            return self.tr("Double-click to enter the password.")
        if status in OK_STATUSES:
            return ""
        if status in SKIPPED_STATUSES:
            return self.tr("Hearth reads only regular files, and follows links only inside the folder; "
                           "right-click to remove the row.")
        return self.tr("Double-click to retry; right-click to remove.")

    # adding and indexing ------------------------------------------------------------------------------
    def pick_files(self) -> None:
        files, _f = QFileDialog.getOpenFileNames(self, self.tr("Add documents"))
        if files:
            self.add_paths([Path(f) for f in files])

    def pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder"))
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path], collection: str | None = None) -> None:
        """Index files and folders into the chat's collection (created if needed), in the background."""
        if not self.ready:
            self._pending_paths.extend(paths)
            if self.job_label.isHidden():
                self.warm_up()
            return
        name = collection or self._conv_collection() or self.current_collection() or default_collection_name()
        if self.collection_box.findData(name) < 0:
            self.collection_box.addItem(name, name)  # shown at once; the index creates it
        self.collection_box.blockSignals(True)
        self.collection_box.setCurrentIndex(self.collection_box.findData(name))
        self.collection_box.blockSignals(False)
        self.collectionChosen.emit(name)
        # Listed ROWS_PER_TURN at a time, one event-loop turn each (hundreds of files at once would
        # hold the window still); indexing starts once all are listed, so no "queued" row can
        # overwrite a file's result.
        self._adding += 1
        self._list_queued(name, list(paths), 0)

    def _list_queued(self, name: str, paths: list[Path], start: int) -> None:
        end = min(start + ROWS_PER_TURN, len(paths))
        for p in paths[start:end]:
            if p.is_file():
                self._show_file(str(p.resolve()), "queued", "", 0, name)
        if end < len(paths):
            QTimer.singleShot(0, self, lambda: self._list_queued(name, paths, end))
            return
        self._adding -= 1
        self.enqueue(name, paths)

    def enqueue(self, name: str, paths: list[Path], passwords: dict[str, str] | None = None) -> None:
        self._queue.append((name, list(paths), passwords))
        self._next_job()

    def _next_job(self) -> None:
        if self._running or not self._queue:
            return
        name, paths, passwords = self._queue.pop(0)
        self._running = True
        self._cancel = threading.Event()
        cancel = self._cancel
        self.set_busy_state()
        self.job_label.setText(self.tr("Indexing into “%s”…") % name)
        self.job_bar.setRange(0, 0)
        self.file_bar.setRange(0, 0)
        last = [0.0, ""]

        def progress(p: Any) -> None:
            now = time.monotonic()
            # at most ~20 updates a second reach the GUI thread, but never miss a new file
            if now - last[0] < 0.05 and p.current == last[1] and p.phase != "done":
                return
            last[0], last[1] = now, p.current
            self.bridge.to_main(self._progress, name, p)

        def run() -> list[Any]:
            return self.hearth.knowledge.index(name, paths, passwords=passwords, progress=progress, cancel=cancel)

        self.tasks.start(run, done=lambda reports: self._job_done(name, reports),
                         error=lambda e: self._job_failed(name, e))

    def _progress(self, name: str, p: Any) -> None:
        if p.files_total:
            self.job_bar.setRange(0, p.files_total)
            self.job_bar.setValue(p.files_done)
            self.job_bar.setFormat(self.tr("%v of %m files"))
        phase = {"scanning": self.tr("looking for files"), "parsing": self.tr("reading"),
                 "embedding": self.tr("understanding"), "done": self.tr("done")}.get(p.phase, p.phase)
        cur = os.path.basename(p.current) if p.current else ""
        self.job_label.setText(self.tr("“%s”: %s %s") % (name, phase, cur))
        if p.phase == "embedding":
            self.file_bar.setRange(0, 0)
        elif p.phase == "parsing":
            self.file_bar.setRange(0, 1)
            self.file_bar.setValue(0)

    def _job_done(self, name: str, reports: list[Any]) -> None:
        self._running = False
        for r in reports:
            self._show_file(r.path, r.status, r.reason, r.chunks, name)
        bad = [r for r in reports if r.status not in OK_STATUSES]
        self.job_label.setText(self.tr("“%s”: %d files indexed, %d need attention.")
                               % (name, len(reports) - len(bad), len(bad)))
        self.jobFinished.emit(name, reports)
        self._next_job()
        self.refresh_collections(select=name)

    def _job_failed(self, name: str, e: BaseException) -> None:
        self._running = False
        self._failed(e)
        self.set_busy_state()
        self._next_job()

    def _failed(self, e: BaseException) -> None:
        self.job_label.setText(in_words(e))
        self.job_label.show()

    def cancel_all(self) -> None:
        """Stop the running job after the current file, and drop queued ones."""
        self._queue.clear()
        self._cancel.set()

    def set_busy_state(self) -> None:
        busy = self._running
        for w in (self.job_bar, self.file_bar, self.cancel_button):
            w.setVisible(busy)
        if busy:
            self.job_label.show()
        has = self.collection_box.count() > 0
        self.more_button.setEnabled(has and not busy)
        self.watch_box.setEnabled(has)

    # per-file actions ---------------------------------------------------------------------------------------
    def _file_menu(self, pos: Any) -> None:
        it = self.files.itemAt(pos)
        if it is None:
            return
        path = it.data(0, PathRole)
        status = self.statuses.get(path, ("", ""))[0]
        menu = QMenu(self)
        if status in PASSWORD_STATUSES:
            menu.addAction(self.tr("Enter password…"), lambda: self.ask_password(path))
        menu.addAction(self.tr("Retry"), lambda: self.retry(path))
        menu.addAction(self.tr("Show reason"), lambda: self.show_reason(path))
        menu.addAction(self.tr("Remove from collection"), lambda: self.remove_file(path))
        menu.popup(self.files.viewport().mapToGlobal(pos))

    def file_action(self, path: str) -> None:
        """The obvious action for a file: password, or retry."""
        status = self.statuses.get(path, ("", ""))[0]
        if status in PASSWORD_STATUSES:
            self.ask_password(path)
        elif status not in OK_STATUSES and status not in SKIPPED_STATUSES:
            self.retry(path)

    def ask_password(self, path: str, password: str | None = None) -> None:
        """Ask for a PDF's password, then index it again with it (the password is not stored)."""
        if password is None:
            password, ok = QInputDialog.getText(
                self, self.tr("Password"), self.tr("Password for %s:") % os.path.basename(path),
                QLineEdit.EchoMode.Password)
            if not ok:
                return
        name = self.collection_of(path)
        self._show_file(path, "queued", "", 0, name)
        self.enqueue(name, [Path(path)], {str(path): password})

    def collection_of(self, path: str) -> str:
        """The collection a listed file belongs to (not necessarily the one selected now)."""
        return self.file_collections.get(str(path)) or self.current_collection()

    def retry(self, path: str) -> None:
        """Index a file again, into its own collection."""
        name = self.collection_of(path)
        self._show_file(path, "queued", "", 0, name)
        self.enqueue(name, [Path(path)])

    def show_reason(self, path: str) -> None:
        status, reason = self.statuses.get(path, ("", ""))
        QMessageBox.information(self, os.path.basename(path),
                                f"{self._status_words(status)}\n\n{reason}\n\n{self._action_words(status)}")

    def remove_file(self, path: str) -> None:
        name = self.collection_of(path)
        self.tasks.start(lambda: self.hearth.knowledge.remove_file(name, Path(path)),
                         done=lambda _r: self.refresh_collections(select=name), error=self._failed)

    # collections ---------------------------------------------------------------------------------------------
    def _in_worker(self, fn: Any, select: str | None = None) -> None:
        """Run a knowledge-base change in the background, then refresh (errors shown in words)."""
        self.tasks.start(fn, done=lambda _r: self.refresh_collections(select=select), error=self._failed)

    def create_collection(self, name: str | None = None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self, self.tr("New collection"), self.tr("Name:"))
            if not ok:
                return
        name = name.strip()
        if name:
            self._in_worker(lambda: self.hearth.knowledge.create_collection(name), select=name)

    def rename_collection(self, new: str | None = None) -> None:
        old = self.current_collection()
        if not old:
            return
        if new is None:
            new, ok = QInputDialog.getText(self, self.tr("Rename collection"), self.tr("Name:"), text=old)
            if not ok:
                return
        new = new.strip()
        hearth = self.hearth
        # the core renames it and moves the chats answering from it to the new name
        self._in_worker(lambda: hearth.rename_collection(old, new), select=new)

    def delete_collection(self, confirm: bool = True) -> None:
        name = self.current_collection()
        if not name:
            return
        if confirm and QMessageBox.question(
                self, self.tr("Delete collection"),
                self.tr("Delete “%s” and its index? Your files themselves are not touched.") % name
        ) != QMessageBox.StandardButton.Yes:
            return
        self._in_worker(lambda: self.hearth.knowledge.delete_collection(name))

    def reindex(self) -> None:
        name = self.current_collection()
        if not name:
            return
        self._running = True
        self.set_busy_state()
        self.job_label.setText(self.tr("Re-indexing “%s”…") % name)
        self.tasks.start(lambda: self.hearth.knowledge.reindex(name),
                         done=lambda reports: self._job_done(name, reports or []),
                         error=lambda e: self._job_failed(name, e))

    def _watch_toggled(self, on: bool) -> None:
        name = self.current_collection()
        if not name:
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder to watch")) if on else ""
        if on and not folder:
            self.watch_box.setChecked(False)
            return
        def work() -> None:
            kb = self.hearth.knowledge
            if on:
                kb.watch(name, Path(folder), True)
            else:
                info = next((c for c in kb.list_collections() if c.name == name), None)
                for f in (info.watched if info else []):
                    kb.watch(name, Path(f), False)

        def done(_r: Any) -> None:
            if on:
                self.start_watching()
                self.add_paths([Path(folder)], collection=name)  # index what is there now
            else:
                self.refresh_collections(select=name)

        self.tasks.start(work, done=done, error=self._failed)
