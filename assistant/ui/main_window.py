"""The main window: conversations on the left, the chat in the middle, a side panel on the right.

It only composes panels and routes between them; each panel talks to the core (the same
:class:`assistant.core.app.Hearth` the CLI uses) on its own, with heavy work in :class:`Tasks`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QLabel, QMainWindow, QMessageBox, QScrollArea, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from assistant.core.errors import HearthError
from assistant.ui.background import Bridge, Tasks, settle_heap
from assistant.ui.chat_view import ChatView
from assistant.ui.conv_settings import ConversationSettings
from assistant.ui.conversation_list import ConversationList
from assistant.ui.documents_panel import DocumentsPanel
from assistant.ui.errors import in_words

log = logging.getLogger("assistant.ui")


def _scrollable(panel: QWidget) -> QScrollArea:
    """A wide panel in the narrow side bar scrolls instead of squeezing the chat."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(panel)
    return area


class MainWindow(QMainWindow):
    """Hearth's window.

    Args:
        hearth: the core facade (:class:`assistant.core.app.Hearth` or a test double).
        tasks: background pool; one is made if not given.
        warm_up: load the model and the knowledge base in the background once the window shows.

    Signals:
        languageChangeRequested(str): the user picked another language (the app rebuilds the window).
        modelReady(object): the model finished loading (its ModelFacts).
        optionalPanelsReady(): the prompts and adapters tabs were added (after the first paint).
    """

    languageChangeRequested = Signal(str)
    modelReady = Signal(object)
    optionalPanelsReady = Signal()

    def __init__(self, hearth: Any, tasks: Tasks | None = None, *, warm_up: bool = True) -> None:
        super().__init__()
        self.hearth = hearth
        self.bridge = Bridge(self)
        self.tasks = tasks or Tasks(self.bridge)
        self.setWindowTitle("Hearth")
        self.setObjectName("HearthMainWindow")
        self.setAcceptDrops(True)
        self.qsettings = QSettings(str(Path(hearth.paths.config) / "window.ini"), QSettings.Format.IniFormat)
        self.conversations = ConversationList(hearth, self)
        self.chat = ChatView(hearth, self.tasks, self.bridge, self)
        self.side = QTabWidget(self)
        self.side.setObjectName("sidePanel")
        self.documents = DocumentsPanel(hearth, self.tasks, self.bridge, self)
        self.conv_settings = ConversationSettings(hearth, self.tasks, self)
        self.side.addTab(self.documents, self.tr("Documents"))
        self.side.addTab(self.conv_settings, self.tr("This chat"))
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        for w in (self.conversations, self.chat, self.side):
            self.splitter.addWidget(w)
        for i, stretch in enumerate((0, 1, 0)):
            self.splitter.setStretchFactor(i, stretch)
        self.splitter.setCollapsible(1, False)
        self.setCentralWidget(self.splitter)
        self.model_label = QLabel(self.tr("Model: not loaded yet"), self)
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)  # the name comes from the GGUF file
        self.statusBar().addPermanentWidget(self.model_label)
        self._build_menus()
        self.conversations.selected.connect(self.open_conversation)
        self.conversations.newRequested.connect(self.new_conversation)
        self.chat.needConversation.connect(self.new_conversation)
        self.chat.messageSent.connect(self._after_send)
        self.chat.answerFinished.connect(lambda _c: self.conversations.refresh())
        self.chat.templateApplied.connect(self.conv_settings.set_conversation)
        self.chat.collectionAttached.connect(self._collection_attached)
        self.chat.model_picker.modelChosen.connect(self._model_chosen)
        self.chat.model_picker.modelLoaded.connect(lambda label: self.model_label.setText(self.tr("Model: %s") % label))
        self.chat.model_picker.addServerRequested.connect(self.add_server)
        self.chat.model_picker.findOnlineRequested.connect(self.find_online)
        self.conv_settings.changed.connect(self._conv_settings_changed)
        self.documents.collectionChosen.connect(self._use_collection)
        self.documents.collectionsChanged.connect(self.conv_settings.set_collections)
        self._warm_up = warm_up
        self._warmed = False
        self._adapters_found: Any = None  # (module, registry) until the Adapters tab's panel is built
        self._adapters_panel: Any = None  # that panel, once built
        self._adapters_tab: Any = None
        self.model_dialog: Any = None
        self.eval_panel: Any = None
        self.quality_dashboard: Any = None
        self.restore_state()

    # layout -------------------------------------------------------------------------------------
    def _add_optional_panels(self) -> None:
        """The prompt templates and adapters tabs, added after the first paint.

        Their modules (and the template library and adapter registry behind them) are loaded
        in a worker: importing them pulls in numpy and the GGUF reader, which would delay the
        first paint. Only the widgets are made on the GUI thread.
        """
        import importlib

        hearth = self.hearth

        def load() -> dict[str, Any]:
            return {name: (importlib.import_module(f"assistant.ui.{name}"), getattr(hearth, attr))
                    for name, attr in (("prompts_panel", "templates"), ("adapters_panel", "adapters"))}

        self.tasks.start(load, done=self._make_optional_panels, error=self._optional_panels_failed)

    def _optional_panels_failed(self, e: BaseException) -> None:
        log.warning("prompts and adapters tabs unavailable: %s", e, exc_info=True)
        self.statusBar().showMessage(self.tr("The Prompts and Adapters tabs could not be opened: %s") % in_words(e))

    def _make_optional_panels(self, found: dict[str, Any]) -> None:
        if "prompts_panel" in found:
            mod, library = found["prompts_panel"]
            try:
                self.prompts_panel = mod.PromptsPanel(library, parent=self, lazy=True)  # built when first shown
            except Exception as e:  # an optional panel must not stop the window from working
                log.warning("prompts panel unavailable: %s", e, exc_info=True)
            else:
                self.side.addTab(_scrollable(self.prompts_panel), self.tr("Prompts"))
                self.prompts_panel.personaChosen.connect(self.chat.use_template)
        if "adapters_panel" in found:
            # Built when its tab is first opened (or the panel is first used): making its rows
            # reads the adapter library, which the first paint's warm-up should not wait for.
            self._adapters_found = found["adapters_panel"]
            self._adapters_holder = QWidget()
            self._adapters_holder.setObjectName("adaptersHolder")
            box = QVBoxLayout(self._adapters_holder)
            box.setContentsMargins(0, 0, 0, 0)
            self._adapters_tab = _scrollable(self._adapters_holder)
            self.side.addTab(self._adapters_tab, self.tr("Adapters"))
            self.side.currentChanged.connect(self._side_tab_shown)
        tab = int(self.qsettings.value("side_tab", 0) or 0)
        if tab < self.side.count():
            self.side.setCurrentIndex(tab)
        self.optionalPanelsReady.emit()

    def _side_tab_shown(self, index: int) -> None:
        if self._adapters_tab is not None and self.side.widget(index) is self._adapters_tab:
            self._build_adapters_panel()

    def _build_adapters_panel(self) -> Any:
        """The Adapters tab's panel, made on first use (None if it could not be made)."""
        panel = self._adapters_panel
        if panel is not None or self._adapters_found is None:
            return panel
        mod, registry = self._adapters_found
        self._adapters_found = None
        try:
            panel = mod.AdaptersPanel(registry, self._current_model_path, parent=self._adapters_holder)
        except Exception as e:  # an optional panel must not stop the window from working
            log.warning("adapters panel unavailable: %s", e, exc_info=True)
            return None
        self._adapters_panel = panel
        self._adapters_holder.layout().addWidget(panel)
        panel.show()  # a child added to a widget already on screen is hidden until shown
        self._show_chat_adapters()
        panel.adaptersChanged.connect(self._adapters_changed)
        return panel

    @property
    def adapters_panel(self) -> Any:
        """The Adapters tab's panel; using it builds it. AttributeError until the tab is added."""
        panel = self._build_adapters_panel()
        if panel is None:
            raise AttributeError("adapters_panel")
        return panel

    def _current_model_path(self) -> str | None:
        if self.chat.conv_id is None:
            return None
        return self.hearth.conversation_settings(self.chat.conv_id).model or None

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu(self.tr("&File"))
        self.act_new = self._action(m, self.tr("&New chat"), self.new_conversation, QKeySequence.StandardKey.New)
        self._action(m, self.tr("&Import chat (JSON)…"), self.import_conversation)
        if hasattr(self.conversations, "open_bin"):
            self.act_bin = self._action(m, self.tr("&Deleted chats…"), self.conversations.open_bin)
        self._action(m, self.tr("&Add documents…"), self.documents.pick_files)
        m.addSeparator()
        self._action(m, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        m = mb.addMenu(self.tr("&View"))
        self.act_side = self._action(m, self.tr("Side &panel"), self.toggle_side, QKeySequence("Ctrl+B"))
        self.act_side.setCheckable(True)
        self.act_side.setChecked(True)
        self._action(m, self.tr("&Search chats"), self.focus_search, QKeySequence("Ctrl+K"))
        m = mb.addMenu(self.tr("&Chat"))
        self.act_copy_answer = self._action(m, self.tr("&Copy last answer"), self.chat.copy_last_answer,
                                            QKeySequence("Ctrl+Shift+C"))
        self._action(m, self.tr("&Edit last question\tUp"), self.chat.edit_last_question)
        self._action(m, self.tr("&Stop the answer\tEsc"), self.chat.stop)
        m = mb.addMenu(self.tr("&Models"))
        self._action(m, self.tr("&Model manager…"), self.open_model_manager, QKeySequence("Ctrl+M"))
        self._action(m, self.tr("&Find online…"), self.find_online)
        self._action(m, self.tr("Add a &server…"), self.add_server)
        m = mb.addMenu(self.tr("&Tools"))
        self._action(m, self.tr("&Evaluate answers…"), self.open_eval_panel)
        self._action(m, self.tr("&Quality dashboard…"), self.open_quality_dashboard)
        m = mb.addMenu(self.tr("&Settings"))
        self._action(m, self.tr("&Settings…"), self.open_settings, QKeySequence("Ctrl+,"))
        m = mb.addMenu(self.tr("&Help"))
        self._action(m, self.tr("&Welcome"), self.show_welcome)
        self._action(m, self.tr("&Keyboard shortcuts"), self.show_shortcuts)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.chat.stop,
                  context=Qt.ShortcutContext.WindowShortcut)

    def _action(self, menu: Any, text: str, slot: Any, key: Any = None) -> QAction:
        act = QAction(text, self)
        if key is not None:
            act.setShortcut(key)
        act.triggered.connect(lambda _checked=False: slot())
        menu.addAction(act)
        return act

    def toggle_side(self) -> None:
        self.side.setVisible(not self.side.isVisible())
        self.act_side.setChecked(self.side.isVisible())

    def focus_search(self) -> None:
        self.conversations.search.setFocus()
        self.conversations.search.selectAll()

    # conversations ------------------------------------------------------------------------------
    def new_conversation(self) -> str:
        """Create an empty chat with the default model and open it.

        With no model yet the chat still opens; sending explains what to do. The core names it
        after its first question (:meth:`Hearth.auto_title`).
        """
        conv = self.hearth.new_conversation()
        self.conversations.search.clear()
        self.conversations.select(conv.id)
        self.chat.composer.setFocus()
        return conv.id

    def open_conversation(self, conv_id: str | None) -> None:
        self.chat.set_conversation(conv_id)
        self.conv_settings.set_conversation(conv_id)
        self.documents.set_conversation(conv_id)
        self._show_chat_adapters()
        if conv_id:
            self.qsettings.setValue("last_conversation", conv_id)

    def _after_send(self, conv_id: str) -> None:
        # The core names a new chat when its answer completes; naming it now shows the title
        # in the list while the answer is written (the same rule, so nothing changes at the end).
        # In a worker: the chat store is busy with the answer being stored, and the GUI thread
        # waited for it (up to a quarter of a second while documents were indexed).
        self.tasks.start(lambda: self.hearth.auto_title(conv_id), done=lambda _t: self.conversations.refresh(),
                         error=lambda e: log.warning("could not name the chat: %s", e))

    def _conv_settings_changed(self, conv_id: str, changes: dict) -> None:
        self.hearth.store.update_settings(conv_id, **changes)
        if "collection" in changes:
            self.documents.set_conversation(conv_id)
        if "model" in changes:
            self._show_chat_adapters()  # the fits are checked against the chat's model
            self.chat.show_model()

    def _collection_attached(self, conv_id: str, name: str) -> None:
        """Files attached in the composer went into ``name``: the side tabs show it (a Save there keeps it)."""
        if conv_id == self.chat.conv_id:
            self.conv_settings.set_conversation(conv_id)
            self.documents.set_conversation(conv_id)

    def _use_collection(self, name: str) -> None:
        """Documents were added to a collection: this chat answers from it from now on."""
        cid = self.chat.conv_id
        if cid is not None and name:
            self.hearth.store.update_settings(cid, collection=name)
            self.conv_settings.set_conversation(cid)

    def _show_chat_adapters(self) -> None:
        """The adapters panel shows (and edits) the adapters of the chat that is open."""
        panel = self._adapters_panel
        if panel is None:
            return  # not built yet: it shows the open chat's adapters when it is
        cid = self.chat.conv_id
        panel.show_chat(None if cid is None else list(self.hearth.conversation_settings(cid).adapters))

    def _adapters_changed(self, specs: list) -> None:
        from dataclasses import asdict, is_dataclass

        cid = self.chat.conv_id
        if cid is not None:
            self.hearth.store.update_settings(
                cid, adapters=[asdict(s) if is_dataclass(s) else dict(s) for s in specs])

    def import_conversation(self) -> None:
        import json

        from PySide6.QtWidgets import QFileDialog

        path, _f = QFileDialog.getOpenFileName(self, self.tr("Import chat"), "", self.tr("Chats (*.json)"))
        if not path:
            return
        try:
            with open(path, encoding="utf-8") as f:
                conv = self.hearth.store.import_json(json.load(f))
        except (OSError, ValueError, KeyError) as e:
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Import chat"),
                              self.tr("Could not import %s: %s") % (path, in_words(e)),
                              QMessageBox.StandardButton.Ok, self)
            box.setTextFormat(Qt.TextFormat.PlainText)  # the reason may quote the file
            box.open()
            return
        self.conversations.select(conv.id)

    # models, settings, welcome --------------------------------------------------------------------
    def open_model_manager(self) -> Any:
        from assistant.ui.models_dialog import ModelManagerDialog

        if self.model_dialog is None:
            self.model_dialog = ModelManagerDialog(self.hearth, self.tasks, self)
            self.model_dialog.modelChosen.connect(self._model_chosen)
            self.model_dialog.refreshed.connect(self.conv_settings.refresh_models)
            self.model_dialog.refreshed.connect(self.chat.model_picker.refresh)
        self.model_dialog.refresh()
        self.model_dialog.show()
        self.model_dialog.raise_()
        return self.model_dialog

    def find_online(self) -> Any:
        """Models → Find online…: search the hub for a model to download."""
        return self.open_model_manager().find_online()

    def open_eval_panel(self, a_model: str | None = None, b_model: str | None = None,
                        set_dir: str | None = None) -> Any:
        """Tools → Evaluate answers…: a QA set answered with A (the open chat's model by default) and B."""
        from assistant.ui.eval_panel import EvalPanel

        if self.eval_panel is None:
            self.eval_panel = EvalPanel(self.hearth, self.tasks, self)
        if not a_model:
            try:  # the open chat's model, else the one a new chat gets
                a_model = self._current_model_path() or self.hearth.default_model_path()
            except HearthError:  # no model at all: the panel lists what there is
                a_model = None
        self.eval_panel.configure(a_model=a_model, b_model=b_model, set_dir=set_dir)
        self.eval_panel.show()
        self.eval_panel.raise_()
        return self.eval_panel

    def compare_on_my_documents(self, model: str) -> Any:
        """Evaluate A = this chat's model against B = ``model`` on the feedback set (else a folder the user picks)."""
        panel = self.open_eval_panel(b_model=model)
        panel.use_feedback_set(ask_otherwise=True)
        return panel

    def open_quality_dashboard(self) -> Any:
        """Tools → Quality dashboard…: answers, ratings, speed and context use over time."""
        from assistant.ui.quality_panel import QualityDashboard

        if self.quality_dashboard is None:
            self.quality_dashboard = QualityDashboard(self.hearth, self.tasks, self)
        self.quality_dashboard.refresh()
        self.quality_dashboard.show()
        self.quality_dashboard.raise_()
        return self.quality_dashboard

    def add_server(self) -> Any:
        """Models → Add a server…: a model server; once added, this chat uses it."""
        from assistant.ui.remote_dialog import RemoteServerDialog

        dlg = RemoteServerDialog(self.hearth, self.tasks, self)
        dlg.serverAdded.connect(self._server_added)
        dlg.open()
        return dlg

    def _server_added(self, name: str) -> None:
        from assistant.core.engine.remote_servers import PREFIX

        self.chat.model_picker.refresh()
        self._model_chosen(name if name.startswith(PREFIX) else PREFIX + name)

    def _model_chosen(self, path: str) -> None:
        cid = self.chat.conv_id
        if cid is not None:
            self.hearth.store.update_settings(cid, model=path)
            self.conv_settings.set_conversation(cid)
            self._show_chat_adapters()
            self.chat.show_model()
        self.load_model(path)

    def load_model(self, path: str | None = None) -> None:
        """Load (in the background) the model of the open chat, or ``path``."""
        from assistant.ui.model_picker import gpu_plan_of

        cs = self.hearth.conversation_settings(self.chat.conv_id) if self.chat.conv_id else None
        model = path or (cs.model if cs is not None else "") or ""
        self.model_label.setText(self.tr("Model: loading…"))
        if model:
            self.chat.model_picker.set_loading(model)
        hearth = self.hearth

        def load() -> tuple[Any, str, str]:
            facts = hearth.ensure_model(path, cs)
            try:
                plan = gpu_plan_of(hearth, facts)
            except Exception as e:  # the plan is a detail; the model is loaded
                log.warning("cannot work out the GPU plan: %s", e)
                plan = ""
            return facts, plan, model or str(getattr(facts, "path", ""))

        self.tasks.start(load, done=self._model_loaded, error=self._model_failed)

    def _model_loaded(self, loaded: Any) -> None:
        from assistant.core.models.naming import model_label

        facts, plan, model = loaded if isinstance(loaded, tuple) else (loaded, "", "")
        settle_heap()
        try:
            name = model_label(facts)
        except Exception:  # a remote server's facts may lack fields; its name is enough
            name = getattr(facts, "name", "?")
        self.model_label.setText(self.tr("Model: %s") % name)
        self.chat.model_picker.set_loaded(model, plan)
        self.modelReady.emit(facts)

    def _model_failed(self, e: BaseException) -> None:
        self.model_label.setText(self.tr("Model: failed to load"))
        self.chat.model_picker.set_failed(in_words(e))
        self.chat.show_error(in_words(e))

    def open_settings(self) -> Any:
        from assistant.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.hearth, self)
        dlg.languageChanged.connect(self.languageChangeRequested)
        dlg.themeChanged.connect(self._apply_theme)
        dlg.open()
        return dlg

    def _apply_theme(self, theme: str) -> None:
        from PySide6.QtWidgets import QApplication

        from assistant.ui.theme import apply_theme

        apply_theme(QApplication.instance(), theme)  # type: ignore[arg-type]
        self.chat.delegate.clear_cache()
        self.chat.view.viewport().update()

    def show_shortcuts(self) -> Any:
        from assistant.ui.shortcuts import ShortcutsDialog

        dlg = ShortcutsDialog(self)
        dlg.open()
        return dlg

    def show_welcome(self) -> Any:
        from assistant.ui.welcome import WelcomeDialog

        dlg = WelcomeDialog(self)
        dlg.modelsRequested.connect(self.open_model_manager)
        dlg.finished.connect(lambda _r: self._welcome_done())
        dlg.open()
        return dlg

    def _welcome_done(self) -> None:
        self.hearth.settings.first_run_done = True
        self.hearth.save_settings()

    # drag and drop ---------------------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in e.mimeData().urls() if u.isLocalFile()]
        e.acceptProposedAction()
        self.add_paths(paths)

    def add_paths(self, paths: list[Path]) -> None:
        """What a drop does: GGUF files go to the model manager, the rest to the documents."""
        models = [p for p in paths if p.suffix.lower() == ".gguf"]
        docs = [p for p in paths if p.suffix.lower() != ".gguf"]
        if models:
            dlg = self.open_model_manager()
            for p in models:
                dlg.add_from_disk(str(p))
        if docs:
            if self.chat.conv_id is None:
                self.new_conversation()
            self.side.show()
            self.side.setCurrentWidget(self.documents)
            self.documents.add_paths(docs)

    # state ---------------------------------------------------------------------------------------------
    def restore_state(self) -> None:
        """Size, layout and the last conversation, from the window settings file."""
        geo = self.qsettings.value("geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(1180, 760)
        split = self.qsettings.value("splitter")
        if isinstance(split, QByteArray) and not split.isEmpty():
            self.splitter.restoreState(split)
        else:
            w = self.width()
            self.splitter.setSizes([int(w * 0.19), int(w * 0.49), int(w * 0.32)])
        side_visible = str(self.qsettings.value("side_panel", "true")).lower() == "true"
        self.side.setVisible(side_visible)
        self.act_side.setChecked(side_visible)
        self.side.setCurrentIndex(int(self.qsettings.value("side_tab", 0) or 0))
        last = self.qsettings.value("last_conversation")
        self.conversations.refresh()
        ids = [self.conversations.list.item(i).data(Qt.ItemDataRole.UserRole + 1)
               for i in range(self.conversations.list.count())]
        if last and last in ids:
            self.conversations.select(str(last))
        elif ids:
            self.conversations.select(ids[0])

    def save_state(self) -> None:
        self.qsettings.setValue("geometry", self.saveGeometry())
        self.qsettings.setValue("splitter", self.splitter.saveState())
        self.qsettings.setValue("side_panel", "true" if self.side.isVisible() else "false")
        self.qsettings.setValue("side_tab", self.side.currentIndex())
        if self.chat.conv_id:
            self.qsettings.setValue("last_conversation", self.chat.conv_id)
        self.qsettings.sync()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.Paint and not self._warmed:
            # Everything that reads files or imports heavy modules waits for the first paint.
            self._warmed = True
            QTimer.singleShot(0, self, self._after_first_paint)
        return super().event(e)

    def _after_first_paint(self) -> None:
        self._add_optional_panels()
        self.conv_settings.refresh_models()
        self.chat.model_picker.refresh()
        if not self.hearth.settings.first_run_done:
            self.show_welcome()
        if self._warm_up:
            QTimer.singleShot(100, self, self._start_warm_up)

    def _start_warm_up(self) -> None:
        self.load_model()
        self.documents.warm_up()

    def closeEvent(self, e: QCloseEvent) -> None:
        self.save_state()
        if self._adapters_panel is not None:
            self._adapters_panel.stop_checks()
        self.chat.stop()
        if self.eval_panel is not None:
            self.eval_panel.stop()  # an evaluation ends after the answer being written
        self.documents.cancel_all()
        self.bridge.closed = True
        super().closeEvent(e)
