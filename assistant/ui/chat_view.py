"""The chat in the middle of the window: transcript, composer, send and stop.

Generation runs in a worker that iterates the core's reply; chunks are collected in a buffer
and a 50 ms timer moves them into the last row, so a fast model never floods the GUI thread.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication, QKeyEvent, QMouseEvent,
                           QTextCursor, QWheelEvent)
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QListView,
                               QMenu, QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from assistant.ui.attach import AttachBar, AttachButton
from assistant.ui.background import Bridge, Tasks
from assistant.core.conversations.sources import openable_source
from assistant.core.engine.remote_servers import NeedsConsent
from assistant.core.answers.reasoning import ReasoningSplitter, has_reasoning
from assistant.ui.chat_delegate import (MessageDelegate, answer_anyway_label, answer_text, citation_page,
                                        code_blocks, other_answer_label)
from assistant.ui.chat_model import ChatItem, ItemRole, TranscriptModel
from assistant.ui.errors import in_words
from assistant.ui.model_picker import ModelPicker

log = logging.getLogger("assistant.ui")


class Composer(QPlainTextEdit):
    """The message box: Enter sends, Shift+Enter starts a new line; files dropped on it are attached.

    Signals:
        submitted(): the user pressed Enter.
        upInEmpty(): Up was pressed in the empty box (the chat offers the last question to edit).
        filesDropped(list): local files or folders (Paths) were dropped on the box.
    """

    submitted = Signal()
    upInEmpty = Signal()
    filesDropped = Signal(list)

    @staticmethod
    def _dropped(e: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> list[Path]:
        """The dragged local files and folders; none when a link or text is dragged (typed into the box)."""
        mime = e.mimeData()
        urls = mime.urls() if mime.hasUrls() else []
        if not urls or not all(u.isLocalFile() for u in urls):
            return []
        return [Path(u.toLocalFile()) for u in urls]

    @staticmethod
    def _models(paths: list[Path]) -> bool:
        return any(p.suffix.lower() == ".gguf" for p in paths)

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        paths = self._dropped(e)
        if not paths:
            super().dragEnterEvent(e)
        elif self._models(paths):
            e.ignore()  # left to the window, whose model manager takes models
        else:
            e.acceptProposedAction()

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:  # noqa: N802 (Qt API)
        paths = self._dropped(e)
        if not paths:
            super().dragMoveEvent(e)
        elif self._models(paths):
            e.ignore()
        else:
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802 (Qt API)
        paths = self._dropped(e)
        if not paths:
            super().dropEvent(e)
        elif self._models(paths):
            e.ignore()
        else:
            e.acceptProposedAction()
            self.filesDropped.emit(paths)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key.Key_Up and not e.modifiers() and not self.toPlainText():
            self.upInEmpty.emit()
            return
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                e.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(e)


class ChatView(QWidget):
    """Transcript plus composer for one conversation at a time.

    Signals:
        answerFinished(str): a conversation id whose answer ended (done, stopped or failed).
        messageSent(str): the user sent a message in that conversation.
        needConversation(): the user typed with no conversation open (the window creates one).
        templateApplied(str): a template changed this conversation's settings.
        citationOpened(str, int): a cited file was handed to the system's viewer (path, page or 0).
        feedbackSaved(str, str): a rating was stored (message id, "up", "down" or "" when taken back).
        collectionAttached(str, str): files were attached to a chat (conversation id, its collection,
            which the core set on the chat if it had none).
    """

    answerFinished = Signal(str)
    messageSent = Signal(str)
    needConversation = Signal()
    templateApplied = Signal(str)
    citationOpened = Signal(str, int)
    feedbackSaved = Signal(str, str)
    collectionAttached = Signal(str, str)
    FLUSH_MS = 50

    def __init__(self, backend: Any, tasks: Tasks, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend, self.tasks, self.bridge = backend, tasks, bridge
        self.conv_id: str | None = None
        self.model_picker = ModelPicker(backend, tasks, self)
        self.model_picker.setObjectName("chatHeader")
        self.model = TranscriptModel(self, wait_for_width=True)  # measured once the view has its width
        self.view = QListView(self)
        self.view.setObjectName("transcript")
        self.view.setAccessibleName(self.tr("Conversation"))
        self.view.setAccessibleDescription(self.tr("The messages of this chat, oldest first; the menu key or a "
                                                   "right click offers copy, regenerate and each source's passage"))
        self.view.setModel(self.model)
        self.delegate = MessageDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.model.size_for = self.delegate.size_for
        self.view.viewport().installEventFilter(self)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setMouseTracking(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.delegate.action.connect(self.on_action)
        self.empty_label = QLabel(self.tr("Ask anything. Your words stay on this computer."), self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setObjectName("emptyHint")
        self.status = QLabel("", self)
        self.status.setObjectName("chatStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # errors quote file names and model text
        self.status.setWordWrap(True)
        self.composer = Composer(self)
        self.composer.setObjectName("composer")
        self.composer.setAccessibleName(self.tr("Message"))
        self.composer.setAccessibleDescription(self.tr("Enter sends, Shift+Enter starts a new line, / lists the "
                                                       "templates, Up in the empty box edits the last question"))
        self.composer.setPlaceholderText(self.tr("Message Hearth (Enter to send, Shift+Enter for a new line, / for templates)"))
        self.composer.setMaximumHeight(120)
        self.composer.submitted.connect(self.send)
        self.composer.upInEmpty.connect(self.edit_last_question)
        self._editing: str | None = None  # the question being edited in the composer (its id)
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton(self.tr("Stop"), self)
        self.stop_button.setToolTip(self.tr("Stop the answer (Esc); what was written is kept"))
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        self.attach_button = AttachButton(self)
        self.attach_button.setToolTip(self.tr("Attach files: they are added to this chat's documents, "
                                              "and answers search them (you can also drop files here)"))
        self.attach_button.setAccessibleName(self.tr("Attach files"))
        self.attach_button.clicked.connect(self.pick_attachments)
        self.composer.filesDropped.connect(self.attach)
        self.attach_bar = AttachBar(backend, tasks, bridge, self)
        self.attach_bar.busyChanged.connect(lambda _b: self._update_send())
        self.attach_bar.finished.connect(self._attached)
        self.attach_bar.failed.connect(self._attach_failed)
        clip = QVBoxLayout()
        clip.addWidget(self.attach_button)
        clip.addStretch(1)
        row = QHBoxLayout()
        row.addLayout(clip)
        row.addWidget(self.composer, 1)
        col = QVBoxLayout()
        col.addWidget(self.send_button)
        col.addWidget(self.stop_button)
        col.addStretch(1)
        row.addLayout(col)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.model_picker)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.empty_label, 1)
        lay.addWidget(self.status)
        lay.addLayout(row)
        lay.addWidget(self.attach_bar)
        self._pending: list[str] = []
        self._thinking: tuple[int, float] | None = None  # (reasoning tokens, seconds) of the answer being written
        self._pending_lock = threading.Lock()
        self._flush = QTimer(self)
        self._flush.setInterval(self.FLUSH_MS)
        self._flush.timeout.connect(self._drain)
        self._job: threading.Event | None = None  # set while an answer is being prepared or written
        self._reply: Any = None
        self._reply_conv: str | None = None
        self.viewer: Any = None  # the last source viewer opened (a citation clicked)
        self.feedback_dialog: Any = None  # the last "Write a better answer" dialog opened
        self._bar_drag: tuple[ChatItem, int, int] | None = None  # a code block's scroll bar being dragged
        self._attach_template_picker()
        self._update_empty()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if obj is self.view.viewport():
            kind = event.type()
            if kind == QEvent.Type.Resize:
                self.model.row_width = self.view.viewport().width()  # rows are laid out again
            elif kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
                return self._wheel_code(event)
            elif kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease) \
                    and isinstance(event, QMouseEvent):
                return self._drag_code_bar(event)
        return super().eventFilter(obj, event)

    # code blocks scroll sideways ----------------------------------------------------------------
    CODE_WHEEL_PX = 48  # one wheel notch scrolls a code block this far

    def _code_under(self, pos: Any) -> tuple[ChatItem, int, Any] | None:
        """(message, code block, position in the row) under a viewport point, for a block that scrolls."""
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return None
        item: ChatItem = idx.data(ItemRole)
        in_row = pos - self.view.visualRect(idx).topLeft()
        n = self.delegate.code_at(item, in_row, self._row_width(), self.view.font())
        return (item, n, in_row) if n >= 0 else None

    def _row_width(self) -> int:
        return max(200, self.view.viewport().width())

    def _wheel_code(self, e: QWheelEvent) -> bool:
        """Shift+wheel or a sideways swipe over a code block with long lines scrolls that block."""
        d = e.angleDelta()
        dx = d.x() or (d.y() if e.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0)
        if not dx:
            return False  # an ordinary wheel turn scrolls the chat
        hit = self._code_under(e.position().toPoint())
        if hit is None:
            return False
        item, n, _pos = hit
        delegate = self.delegate
        to = delegate.code_offset(item, n) - dx * self.CODE_WHEEL_PX // 120
        if delegate.scroll_code(item, n, to, self._row_width(), self.view.font()):
            self.view.viewport().update()
        return True  # at either end too: a sideways gesture over code never scrolls the chat

    def _drag_code_bar(self, e: QMouseEvent) -> bool:
        """Pressing on a code block's scroll bar and dragging scrolls the block."""
        kind, pos = e.type(), e.position().toPoint()
        if kind == QEvent.Type.MouseButtonPress and e.button() == Qt.MouseButton.LeftButton:
            hit = self._code_under(pos)
            if hit is None:
                return False
            item, n, in_row = hit
            lay = self.delegate.layout_for(item, self._row_width(), self.view.font())
            bar = self.delegate.code_bar(item, n, lay)
            if bar is None or not bar[0].adjusted(0, -3, 0, 3).contains(in_row) \
                    or self.delegate.hit(item, in_row, self._row_width(), self.view.font()) is not None:
                return False  # not on the bar, or on the block's Copy button (a one-line block)
            self._bar_drag = (item, n, pos.x() - in_row.x())
        elif self._bar_drag is None:
            return False
        elif kind == QEvent.Type.MouseButtonRelease:
            self._bar_drag = None
            return True
        item, n, row_left = self._bar_drag
        to = self.delegate.bar_to_offset(item, n, pos.x() - row_left, self._row_width(), self.view.font())
        if self.delegate.scroll_code(item, n, to, self._row_width(), self.view.font()):
            self.view.viewport().update()
        return True

    # conversation --------------------------------------------------------------------------
    @property
    def generating(self) -> bool:
        return self._job is not None

    def set_conversation(self, conv_id: str | None) -> None:
        """Show a conversation (None: the empty state)."""
        if self._editing is not None:
            self.cancel_edit()
        self.conv_id = conv_id
        self.reload()
        self.show_model()
        self._update_send()

    def show_model(self) -> None:
        """The header shows the open chat's model."""
        model = ""
        if self.conv_id is not None:
            model = self.backend.conversation_settings(self.conv_id).model
        self.model_picker.set_model(model)

    def reload(self) -> None:
        """Re-read the active branch from the store."""
        if self.conv_id is None:
            self.model.set_items([])
        else:
            store = self.backend.store
            ratings = self._ratings(self.conv_id)
            items = []
            for m in store.thread(self.conv_id):
                if m.role == "system":
                    continue
                items.append(ChatItem.from_stored(m, *self._branch_of(m.id)))
            for item in items:  # the user's 👍/👎 on each answer, as last given
                item.rating, item.better = ratings.get(item.id, ("", ""))
            if self._job is not None and self._reply_conv == self.conv_id and items:
                items[-1].status = "streaming"
            self.model.set_items(items)
            self.view.scrollToBottom()
        self._update_empty()

    def _branch_of(self, message_id: Any) -> tuple[int, int]:
        """(1-based position among its siblings, how many) of a stored message."""
        ids = [str(s.id) for s in self.backend.store.siblings(str(message_id))]
        pos = ids.index(str(message_id)) + 1 if str(message_id) in ids else 1
        return pos, max(1, len(ids))

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_label.setVisible(empty)
        self.view.setVisible(not empty)

    # sending -------------------------------------------------------------------------------
    def send(self) -> None:
        """Send the composer's text as a new message."""
        text = self.composer.toPlainText().strip()
        if not text or self.generating:
            return
        if self.attach_bar.busy_for(self.conv_id):  # answered with the files in, not before
            self.status.setText(self.tr("Your message waits: the attached files are still being indexed."))
            return
        if self.conv_id is None:
            self.needConversation.emit()
            if self.conv_id is None:
                return
        editing, self._editing = self._editing, None
        self.composer.clear()
        if editing is not None and self.model.row_of(editing) >= 0:
            self._start(text, edit_of=editing)  # the edited question goes on a new branch
            return
        self._start(text)

    # attaching files ---------------------------------------------------------------------------
    def pick_attachments(self) -> None:
        """The paperclip: choose files to add to this chat's documents."""
        files, _f = QFileDialog.getOpenFileNames(self, self.tr("Attach files to this chat"))
        if files:
            self.attach([Path(f) for f in files])

    def attach(self, paths: list[Path]) -> None:
        """Index files into this chat's collection (made for the chat if it has none), in the background.

        Send waits until they are in, so the next question is answered with them.
        """
        if not paths:
            return
        if self.conv_id is None:
            self.needConversation.emit()
            if self.conv_id is None:
                return
        self.attach_bar.attach(self.conv_id, list(paths))
        self._update_send()

    def _attached(self, conv: str, name: str, reports: list[Any], stopped: bool) -> None:
        self.collectionAttached.emit(conv, name)
        if conv != self.conv_id:
            return
        text, error = self.attach_bar.summary(name, reports, stopped)
        if error:
            self.show_error(text)
        else:
            self.status.setText(text)

    def _attach_failed(self, conv: str, reason: str) -> None:
        if conv == self.conv_id:
            self.show_error(self.tr("The files were not attached: %s") % reason)

    def _update_send(self) -> None:
        """Send waits while files attached to this chat are being indexed (the tooltip says so)."""
        waiting = self.attach_bar.busy_for(self.conv_id)
        self.send_button.setEnabled(not waiting)
        self.send_button.setToolTip(self.tr("Waiting for the attached files to be indexed, so the answer "
                                            "can use them") if waiting else self.tr("Send (Enter)"))

    def edit_last_question(self) -> bool:
        """Put the last question in the message box to edit it (sending answers it on a new branch)."""
        if self.generating:
            return False
        rows = [i for i in range(self.model.rowCount()) if self.model.item(i).role == "user"]
        if not rows or self.model.item(rows[-1]).id.startswith("pending"):
            return False
        item = self.model.item(rows[-1])
        self._editing = item.id
        self.composer.setPlainText(item.content)
        self.composer.moveCursor(QTextCursor.MoveOperation.End)
        self.status.setText(self.tr("Editing your last question: Enter answers it again on a new branch, "
                                    "Esc cancels."))
        return True

    def cancel_edit(self) -> bool:
        """Leave editing the last question (the message box is emptied)."""
        if self._editing is None:
            return False
        self._editing = None
        self.composer.clear()
        self.status.setText("")
        return True

    def copy_last_answer(self) -> bool:
        """Copy the last answer (without its reasoning) to the clipboard."""
        for i in range(self.model.rowCount() - 1, -1, -1):
            item = self.model.item(i)
            if item.role == "assistant" and item.content:
                QGuiApplication.clipboard().setText(answer_text(item))
                self.status.setText(self.tr("Last answer copied."))
                return True
        return False

    def regenerate(self, message_id: str) -> None:
        """Answer again; the old answer stays as a branch."""
        if not self.generating:
            self._start("", regenerate_of=message_id)

    def answer_anyway(self, message_id: str) -> None:
        """Answer a "not found" question again from general knowledge (a new branch; the old answer stays)."""
        if not self.generating:
            self._start("", regenerate_of=message_id, general=True)

    def edit(self, message_id: str, new_text: str) -> None:
        """Replace a user message by a new one on a new branch, and answer it."""
        if not self.generating and new_text.strip():
            self._start(new_text.strip(), edit_of=message_id)

    def _start(self, text: str, *, regenerate_of: str | None = None, edit_of: str | None = None,
               general: bool = False) -> None:
        conv = self.conv_id
        assert conv is not None
        # Show the turn at once; the core builds the reply in the worker, because it may search
        # the documents (which waits while they are being indexed) and load the model.
        if regenerate_of is not None:
            row = self.model.row_of(regenerate_of)
            self.model.truncate(row if row >= 0 else self.model.rowCount())
        elif edit_of is not None:
            row = self.model.row_of(edit_of)
            self.model.truncate(row if row >= 0 else self.model.rowCount())
        if regenerate_of is None:
            self.model.append(ChatItem(id="pending-question", role="user", content=text))
        self.model.append(ChatItem(id="pending-answer", role="assistant", content="", status="streaming",
                                   general_knowledge=general))
        self.view.scrollToBottom()
        self._update_empty()
        stop = threading.Event()
        self._job, self._reply, self._reply_conv = stop, None, conv
        self._thinking = None
        self._set_busy(True)
        self.status.setText(self.tr("Thinking…"))
        self._flush.start()
        backend, bridge = self.backend, self.bridge
        made: list[Any] = []

        def run() -> None:
            extra = {"general": True} if general else {}  # no documents: see Hearth.answer_anyway
            reply = backend.reply(conv, text, regenerate_of=regenerate_of, edit_of=edit_of, **extra)
            made.append(reply)
            model = str(getattr(reply, "model", "") or "")
            if model and model != self.model_picker.loaded:
                bridge.to_main(self.model_picker.set_loading, model)
            reply.on_start = lambda: bridge.to_main(self.model_picker.model_ready, model)
            bridge.to_main(self._started, reply, regenerate_of is not None or edit_of is not None)
            # Read to the end even after a stop: the reply then stores the partial answer as
            # "stopped" (breaking out would close it as failed).
            cancelled = False
            if stop.is_set():
                reply.cancel()
                cancelled = True
            splitter, began = ReasoningSplitter(), None
            for chunk in reply:
                pieces = splitter.feed(chunk)
                thinking = splitter.in_reasoning or any(k == "reasoning" for k, _t in pieces)
                with self._pending_lock:
                    self._pending.append(chunk)
                    if thinking:  # streamed chunks are tokens: count them and time the reasoning
                        began = began if began is not None else time.monotonic()
                        self._thinking = (splitter.reasoning_chunks, time.monotonic() - began)
                if stop.is_set() and not cancelled:
                    reply.cancel()
                    cancelled = True

        self.tasks.start(run, done=lambda _r: self._finished(made[0] if made else None, None),
                         error=lambda e: self._finished(made[0] if made else None, e))

    def _started(self, reply: Any, branched: bool) -> None:
        """The core stored the turn: give the rows their real ids (and branch counts)."""
        self._reply = reply
        if self._reply_conv != self.conv_id:
            return
        if branched:
            shown = self.model.item(self.model.rowCount() - 1).content if self.model.rowCount() else ""
            self.reload()
            last = self.model.rowCount() - 1
            if last >= 0 and self.model.item(last).id == str(reply.message_id):
                self.model.update(last, content=shown, status="streaming")
        else:
            q, a = self.model.row_of("pending-question"), self.model.row_of("pending-answer")
            if q >= 0:
                self.model.update(q, id=str(getattr(getattr(reply, "user_msg", None), "id", "") or "pending-question"))
            if a >= 0:
                self.model.update(a, id=str(reply.message_id))
        self.messageSent.emit(self._reply_conv or "")

    def stop(self) -> None:
        """Stop the answer being written (the part already written is kept); else leave an edit."""
        if self._job is None:
            self.cancel_edit()
        if self._job is not None:
            self._job.set()
            if self._reply is not None:
                self._reply.cancel()
            self.status.setText(self.tr("Stopping…"))

    def _drain(self) -> None:
        with self._pending_lock:
            text, self._pending = "".join(self._pending), []
            thinking = self._thinking
        if thinking and self._reply_conv == self.conv_id and self.model.rowCount():
            last = self.model.item(self.model.rowCount() - 1)
            last.reasoning_tokens, last.reasoning_s = thinking
        if text and self._reply_conv == self.conv_id and self.model.rowCount():
            bar = self.view.verticalScrollBar()
            at_bottom = bar.value() >= bar.maximum() - 4
            if self.status.text() == self.tr("Thinking…"):
                self.status.setText(self.tr("Writing… (Esc to stop)"))
            self.model.append_text(text)
            if at_bottom:
                self.view.scrollToBottom()

    def _finished(self, reply: Any, error: BaseException | None) -> None:
        self._drain()
        self._flush.stop()
        self._job = self._reply = None
        self._set_busy(False)
        conv = self._reply_conv
        if error is not None:
            self.show_error(in_words(error))
        else:
            self.status.setText("")
        if isinstance(error, NeedsConsent) and reply is not None and reply.message_id is not None:
            QTimer.singleShot(0, self, lambda: self.ask_consent(error, str(reply.message_id), conv))
        if conv == self.conv_id:
            if reply is None:  # the turn could not even be stored or prepared
                self.reload()
            else:
                if self._thinking and reply.message_id is not None:
                    self._save_thinking(str(reply.message_id), *self._thinking)
                row = self.model.row_of(str(reply.message_id))
                stored = self._stored(reply.message_id)
                if row >= 0 and stored is not None:
                    item = self.model.item(row)
                    # the answer may have gained a sibling while it was written (self-reflection
                    # keeps the answer it did not choose as one): count the branches again
                    fresh = ChatItem.from_stored(stored, *self._branch_of(stored.id))
                    self.model.update(row, content=fresh.content, status=fresh.status, stats=fresh.stats,
                                      reasoning_tokens=fresh.reasoning_tokens or item.reasoning_tokens,
                                      reasoning_s=fresh.reasoning_s or item.reasoning_s,
                                      citations=fresh.citations, support=fresh.support,
                                      reflection=fresh.reflection, branch=fresh.branch, branches=fresh.branches,
                                      not_found=fresh.not_found, general_knowledge=fresh.general_knowledge,
                                      error=in_words(error) if error else "")
                elif row >= 0:
                    self.model.update(row, status="error" if error else "complete")
        self.answerFinished.emit(conv or "")

    def ask_consent(self, error: NeedsConsent, message_id: str, conv: str | None) -> QMessageBox:
        """Ask once per server before a chat is sent off this machine; Yes records it and answers again."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Send to another computer?"),
                          self.tr("Send this chat to %s?") % error.host + "\n\n" +
                          self.tr("Your messages in this chat, and passages from your documents, would be sent to "
                                  "the model server %s. Hearth asks once for each server.") % error.server.name,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("consentBox")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the host and name are the user's text
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(result: int) -> None:
            if result != QMessageBox.StandardButton.Yes:
                self.status.setText(self.tr("Nothing was sent to %s.") % error.host)
                return
            try:
                self.backend.remote_servers.allow(error.server.name)
            except Exception as e:  # the file of servers cannot be written: say so
                self.show_error(in_words(e))
                return
            if conv == self.conv_id:
                self.regenerate(message_id)

        box.finished.connect(answered)
        box.open()
        return box

    def _save_thinking(self, message_id: str, tokens: int, seconds: float) -> None:
        """Keep the reasoning's token count and time with the message (shown again after a restart)."""
        try:
            self.backend.store.update_message(message_id, meta={"reasoning_tokens": tokens,
                                                                "reasoning_s": round(seconds, 2)})
        except (KeyError, OSError) as e:  # the message was deleted meanwhile; the figures are a detail
            log.warning("could not keep the reasoning figures: %s", e)

    def _stored(self, message_id: Any) -> Any:
        try:
            return self.backend.store.message(str(message_id))
        except KeyError:  # deleted meanwhile
            return None

    def _set_busy(self, busy: bool) -> None:
        self.delegate.busy = busy
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        self.view.viewport().update()

    def show_error(self, text: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c0392b;")
        QTimer.singleShot(15000, self.status, lambda: self.status.setStyleSheet(""))  # dies with the label

    # per-message actions ---------------------------------------------------------------------
    def on_action(self, name: str, message_id: str, arg: int) -> None:
        """Run an action the user clicked under a message."""
        row = self.model.row_of(message_id)
        if row < 0:
            return
        item = self.model.item(row)
        store = self.backend.store
        if name == "copy":
            QGuiApplication.clipboard().setText(answer_text(item))  # the reasoning only when asked
            self.status.setText(self.tr("Copied."))
        elif name == "copy_with_thinking":
            QGuiApplication.clipboard().setText(item.content)
            self.status.setText(self.tr("Copied with the thinking."))
        elif name == "copy_block":
            QGuiApplication.clipboard().setText(self.delegate.code_text(item, arg))
            self.status.setText(self.tr("Code copied."))
        elif name == "toggle_thinking":
            self.model.update(row, thinking_open=not item.thinking_open)
        elif name == "copy_code":
            QGuiApplication.clipboard().setText("\n\n".join(code_blocks(answer_text(item))))
            self.status.setText(self.tr("Code copied."))
        elif name == "regenerate":
            self.regenerate(message_id)
        elif name == "edit":
            text, ok = QInputDialog.getMultiLineText(self, self.tr("Edit message"),
                                                     self.tr("Your message (the answer is written again on a new branch):"),
                                                     item.content)
            if ok:
                self.edit(message_id, text)
        elif name == "delete":
            store.delete_message(message_id)
            self.reload()
        elif name in ("prev_branch", "next_branch"):
            self.switch_branch(message_id, -1 if name == "prev_branch" else 1)
        elif name == "other_answer":
            self.show_other_answer(message_id)
        elif name == "answer_anyway":
            self.answer_anyway(message_id)
        elif name == "citation" and 0 <= arg < len(item.citations):
            self.open_citation(item.citations[arg])
        elif name in ("rate_up", "rate_down"):
            rating = "up" if name == "rate_up" else "down"
            if item.rating == rating:
                self.rate(message_id, "")  # clicking the chosen thumb again takes the rating back
            else:  # a better answer already written stays with a 👎
                self.rate(message_id, rating, item.better if rating == "down" else "")
        elif name == "better":
            self.write_better_answer(message_id)

    # feedback --------------------------------------------------------------------------------
    def _ratings(self, conv_id: str) -> dict[str, tuple[str, str]]:
        from assistant.core.evals.feedback import open_store

        try:
            with open_store(self.backend) as fb:
                return fb.ratings(conv_id)
        except Exception as e:  # the chat still shows; the thumbs just look unrated
            log.warning("cannot read the ratings of this chat: %s", e, exc_info=True)
            return {}

    def rate(self, message_id: str, rating: str, better: str = "") -> None:
        """Store 👍 ("up") or 👎 ("down", optionally with a better answer), or take the rating back ("").

        The thumb shows as chosen at once; storing (with the answer's full context, which reads
        the model file's checksum) runs in a worker, and a failure puts the old rating back.
        """
        from assistant.core.evals.feedback import open_store

        row = self.model.row_of(message_id)
        if row < 0:
            return
        item = self.model.item(row)
        before = (item.rating, item.better)
        self.model.update(row, rating=rating, better=better if rating == "down" else "")
        backend = self.backend

        def store() -> None:
            with open_store(backend) as fb:
                if rating:
                    fb.add(backend, message_id, rating, better or None)
                else:
                    fb.remove(message_id)

        def failed(e: BaseException) -> None:
            r = self.model.row_of(message_id)
            if r >= 0:
                self.model.update(r, rating=before[0], better=before[1])
            self.show_error(self.tr("Your rating was not kept: %s") % in_words(e))

        def stored(_r: Any) -> None:
            self.status.setText(self.tr("Thanks: kept as a good answer, with the question and its passages.")
                                if rating == "up" else
                                self.tr("Thanks: kept as a bad answer, with your better answer, the question and "
                                        "its passages.") if rating and better else
                                self.tr("Thanks: kept as a bad answer, with the question and its passages.")
                                if rating else self.tr("Rating taken back."))
            self.feedbackSaved.emit(message_id, rating)

        self.tasks.start(store, done=stored, error=failed)

    def write_better_answer(self, message_id: str) -> Any:
        """Open the "Write a better answer" dialog for an answer (Save stores it with a 👎)."""
        from assistant.ui.feedback_dialog import BetterAnswerDialog

        row = self.model.row_of(message_id)
        if row < 0:
            return None
        item = self.model.item(row)
        question = next((self.model.item(r).content for r in range(row - 1, -1, -1)
                         if self.model.item(r).role == "user"), "")
        dialog = BetterAnswerDialog(question, answer_text(item), item.better, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.rate(message_id, "down", dialog.text()))
        self.feedback_dialog = dialog
        dialog.open()
        return dialog

    def switch_branch(self, message_id: str, step: int) -> None:
        """Show the previous (-1) or next (+1) version of a message."""
        sibs = [str(s.id) for s in self.backend.store.siblings(message_id)]
        if message_id not in sibs:
            return
        target = sibs[(sibs.index(message_id) + step) % len(sibs)]
        self.backend.store.switch_branch(target)
        self.reload()

    def show_other_answer(self, message_id: str) -> bool:
        """Show the answer self-reflection did not keep (or, from that one, the kept answer).

        Both are sibling branches of one question: this switches branch, as ‹ › does.
        """
        row = self.model.row_of(message_id)
        if row < 0 or self.generating:
            return False
        r = self.model.item(row).reflection
        sibs = [str(s.id) for s in self.backend.store.siblings(message_id)]
        target = str(r.get("discarded_message_id") or r.get("kept_message_id") or "")
        if target not in sibs or target == message_id:
            return False  # the other answer was deleted
        self.backend.store.switch_branch(target)
        self.reload()
        self.status.setText(self.tr("Showing the answer that was kept.") if r.get("kept") is False
                            else self.tr("Showing the answer that was not kept; ‹ › switches back."))
        return True

    def open_citation(self, c: dict[str, Any]) -> None:
        """Open the cited document if a collection knows it, else show the passage.

        Only files in a collection's manifest are opened (a chat imported from elsewhere can
        name any path, an ``.exe`` or ``.desktop`` file beside it included). Looking it up reads
        the manifests, so it runs in a worker; the page is said in words because most systems
        open a PDF at page 1 whatever the link asks.
        """
        path = str(c.get("source_path", ""))
        backend = self.backend
        self.tasks.start(lambda: openable_source(backend, path, c),
                         done=lambda known: self._open_known(known, c),
                         error=lambda e: self._open_failed(e, c))

    def _open_known(self, found: Any, c: dict[str, Any]) -> None:
        known = str(found) if found else ""
        if not known:
            self.show_passage(c, self.tr("This file is not in any of your document collections, so Hearth "
                                         "does not open it. The passage:"))
            return
        from assistant.ui.source_viewer import SourceViewer

        page = citation_page(c)
        name = os.path.basename(known)
        self.viewer = SourceViewer(Path(known), c, self.tasks, self)
        self.viewer.open()
        self.status.setText(self.tr("Opened %s at page %d, the passage highlighted.") % (name, page) if page
                            else self.tr("Opened %s at the passage.") % name)
        self.citationOpened.emit(known, page or 0)

    def _open_failed(self, e: BaseException, c: dict[str, Any]) -> None:
        log.warning("cannot look up the cited file: %s", e, exc_info=True)
        self.show_passage(c)

    def show_passage(self, c: dict[str, Any], intro: str = "") -> None:
        """Show a citation's passage (and its page) in a box, as plain text."""
        box = QMessageBox(self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # passages are document text, never markup
        box.setWindowTitle(os.path.basename(str(c.get("source_path", ""))) or self.tr("Passage"))
        text = str(c.get("snippet") or c.get("text") or "")
        page = citation_page(c)
        if page:
            text = self.tr("Page %d:") % page + "\n" + text
        box.setText((intro + "\n\n" if intro else "") + text)
        box.open()

    def _context_menu(self, pos: Any) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        item: ChatItem = idx.data(ItemRole)
        menu = QMenu(self)
        for name, label in self.delegate._actions_for(item):
            if name != "branch_label":
                act = menu.addAction(label, lambda n=name: self.on_action(n, item.id, 0))
                act.setEnabled(not (self.generating and name in self.delegate.BUSY_ACTIONS))
        other = other_answer_label(item)
        if other:  # the reflection's other answer, for the keyboard too
            menu.addAction(other.rstrip(" ›"), lambda: self.on_action("other_answer", item.id, 0)).setEnabled(
                not self.generating)
        anyway = answer_anyway_label(item)
        if anyway:  # a "not found" answer: the same question from general knowledge, for the keyboard too
            menu.addAction(anyway.rstrip(" ›"), lambda: self.on_action("answer_anyway", item.id, 0)).setEnabled(
                not self.generating)
        if item.role == "assistant" and has_reasoning(item.content):
            menu.addAction(self.tr("Copy with thinking"), lambda: self.on_action("copy_with_thinking", item.id, 0))
        for i, c in enumerate(item.citations):
            menu.addAction(self.tr("Show passage %d") % (i + 1), lambda c=c: self.show_passage(c))
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # templates -------------------------------------------------------------------------------
    def _attach_template_picker(self) -> None:
        """The ``/`` template popup."""
        from assistant.ui.template_picker import TemplatePicker

        try:
            self.picker = TemplatePicker(self.backend.templates, self.composer,
                                         lambda: {"input": self.composer.toPlainText()})
        except Exception as e:  # the picker is optional: chat works without it
            log.warning("template picker unavailable: %s", e, exc_info=True)
            return
        self.picker.templateChosen.connect(self.use_template)

    def use_template(self, rendered: Any) -> None:
        """A template was chosen: its settings go to this chat, its text is sent."""
        if self.conv_id is None:
            self.needConversation.emit()
            if self.conv_id is None:
                return
        self.backend.apply_template(self.conv_id, rendered)  # the next answer is stamped with it
        self.templateApplied.emit(self.conv_id)
        if rendered.user_text and not getattr(rendered, "persona", False):
            self.composer.setPlainText(rendered.user_text)
            self.send()
