"""The prompts panel: browse, edit, version, duplicate, import and export prompt templates."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QInputDialog, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from assistant.core.errors import in_words
from assistant.core.prompts import PromptTemplate, TemplateError, TemplateExists, TemplateLibrary
from assistant.core.prompts.pack import read_pack_file
from assistant.ui.background import Bridge, Tasks
from assistant.ui.plaintext import ask_plain, plain_label, plain_tooltip
from assistant.ui.template_picker import render_off_gui

log = logging.getLogger("assistant.ui")


def _parse_pairs(text: str) -> dict[str, str]:
    """``name = value`` per line -> dict (the editor's way of writing variables and sampling)."""
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise TemplateError(f"line {n}: expected 'name = value', got {line!r}")
        out[key.strip()] = value.strip()
    return out


def _number(value: str) -> float | int | str:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            continue
    return value


class PromptsPanel(QWidget):
    """Template list on the left, editor on the right, history below.

    Args:
        library: the template library.
        ask: yes/no question (title, text) -> bool, e.g. before overwriting on import; tests replace it.
        tasks: the window's background pool; the panel makes its own if not given. Renders that
            take more than a few milliseconds run there, never on the GUI thread.

    Signals:
        templateSaved(str, int): a template name and its new version.
        personaChosen(object): a :class:`~assistant.core.prompts.RenderedPrompt` of a persona
            template the user chose as the conversation's system prompt.
    """

    templateSaved = Signal(str, int)
    personaChosen = Signal(object)

    def __init__(self, library: TemplateLibrary, ask: Callable[[str, str], bool] | None = None,
                 parent: QWidget | None = None, tasks: Tasks | None = None, lazy: bool = False):
        super().__init__(parent)
        self.library = library
        self.tasks = tasks or Tasks(Bridge(self), max_threads=1)
        self._render_id = 0
        self._cancel = threading.Event()
        self.ask = ask or (lambda title, text: ask_plain(self, title, text))
        self._built = False
        self._building = False
        if not lazy:
            self.ensure_built()

    def __getattr__(self, name: str) -> Any:
        # A lazy panel's parts (list, editor, buttons) exist once it is built: the first use builds it.
        if name.startswith("__") or self.__dict__.get("_building", True) or self.__dict__.get("_built", True):
            raise AttributeError(name)
        self.ensure_built()
        return getattr(self, name)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        self.ensure_built()
        super().showEvent(event)

    def ensure_built(self) -> None:
        """Make the widgets and fill the list, once.

        A lazy panel (``lazy=True``, the window's) is built when first shown or used: made
        during the start-up warm-up, its ~50 Qt calls each wait for the interpreter behind
        the workers importing torch and Chroma, which froze the window for over half a second.
        """
        if self._built or self._building:
            return
        self._building = True
        try:
            self._build()
        finally:
            self._building = False
        self._built = True

    def _build(self) -> None:
        self.list = QListWidget()
        self.list.currentItemChanged.connect(lambda cur, _prev: self.show_template(
            cur.data(Qt.ItemDataRole.UserRole) if cur else None))
        self.name = QLineEdit()
        self.description = QLineEdit()
        self.system = QPlainTextEdit()
        self.body = QPlainTextEdit()
        self.variables = QPlainTextEdit()
        self.variables.setPlaceholderText(self.tr("name = default, one per line"))
        self.sampling = QPlainTextEdit()
        self.sampling.setPlaceholderText("temperature = 0.2")
        for w in (self.system, self.variables, self.sampling):
            w.setMaximumHeight(70)
        self.message = plain_label(QLabel())  # names, paths and errors from template files
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Description"), self.description)
        form.addRow(self.tr("System prompt"), self.system)
        form.addRow(self.tr("Prompt"), self.body)
        form.addRow(self.tr("Variables"), self.variables)
        form.addRow(self.tr("Sampling"), self.sampling)
        self.versions = QComboBox()
        self.diff_view = QPlainTextEdit()
        self.diff_view.setReadOnly(True)
        self.diff_view.setMaximumHeight(120)
        buttons = {}
        # literal tr() calls: the translation tool only finds strings written out in the call
        for key, label, slot in (("new", self.tr("New"), self.new_template), ("save", self.tr("Save"), self.save),
                                 ("duplicate", self.tr("Duplicate"), self._duplicate_dialog),
                                 ("delete", self.tr("Delete"), self.delete),
                                 ("import", self.tr("Import…"), self._import_dialog),
                                 ("export", self.tr("Export…"), self._export_dialog),
                                 ("persona", self.tr("Use as persona"), self.use_as_persona),
                                 ("diff", self.tr("Diff with current"), self.show_diff),
                                 ("restore", self.tr("Restore"), self.restore_selected)):
            b = QPushButton(label)
            b.clicked.connect(lambda _=False, s=slot: s())
            buttons[key] = b
        self.buttons = buttons
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        for k in ("new", "save", "duplicate", "delete", "import", "export", "persona"):
            row1.addWidget(buttons[k])
        row2.addWidget(QLabel(self.tr("History")))
        row2.addWidget(self.versions, 1)
        row2.addWidget(buttons["diff"])
        row2.addWidget(buttons["restore"])
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addLayout(form)
        rl.addLayout(row1)
        rl.addLayout(row2)
        rl.addWidget(self.diff_view)
        rl.addWidget(self.message)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)
        self._building = False
        self._built = True
        self.reload()

    # ---- showing ------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Re-read the library, keeping (or moving) the selection."""
        current = select or (self.list.currentItem().data(Qt.ItemDataRole.UserRole)
                             if self.list.currentItem() else None)
        self.list.blockSignals(True)
        self.list.clear()
        for t in self.library.list():
            item = QListWidgetItem(t.name + ("  " + self.tr("(built-in)") if t.builtin else f"  v{t.version}"))
            item.setData(Qt.ItemDataRole.UserRole, t.name)
            item.setToolTip(plain_tooltip(t.description))
            self.list.addItem(item)
            if t.name == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        elif self.list.currentItem() is not None:
            self.show_template(self.list.currentItem().data(Qt.ItemDataRole.UserRole))

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def show_template(self, name: str | None, version: int | None = None) -> None:
        if not name:
            return
        t = self.library.get(name, version)
        self.name.setText(t.name)
        self.description.setText(t.description)
        self.system.setPlainText(t.system)
        self.body.setPlainText(t.body)
        self.variables.setPlainText("\n".join(f"{k} = {v}" for k, v in t.variables.items()))
        self.sampling.setPlainText("\n".join(f"{k} = {v}" for k, v in t.sampling.items()))
        for w in (self.name, self.description, self.system, self.body, self.variables, self.sampling):
            w.setReadOnly(t.builtin)
        self.buttons["save"].setEnabled(not t.builtin)
        self.buttons["delete"].setEnabled(not t.builtin)
        self._persona = t.persona
        self.versions.clear()
        for v in reversed(self.library.history(name)):
            self.versions.addItem(f"v{v.version}", v.version)
        self.diff_view.clear()

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020" if error else "")

    # ---- actions ------------------------------------------------------------------------------

    def edited_template(self) -> PromptTemplate:
        """The template as it is in the editor (not yet saved)."""
        return PromptTemplate(
            name=self.name.text().strip(), description=self.description.text().strip(),
            system=self.system.toPlainText(), body=self.body.toPlainText(),
            variables=_parse_pairs(self.variables.toPlainText()),
            sampling={k: _number(v) for k, v in _parse_pairs(self.sampling.toPlainText()).items()},
            persona=getattr(self, "_persona", False))

    def save(self) -> int | None:
        """Save the editor as a new version; errors are shown, nothing is lost."""
        try:
            t = self.edited_template()
            version = self.library.save(t)
        except TemplateError as e:
            self._say(str(e), error=True)
            return None
        self._say(self.tr("Saved {0} as version {1}").format(t.name, version))
        self.reload(select=t.name)
        self.templateSaved.emit(t.name, version)
        return version

    def new_template(self) -> None:
        self.list.clearSelection()
        for w in (self.name, self.description, self.system, self.body, self.variables, self.sampling):
            w.setReadOnly(False)
            w.clear()
        self.body.setPlainText("{{input}}")
        self._persona = False
        self.buttons["save"].setEnabled(True)
        self.versions.clear()

    def duplicate(self, new_name: str) -> bool:
        try:
            self.library.duplicate(self.current_name() or "", new_name)
        except TemplateError as e:
            self._say(str(e), error=True)
            return False
        self.reload(select=new_name)
        return True

    def _duplicate_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Duplicate"), self.tr("New name:"),
                                        text=f"{self.current_name()}-copy")
        if ok and name.strip():
            self.duplicate(name.strip())

    def delete(self) -> None:
        name = self.current_name()
        if name and self.ask(self.tr("Delete template"),
                             self.tr("Delete {0} and all its versions?").format(name)):
            try:
                self.library.delete(name)
            except TemplateError as e:
                self._say(str(e), error=True)
                return
            self.reload()

    def show_diff(self) -> None:
        name, version = self.current_name(), self.versions.currentData()
        if name and version is not None:
            latest = self.library.get(name).version
            self.diff_view.setPlainText(self.library.diff(name, version, latest) or self.tr("No changes"))

    def restore_selected(self) -> int | None:
        name, version = self.current_name(), self.versions.currentData()
        if not name or version is None:
            return None
        new = self.library.restore(name, version)
        self._say(self.tr("Restored version {0} as version {1}").format(version, new))
        self.reload(select=name)
        self.templateSaved.emit(name, new)
        return new

    def use_as_persona(self) -> None:
        """Render the shown template as a system prompt for the conversation.

        A render that takes more than a few milliseconds runs on a worker thread (bounded to
        2 s); ``personaChosen`` or the error follows when it is done.
        """
        name = self.current_name()
        if not name:
            return
        self._cancel.set()  # a newer request replaces an older one still rendering
        self._render_id += 1
        request, self._cancel = self._render_id, threading.Event()

        def done(r: Any) -> None:
            if request != self._render_id:
                return
            self.buttons["persona"].setEnabled(True)
            if not r.persona:  # any template can be a persona: its prompt becomes the system prompt
                r.system_prompt, r.user_text, r.persona = r.user_text, "", True
            self._say("")
            self.personaChosen.emit(r)

        def failed(e: BaseException) -> None:
            if request != self._render_id:
                return
            self.buttons["persona"].setEnabled(True)
            self._say(in_words(e), error=True)

        if render_off_gui(self.library, name, {}, self.tasks, done, failed, self._cancel):
            self.buttons["persona"].setEnabled(False)
            self._say(self.tr("Rendering {0}…").format(name))

    def import_file(self, path: str) -> list[str]:
        """Import one template or a pack; asks before replacing templates with the same name.

        The file must be a regular UTF-8 file of at most a few MB (``read_pack_file``).
        """
        try:
            text = read_pack_file(path)
            try:
                names = self.library.import_text(text, source=Path(path).name)
            except TemplateExists as e:
                if not self.ask(self.tr("Replace templates?"),
                                self.tr("These templates exist already: {0}. Replace them?")
                                .format(", ".join(e.names))):
                    return []
                names = self.library.import_text(text, overwrite=True, source=Path(path).name)
        except (TemplateError, OSError, UnicodeDecodeError) as e:
            self._say(str(e), error=True)
            return []
        self._say(self.tr("Imported: ") + ", ".join(names))
        self.reload(select=names[0])
        return names

    def export_file(self, path: str, names: list[str]) -> None:
        Path(path).write_text(self.library.export(names), encoding="utf-8")
        self._say(self.tr("Exported to ") + path)

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import templates"), "",
                                              self.tr("Templates (*.md *.txt)"))
        if path:
            self.import_file(path)

    def _export_dialog(self) -> None:
        name = self.current_name()
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export template"), f"{name}.md",
                                              self.tr("Markdown (*.md)"))
        if path and name:
            self.export_file(path, [name])
