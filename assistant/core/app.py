"""The core facade both faces use: the window and the CLI call the same :class:`Hearth` object.

It owns the settings and lazily opens the parts (conversation store, knowledge base, prompt
library, adapter registry, engine process), so creating it is instant and nothing heavy
(torch, Chroma, llama.cpp) is imported until a feature needs it.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

from assistant.core import paths as paths_mod
from assistant.core import settings as settings_mod
from assistant.core.answers.reply import Reply, build_messages
from assistant.core.conversations.settings import ConversationSettings
from assistant.core.engine import launcher
from assistant.core.engine.types import AdapterSpec, LoadOptions, Message, ModelError, ModelFacts, SamplingParams
from assistant.core.errors import HearthError, Unavailable

__all__ = ["Hearth", "Reply", "ConversationSettings", "build_messages", "default_model_for", "load_options_for"]

log = logging.getLogger("assistant.app")

NEW_CHAT_TITLE = "New chat"


def default_model_for(settings: settings_mod.Settings) -> str:
    """The model used when none is named: the user's default, else the embedded SmolLM2 ("" if neither)."""
    if settings.default_model:
        return settings.default_model
    from assistant.core.models import embedded

    return str(embedded.default_chat_model() or "")


def _typed(conv_settings: "ConversationSettings | dict | None") -> ConversationSettings:
    """A conversation's settings, typed (a plain dict from a caller is read like a stored one)."""
    if isinstance(conv_settings, ConversationSettings):
        return conv_settings
    return ConversationSettings.from_dict(conv_settings)


def load_options_for(settings: settings_mod.Settings,
                     conv_settings: "ConversationSettings | dict | None" = None) -> LoadOptions:
    """How a model is loaded, from the settings and a conversation's own choices (which win).

    Args:
        settings: Hearth's settings.
        conv_settings: ``context_length``, ``chat_template``, ``adapters`` ([{path, scale}]).
    """
    cs = _typed(conv_settings)
    gl: int | str = settings.n_gpu_layers
    if isinstance(gl, str) and gl.lstrip("-").isdigit():
        gl = int(gl)
    return LoadOptions(
        n_ctx=int(cs.context_length or settings.context_length or 0),
        n_gpu_layers=gl,
        chat_template=cs.chat_template or settings.chat_template_override or None,
        adapters=[AdapterSpec(str(a["path"]), float(a.get("scale", 1.0))) for a in cs.adapters],
        state_cache_mb=settings.state_cache_mb,
        prompt_lookup=settings.prompt_lookup if settings.prompt_lookup in ("auto", "on", "off") else "off",
    )


class Hearth:
    """Hearth's core services, opened on first use.

    Args:
        home: keep all data under this folder (like ``HEARTH_HOME``); None = the usual places.
        engine, knowledge, store: ready-made parts (tests pass fakes here).
    """

    def __init__(self, home: str | Path | None = None, *, engine: Any = None, knowledge: Any = None,
                 store: Any = None) -> None:
        launcher.make_here()  # the model's process will run at this thread's priority
        self.paths = paths_mod.resolve(home).ensure()
        self.settings = settings_mod.load(self.paths.settings_file)
        self._engine = engine
        self._knowledge = knowledge
        self._store = store
        self._templates: Any = None
        self._adapters: Any = None
        self._models: Any = None
        self._lock = threading.RLock()  # creating a part (quick)
        self._load_lock = threading.RLock()  # loading a model (slow): never held by the parts' getters
        self._load_key: tuple | None = None
        self._adapters_now: list[dict] = []
        self._turn = threading.Lock()  # one answer at a time on the one engine (see engine_turn)
        self._remotes: dict[str, tuple[tuple, Any]] = {}  # server name -> (its settings, RemoteEngine)

    # -- parts, opened lazily -------------------------------------------------------------
    def _part(self, attr: str, make: Any) -> Any:
        """The part stored in ``attr``, created by ``make()`` on first use (the lock only guards creation)."""
        part = getattr(self, attr)
        if part is not None:
            return part
        with self._lock:
            if getattr(self, attr) is None:
                setattr(self, attr, make())
            return getattr(self, attr)

    @property
    def store(self):
        from assistant.core.conversations.store import ConversationStore

        return self._part("_store", lambda: ConversationStore(self.paths.conversations_db,
                                                               state_dir=self.paths.state_cache))

    @property
    def knowledge(self):
        from assistant.core.knowledge import KnowledgeBase

        return self._part("_knowledge", lambda: KnowledgeBase(self.paths))

    @property
    def templates(self):
        from assistant.core.prompts import TemplateLibrary

        return self._part("_templates", lambda: TemplateLibrary(self.paths))

    @property
    def adapters(self):
        from assistant.core.adapters.registry import AdapterRegistry

        return self._part("_adapters", lambda: AdapterRegistry(self.paths))

    @property
    def models(self):
        """The model registry (models the user added or downloaded)."""
        from assistant.core.models.registry import ModelRegistry

        return self._part("_models", lambda: ModelRegistry(self.paths))

    def model_fit(self, facts: ModelFacts, backend: Any = None) -> Any:
        """Whether a model fits this machine with the user's context length and GPU layers."""
        from assistant.core.models import fit

        return fit.estimate(facts, self.settings.context_length or None, self.settings.n_gpu_layers,
                            backend=backend)

    @property
    def engine(self):
        from assistant.core.engine.process import EngineProcess

        return self._part("_engine", EngineProcess)

    @property
    def remote_servers(self):
        """The model servers the user added (``hearth remote``)."""
        from assistant.core.engine.remote_servers import RemoteServers

        return RemoteServers(self.paths)

    def engine_for(self, model: str | None) -> Any:
        """The engine that runs ``model``: a :class:`RemoteEngine` (one per server) for ``remote:NAME[/ID]``,
        else the local engine process."""
        from assistant.core.engine.remote_servers import is_remote, parse_model

        if not is_remote(model):
            return self.engine
        from assistant.core.engine.remote import RemoteEngine

        servers = self.remote_servers
        server = servers.get(parse_model(str(model))[0])
        key = server.key()
        wanted = (server.url, server.model, key)
        with self._lock:
            cached = self._remotes.get(server.name)
            if cached is not None and cached[0] == wanted:
                cached[1].server = server  # consent may have been given since
                return cached[1]
            if cached is not None:
                cached[1].close()
            engine = RemoteEngine(server, key, may_send=lambda: servers.get(server.name).may_send)
            self._remotes[server.name] = (wanted, engine)
            return engine

    def save_settings(self) -> None:
        settings_mod.save(self.settings, self.paths.settings_file)

    # -- models ---------------------------------------------------------------------------
    def default_model_path(self) -> str:
        """The model a new conversation uses: the user's choice, else the embedded SmolLM2."""
        path = default_model_for(self.settings)
        if not path:
            from assistant.core.models import embedded

            raise ModelError(f"No model to chat with. {embedded.INSTALL_HINT}")
        return path

    def load_options(self, conv_settings: "ConversationSettings | dict | None" = None) -> LoadOptions:
        return load_options_for(self.settings, conv_settings)

    def ensure_model(self, model_path: str | None = None,
                     conv_settings: "ConversationSettings | dict | None" = None) -> ModelFacts:
        """Load the model (and adapters) a conversation needs, unless already loaded.

        Adapters are changed in place (no reload) when only they differ.
        """
        cs = _typed(conv_settings)
        path = model_path or cs.model or self.default_model_path()
        opts = self.load_options(cs)
        if str(path).startswith("remote:"):  # a model on a server: checked there, nothing loaded here
            return self.engine_for(path).load(path, opts)
        key = (path, opts.n_ctx, str(opts.n_gpu_layers), opts.chat_template)
        engine = self.engine
        with self._load_lock:
            if self._load_key != key or engine.facts is None:
                facts = engine.load(path, opts)
                self._load_key = key
                self._adapters_now = [asdict(a) for a in opts.adapters]
                return facts
            wanted = [asdict(a) for a in opts.adapters]
            if wanted != self._adapters_now:
                engine.set_adapters(opts.adapters)
                self._adapters_now = wanted
            return engine.facts

    def engine_if_started(self) -> Any:
        """The engine if it was started, without starting one (to cancel a load in progress)."""
        return self._engine

    def sampling(self, conv_settings: "ConversationSettings | dict | None" = None,
                 overrides: dict | None = None) -> SamplingParams:
        """Sampling from Settings, then the conversation's own choices, then ``overrides``."""
        base = asdict(self.settings.sampling)
        base.update(_typed(conv_settings).sampling)
        base.update(overrides or {})
        return SamplingParams(**{k: v for k, v in base.items() if k in SamplingParams.__dataclass_fields__})

    # -- chat -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def engine_turn(self, cancelled: threading.Event | None = None,
                    timeout: float | None = None) -> Iterator[None]:
        """Wait for the one engine (answers from every face queue here, first come first served).

        Args:
            cancelled: stop waiting when this is set (the turn is then not taken; check it).
            timeout: give up after this many seconds with :class:`Unavailable`.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._turn.acquire(timeout=0.05):
            if cancelled is not None and cancelled.is_set():
                yield
                return
            if deadline is not None and time.monotonic() > deadline:
                raise Unavailable(f"the model was busy with other answers for {timeout:.0f} s; try again shortly")
        try:
            yield
        finally:
            self._turn.release()

    def retrieve(self, collection: str, question: str, *, k: int = 4, mode: str = "hybrid") -> list[Any]:
        """The passages of ``collection`` for ``question`` (``mode``: hybrid, dense or bm25)."""
        return self.knowledge.search(collection, question, k=k, dense=mode != "bm25", keyword=mode != "dense")

    def find_conversation(self, id_or_prefix: str) -> Any:
        """The conversation with this id, or the only one whose id starts with it (the bin included)."""
        return self.store.get(self.store.resolve_id(id_or_prefix))

    def export_markdown(self, conv_id: str, with_reasoning: bool = False) -> str:
        """A chat as Markdown; a model's reasoning ("thinking") is left out unless asked for."""
        from assistant.core.answers.reasoning import strip_reasoning

        if with_reasoning:
            return self.store.export_markdown(conv_id)
        return self.store.export_markdown(
            conv_id, lambda m: strip_reasoning(m.content) if m.role == "assistant" else m.content)

    def conversation_settings(self, conv_id: str) -> ConversationSettings:
        return ConversationSettings.from_dict(self.store.get(conv_id).settings)

    def new_conversation(self, title: str = NEW_CHAT_TITLE,
                         settings: ConversationSettings | None = None) -> Any:
        """A new stored conversation with these settings (the default model if none is named)."""
        cs = settings or ConversationSettings()
        if not cs.model:
            cs = cs.changed(model=default_model_for(self.settings))
        return self.store.create(title, cs.to_dict())

    def reply(self, conv_id: str, user_text: str | None = None, *, regenerate_of: str | None = None,
              edit_of: str | None = None, sampling: dict | None = None, general: bool = False) -> Reply:
        """Answer in a stored conversation; iterate the returned :class:`Reply` for its text.

        Args:
            conv_id: the conversation.
            user_text: the new user message (or the edited text with ``edit_of``).
            regenerate_of: an assistant message to answer again; the old answer stays as a branch.
            edit_of: a user message to replace; the edit forks a new branch.
            sampling: overrides of the conversation's sampling for this answer only.
            general: answer from general knowledge, not the chat's documents (see
                :meth:`answer_anyway`): no passages in the prompt (earlier questions are resent
                without theirs too), nothing checked or cited; meta ``general_knowledge`` True.
        """
        store = self.store
        conv = store.get(conv_id)
        cs = ConversationSettings.from_dict(conv.settings)
        stamp: dict[str, Any] = {}
        if edit_of:
            user_msg = store.edit_user_message(edit_of, user_text or "")
        elif regenerate_of:
            old = store.message(regenerate_of)
            parent_id = store.regenerate_point(regenerate_of)
            user_msg = next((m for m in store.thread(conv_id) if m.id == parent_id), None) if parent_id else None
            if user_msg is None:
                raise HearthError("nothing to regenerate: the answer has no question before it")
            old_meta = old.meta or {}
            if old_meta.get("template"):  # a regenerated templated answer keeps its template
                stamp = {"template": old_meta["template"], "template_version": old_meta.get("template_version")}
        else:
            if not user_text or not user_text.strip():
                raise HearthError("the message is empty")
            user_msg = store.add_message(conv_id, "user", user_text)
        if cs.template_pending and not regenerate_of:
            # only the answer the template asked for is attributed to it
            stamp = {"template": cs.template, "template_version": cs.template_version}
            store.update_settings(conv_id, template_pending=False)
        from assistant.core.answers.reasoning import history_text

        model = cs.model or self.default_model_path()
        history = []
        for m in store.thread(conv_id):
            if m.id == user_msg.id:
                break
            if m.role in ("user", "assistant") and m.status not in ("error", "interrupted"):
                # earlier turns are resent exactly as first sent, so llama.cpp reuses its cache;
                # an answer's reasoning only where the model's template keeps it
                text = m.content if general else (m.meta or {}).get("prompt_content") or m.content
                history.append(Message(m.role, history_text(text, model) if m.role == "assistant" else text))
        meta = {"model": model, **stamp, "adapters": cs.adapters}
        return Reply(self, cs, history, user_msg.content, system=self._system_for(cs),
                     sampling=self.sampling(cs, sampling), model=model, conversation_key=conv_id,
                     store=store, conv_id=conv_id, user_msg=user_msg, meta=meta, general=general)

    def answer_anyway(self, conv_id: str, message_id: str, *, sampling: dict | None = None) -> Reply:
        """Answer a question again "from general knowledge, not your documents".

        Offered under a "not found" answer: the same question is answered by the model without
        any passage, as a sibling branch of ``message_id`` (which stays), stamped
        ``general_knowledge`` in its meta.

        Args:
            conv_id: the conversation.
            message_id: the answer to answer again (usually one that said "not found").
            sampling: overrides of the conversation's sampling for this answer only.
        """
        return self.reply(conv_id, regenerate_of=message_id, sampling=sampling, general=True)

    def answer(self, messages: list[Message], *, settings: ConversationSettings | None = None,
               sampling: dict | None = None, conversation_key: str | None = None,
               general: bool = False) -> Reply:
        """Answer the given messages without storing anything (server, evaluations, ``ask --no-log``).

        The newest message must be the user's question; a leading system message is used as the
        system prompt (else none is added: the caller decides). With ``settings.collection``,
        passages are retrieved for the question and go into that newest turn, as in a stored chat.

        Args:
            messages: the conversation so far, as the caller has it.
            settings: model, collection, adapters... (defaults: the default model, no documents).
            sampling: overrides of the sampling settings.
            conversation_key: keeps llama.cpp's state for this conversation warm between calls.
            general: answer from general knowledge: ``settings.collection`` is not searched.
        """
        if not messages or messages[-1].role != "user" or not messages[-1].content.strip():
            raise HearthError("the last message must be a non-empty user message")
        cs = settings or ConversationSettings()
        system = None
        rest = list(messages[:-1])
        if rest and rest[0].role == "system":
            system = rest.pop(0).content
        elif cs.system_prompt:
            system = cs.system_prompt
        history = [m for m in rest if m.role in ("user", "assistant")]
        model = cs.model or self.default_model_path()
        return Reply(self, cs, history, messages[-1].content, system=system,
                     sampling=self.sampling(cs, sampling), model=model, conversation_key=conversation_key,
                     general=general)

    def _system_for(self, cs: ConversationSettings) -> str:
        return cs.system_prompt or self.settings.system_prompt

    def apply_template(self, conv_id: str, rendered: Any) -> ConversationSettings:
        """A prompt template's choices go to a chat; the next answer is attributed to it."""
        cs = self.conversation_settings(conv_id)
        changes: dict[str, Any] = {"template": rendered.template_name,
                                   "template_version": rendered.template_version, "template_pending": True}
        if rendered.system_prompt:
            changes["system_prompt"] = rendered.system_prompt
        if rendered.sampling:
            changes["sampling"] = {**cs.sampling, **rendered.sampling}
        if getattr(rendered, "collection", None):
            changes["collection"] = rendered.collection
        self.store.update_settings(conv_id, **changes)
        return cs.changed(**changes)

    def auto_title(self, conv_id: str) -> str | None:
        """Name a chat still called "New chat" after its first question; returns the new title."""
        conv = self.store.get(conv_id)
        if conv.title != NEW_CHAT_TITLE:
            return None
        first = next((m.content for m in self.store.thread(conv_id) if m.role == "user"), "")
        title = " ".join(first.split())[:60].strip()
        if not title:
            return None
        self.store.rename(conv_id, title)
        return title

    def collection_for_chat(self, conv_id: str) -> str:
        """The collection files attached to a chat go to: the chat's own, else a new one set on it.

        A new one is named after the chat ("Chat: <title>", in the user's language), with a
        number added when that name is taken, and is created at once so two chats never share it.
        Opens the knowledge base: call it off the GUI thread (the window attaches one job at a time).
        """
        from assistant.core.i18n import tr
        from assistant.core.knowledge import KnowledgeError

        cs = self.conversation_settings(conv_id)
        if cs.collection:
            return cs.collection
        kb = self.knowledge
        base = tr("Chat: {title}", title=self.store.get(conv_id).title.strip() or NEW_CHAT_TITLE)
        for n in range(1, 1000):
            name = base if n == 1 else f"{base} ({n})"
            try:
                kb.create_collection(name)  # refused when the name is taken (no server is asked)
            except KnowledgeError:
                continue
            self.store.update_settings(conv_id, collection=name)
            return name
        raise HearthError(f"Could not name a new collection for the chat '{base}': every name is taken.")

    def rename_collection(self, old: str, new: str) -> int:
        """Rename a collection and every chat that answers from it; returns how many chats changed."""
        self.knowledge.rename_collection(old, new)
        changed = 0
        for conv in self.store.list(limit=100000):
            if ConversationSettings.from_dict(conv.settings).collection == old:
                self.store.update_settings(conv.id, collection=new)
                changed += 1
        return changed

    def close(self) -> None:
        for part in (self._engine, self._knowledge, self._store, *(e for _, e in self._remotes.values())):
            if part is not None:
                try:
                    part.close()
                except Exception:  # closing one part must not stop the others from closing
                    log.exception("error while closing %s", type(part).__name__)
