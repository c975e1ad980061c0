"""Attaching files to a chat: the paperclip beside the message box and the progress line under it.

Attached files go into the chat's own collection (the core's :meth:`Hearth.collection_for_chat`
names and creates it when the chat has none) through the same ``knowledge.index`` call as the
Documents tab, in a worker; the line under the message box says which file is being read and
lets the user stop.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QVBoxLayout, QWidget

from assistant.ui.background import Bridge, Tasks
from assistant.ui.documents_panel import OK_STATUSES
from assistant.ui.errors import in_words

log = logging.getLogger("assistant.ui")


def paperclip_icon(color: QColor, size: int = 32) -> QIcon:
    """A paperclip drawn with lines (no emoji font needed), in ``color``."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 32
    p.translate(size / 2, size / 2)
    p.rotate(40)
    p.translate(-size / 2, -size / 2)
    p.scale(s, s)
    path = QPainterPath(QPointF(18, 10))
    path.lineTo(18, 22)
    path.arcTo(QRectF(12, 19, 6, 6), 0, -180)
    path.lineTo(12, 7)
    path.arcTo(QRectF(12, 2, 10, 10), 180, -180)
    path.lineTo(22, 24)
    path.arcTo(QRectF(8, 17, 14, 14), 0, -180)
    path.lineTo(8, 12)
    p.setPen(QPen(color, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    p.drawPath(path)
    p.end()
    return QIcon(pix)


class AttachButton(QToolButton):
    """The paperclip; its icon follows the theme's text colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachButton")
        self.setAutoRaise(True)
        self.setIconSize(QSize(20, 20))
        self._paint_icon()

    def _paint_icon(self) -> None:
        self.setIcon(paperclip_icon(self.palette().buttonText().color()))

    def changeEvent(self, e: QEvent) -> None:  # noqa: N802 (Qt API)
        if e.type() == QEvent.Type.PaletteChange:
            self._paint_icon()
        super().changeEvent(e)


class AttachBar(QWidget):
    """Indexes files attached to a chat and shows it: "Indexing report.pdf (2 of 3)…", a thin bar, ×.

    Hidden when nothing is being indexed. Attaching while a job runs queues the files.

    Signals:
        busyChanged(bool): a job started (True) or the last queued job ended (False).
        finished(str, str, list, bool): (conversation id, collection, FileReports, stopped by the
            user) when a job ended; a stopped job reports only the files it read.
        failed(str, str): (conversation id, the reason in words) when a job could not run at all.
    """

    busyChanged = Signal(bool)
    finished = Signal(str, str, list, bool)
    failed = Signal(str, str)

    def __init__(self, backend: Any, tasks: Tasks, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachBar")
        self.backend, self.tasks, self.bridge = backend, tasks, bridge
        self.label = QLabel("", self)
        self.label.setObjectName("attachProgressText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # file names are the user's text
        self.bar = QProgressBar(self)
        self.bar.setObjectName("attachProgress")
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(4)
        self.bar.setAccessibleName(self.tr("Indexing progress"))
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("attachCancel")
        self.cancel_button.setText("×")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.setToolTip(self.tr("Stop indexing after this file (files already read stay attached)"))
        self.cancel_button.setAccessibleName(self.tr("Stop indexing"))
        self.cancel_button.clicked.connect(self.cancel)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.label, 1)
        top.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.bar)
        self._queue: list[tuple[str, list[Path]]] = []
        self._conv: str | None = None  # the chat whose files are being indexed
        self._cancel = threading.Event()
        self.hide()

    @property
    def busy(self) -> bool:
        return self._conv is not None

    def busy_for(self, conv_id: str | None) -> bool:
        """Whether files attached to this chat are still being indexed (now or queued)."""
        return conv_id is not None and (self._conv == conv_id or any(c == conv_id for c, _p in self._queue))

    def attach(self, conv_id: str, paths: list[Path]) -> None:
        """Index ``paths`` into the chat's collection (created and set on the chat if it has none)."""
        if not paths:
            return
        self._queue.append((conv_id, list(paths)))
        if not self.busy:
            self._next()

    def cancel(self) -> None:
        """Stop after the current file and drop queued attachments."""
        self._queue.clear()
        self._cancel.set()
        self.label.setText(self.tr("Stopping after this file…"))

    def _next(self) -> None:
        if not self._queue:
            was = self.busy
            self._conv = None
            self.hide()
            if was:
                self.busyChanged.emit(False)
            return
        conv, paths = self._queue.pop(0)
        self._conv = conv
        self._cancel = threading.Event()
        self._seen: list[str] = []  # the files read so far, in order
        self._base: int | None = None  # files already done when reading began (unchanged ones)
        cancel, backend, bridge = self._cancel, self.backend, self.bridge
        self.bar.setRange(0, 0)  # busy until the files are counted
        self.label.setText(self.tr("Preparing to index %s…") % _names(paths))
        self.show()
        self.busyChanged.emit(True)  # also for the next queued job: it may be another chat's
        last = [0.0, ""]

        def progress(p: Any) -> None:
            now = time.monotonic()
            # at most ~20 updates a second reach the GUI thread, but never miss a new file
            if now - last[0] < 0.05 and p.current == last[1] and p.phase != "done":
                return
            last[0], last[1] = now, p.current
            bridge.to_main(self._progress, p)

        def run() -> tuple[str, list[Any]]:
            name = backend.collection_for_chat(conv)
            return name, backend.knowledge.index(name, paths, progress=progress, cancel=cancel)

        self.tasks.start(run, done=lambda r: self._done(conv, *r), error=lambda e: self._failed(conv, e))

    def _progress(self, p: Any) -> None:
        if self._cancel.is_set():
            return  # "Stopping…" stays until the job ends
        if not p.files_total:
            return
        # The indexer reads several small files before embedding them together, so files_done
        # lags: count a file from when it is first read (after those skipped as unchanged).
        if self._base is None:
            self._base = p.files_done
        if p.current and p.current not in self._seen:
            self._seen.append(p.current)
        n = min(self._base + (self._seen.index(p.current) + 1 if p.current else len(self._seen)), p.files_total)
        self.bar.setRange(0, p.files_total)
        self.bar.setValue(max(p.files_done, n - 1))
        if p.current and not (p.phase == "embedding" and p.current != self._seen[-1]):
            # a batch of files is embedded under its first file's name: the label stays on the last read
            self.label.setText(self.tr("Indexing %s (%d of %d)…") % (os.path.basename(p.current), n, p.files_total))

    def _done(self, conv: str, name: str, reports: list[Any]) -> None:
        self.finished.emit(conv, name, list(reports), self._cancel.is_set())
        self._next()

    def summary(self, name: str, reports: list[Any], stopped: bool = False) -> tuple[str, bool]:
        """(what to tell the user, whether it is an error) after attached files were indexed into ``name``."""
        ok = [r for r in reports if r.status in OK_STATUSES]
        if stopped:
            return self.tr("Indexing stopped: %d files added to “%s”, the others not.") % (len(ok), name), False
        if not reports:
            return self.tr("No file to add was found in what you attached."), True
        bad = [r for r in reports if r.status not in OK_STATUSES]
        if bad:
            why = "; ".join(self.tr("%s (%s)") % (os.path.basename(r.path), r.reason or r.status) for r in bad)
            return self.tr("Could not add %s to “%s”.") % (why, name), True
        if len(ok) == 1:
            return self.tr("Added %s to “%s”; answers in this chat search it.") % (
                os.path.basename(ok[0].path), name), False
        return self.tr("Added %d files to “%s”; answers in this chat search them.") % (len(ok), name), False

    def _failed(self, conv: str, e: BaseException) -> None:
        log.warning("attaching files failed: %s", e)
        self.failed.emit(conv, in_words(e))
        self._next()


def _names(paths: list[Path]) -> str:
    return paths[0].name if len(paths) == 1 else f"{paths[0].name} (+{len(paths) - 1})"
