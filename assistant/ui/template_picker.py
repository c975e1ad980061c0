"""The ``/`` template picker: type ``/`` at the start of a line in the message box to use a template.

Typing after the ``/`` filters the templates by name (fuzzy); Up/Down move, Enter or Tab picks,
Escape closes. A template with variables then shows a small form (defaults and what the window
already knows, such as the open document, are filled in); Enter renders it.

Rendering never holds the window: a template is tried inline for at most
:data:`INLINE_SECONDS`; one that needs longer (or is very long) is rendered on a worker thread
within its 2 s bound, and the result or the error comes back through the bridge.
"""
from __future__ import annotations

import html
import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (QFormLayout, QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from assistant.core.errors import in_words
from assistant.core.prompts import PromptTemplate, TemplateError, TemplateLibrary
from assistant.core.prompts.template import PromptTooCostly
from assistant.ui.background import Bridge, Tasks
from assistant.ui.plaintext import plain_label

log = logging.getLogger("assistant.ui")

#: How long a render may run on the GUI thread before it is handed to a worker thread.
INLINE_SECONDS = 0.04
#: Templates longer than this (system + body) are rendered on a worker thread at once (compiling takes time).
INLINE_MAX_CHARS = 20_000


def render_off_gui(library: TemplateLibrary, name: str, values: dict[str, Any], tasks: Tasks,
                   done: Callable[[Any], None], error: Callable[[BaseException], None],
                   cancel: threading.Event) -> bool:
    """Render a template without holding the GUI thread for more than :data:`INLINE_SECONDS`.

    A short render finishes inline (``done`` or ``error`` is called before this returns); a
    longer one is started again on ``tasks`` with the full 2 s bound and the ``cancel`` event,
    and ``done``/``error`` run later on the GUI thread.

    Returns:
        True when the render was handed to a worker thread (its result comes later).
    """
    try:
        t = library.get(name)
        if len(t.body) + len(t.system) <= INLINE_MAX_CHARS:
            done(library.render(name, values, seconds=INLINE_SECONDS))
            return False
    except PromptTooCostly as e:
        if e.bound != "time":
            error(e)
            return False
    except (TemplateError, OSError) as e:
        error(e)
        return False
    tasks.start(lambda: library.render(name, values, cancelled=cancel), done=done, error=error)
    return True


class TemplatePicker(QFrame):
    """A popup over ``editor`` that turns ``/name`` into a rendered prompt.

    Args:
        library: where the templates come from.
        editor: the message box to watch.
        context: returns values the window already has (``document``, ``selection``,
            ``language``...), used to pre-fill the form; ``input`` defaults to the rest of the
            message box text.

    Signals:
        templateChosen(object): a :class:`~assistant.core.prompts.RenderedPrompt`; the ``/name``
            text has been removed from the editor. The window sends it, or uses it as the
            conversation's system prompt when ``persona`` is true.
    """

    templateChosen = Signal(object)

    def __init__(self, library: TemplateLibrary, editor: QPlainTextEdit,
                 context: Callable[[], dict[str, Any]] | None = None, tasks: Tasks | None = None) -> None:
        super().__init__(editor.window())
        self.setObjectName("templatePicker")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.library, self.editor = library, editor
        self.tasks = tasks or Tasks(Bridge(self), max_threads=1)
        self._context = context or (lambda: {})
        self._anchor: int | None = None  # position of the "/" in the editor
        self._template: PromptTemplate | None = None
        self._fields: dict[str, QLineEdit] = {}
        self._render_id = 0  # a result for an older request is dropped
        self._cancel = threading.Event()

        self.pages = QStackedWidget(self)
        self.list = QListWidget()
        self.list.setObjectName("templateList")
        self.list.itemActivated.connect(lambda _item: self.pick_current())
        form_page = QWidget()
        v = QVBoxLayout(form_page)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)  # our <b>; the name and description are escaped
        self.form = QFormLayout()
        self.error = plain_label(QLabel())  # errors quote the template's text
        self.error.setObjectName("templateError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.use_button = QPushButton(self.tr("Use template"))
        self.use_button.clicked.connect(self.submit)
        v.addWidget(self.title)
        v.addLayout(self.form)
        v.addWidget(self.error)
        v.addWidget(self.use_button)
        self.pages.addWidget(self.list)
        self.pages.addWidget(form_page)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.pages)
        self.hide()
        editor.textChanged.connect(self._on_text_changed)
        editor.installEventFilter(self)

    # ---- watching the editor ------------------------------------------------------------------

    def is_active(self) -> bool:
        return self._anchor is not None

    def _on_text_changed(self) -> None:
        cur = self.editor.textCursor()
        pos, text = cur.position(), self.editor.toPlainText()
        if self._anchor is None:
            if pos > 0 and text[pos - 1] == "/" and not text[cur.block().position():pos - 1].strip():
                self._anchor = pos - 1
                self._show_list()
            return
        query = text[self._anchor + 1:pos] if pos > self._anchor else None
        if (query is None or self._anchor >= len(text) or text[self._anchor] != "/"
                or any(c.isspace() for c in query)):
            self.close_picker()
            return
        self._filter(query)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if obj is self.editor and event.type() == QEvent.Type.KeyPress and self.is_active() \
                and self.pages.currentIndex() == 0:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
                self.pick_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.close_picker()
                return True
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                step = -1 if key == Qt.Key.Key_Up else 1
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
        return super().eventFilter(obj, event)

    def _show_list(self) -> None:
        self.pages.setCurrentIndex(0)
        self._filter("")
        rect = self.editor.cursorRect()
        top_left = self.editor.viewport().mapTo(self.parentWidget(), rect.bottomLeft()) \
            if self.parentWidget() is not None else rect.bottomLeft()
        self.resize(360, 240)
        self.move(top_left)
        self.show()
        self.raise_()

    def _filter(self, query: str) -> None:
        self.list.clear()
        for t in self.library.search(query):
            item = QListWidgetItem(f"{t.name} — {t.description}" if t.description else t.name)
            item.setData(Qt.ItemDataRole.UserRole, t.name)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def close_picker(self) -> None:
        """Hide the popup and forget the ``/`` it was started by (the text stays as typed).

        A render still running on a worker thread is cancelled and its result dropped.
        """
        self._anchor, self._template = None, None
        self._render_id += 1
        self._cancel.set()
        self.use_button.setEnabled(True)
        self.hide()

    def is_rendering(self) -> bool:
        """Whether a render is running on a worker thread."""
        return not self.use_button.isEnabled()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Escape:  # Escape in the form: back to the message, nothing sent
            self.close_picker()
            self.editor.setFocus()
            return
        super().keyPressEvent(event)

    # ---- picking and filling ------------------------------------------------------------------

    def pick_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.pick(item.data(Qt.ItemDataRole.UserRole))

    def pick(self, name: str) -> None:
        """Choose a template: show its form, or render it at once if it needs nothing."""
        try:
            t = self.library.get(name)
            names = t.variable_names()
        except TemplateError as e:
            self.error.setText(str(e))
            return
        rest = self._remove_slash_text()
        self._template = t
        known = {k: str(v) for k, v in self._context().items() if v}
        if rest.strip():
            known.setdefault("input", rest.strip())
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields = {}
        for var in names:
            edit = QLineEdit(known.get(var, t.variables.get(var, "")))
            edit.setObjectName(f"var_{var}")
            edit.returnPressed.connect(self.submit)
            self.form.addRow(plain_label(QLabel(var)), edit)
            self._fields[var] = edit
        if not names:
            self.submit()
            return
        self.title.setText(f"<b>{html.escape(t.name)}</b> {html.escape(t.description)}")
        self.error.clear()
        self.pages.setCurrentIndex(1)
        self.adjustSize()
        first_empty = next((e for e in self._fields.values() if not e.text()), next(iter(self._fields.values())))
        first_empty.setFocus()

    def _remove_slash_text(self) -> str:
        """Take ``/query`` out of the editor; return the text that is left."""
        if self._anchor is not None:
            cur = self.editor.textCursor()
            end = cur.position()
            self._anchor, anchor = None, self._anchor  # stop watching before editing the text
            cur.setPosition(anchor)
            cur.setPosition(max(end, anchor + 1), QTextCursor.MoveMode.KeepAnchor)
            cur.removeSelectedText()
        return self.editor.toPlainText()

    def values(self) -> dict[str, str]:
        """The form's values; an empty field counts as not given."""
        return {k: e.text() for k, e in self._fields.items() if e.text()}

    def submit(self) -> None:
        """Render the chosen template with the form's values and emit it; errors stay in the form.

        The render runs off the GUI thread when it takes more than a few milliseconds; the
        form then says so and the result is emitted when it arrives.
        """
        if self._template is None or self.is_rendering():
            return
        values = self.values()
        self._render_id += 1
        request, self._cancel = self._render_id, threading.Event()
        uses_input = "input" in self._fields

        def done(rendered: Any) -> None:
            if request != self._render_id:
                return
            self.use_button.setEnabled(True)
            if uses_input and self.editor.toPlainText().strip() == values.get("input", "").strip():
                self.editor.clear()  # the message text went into the template: do not send it twice
            self.close_picker()
            self.editor.setFocus()
            self.templateChosen.emit(rendered)

        def failed(e: BaseException) -> None:
            if request != self._render_id:
                return
            self.use_button.setEnabled(True)
            self.error.setText(in_words(e))
            if self._template is not None and self.pages.currentIndex() != 1:
                self.pages.setCurrentIndex(1)  # a template without a form: show the error there

        if render_off_gui(self.library, self._template.name, values, self.tasks, done, failed, self._cancel):
            self.use_button.setEnabled(False)
            self.error.setText(self.tr("Rendering the template…"))
