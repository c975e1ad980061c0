"""The core facade both faces use: the window and the CLI call the same :class:`Hearth` object.

It owns the settings and lazily opens the parts (conversation store, knowledge base, prompt
library, adapter registry, engine process), so creating it is instant and nothing heavy
(torch, Chroma, llama.cpp) is imported until a feature needs it.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

from assistant.core import paths as paths_mod
from assistant.core import settings as settings_mod
from assistant.core.engine.types import (AdapterSpec, AnswerStats, LoadOptions, Message, ModelError,
                                         ModelFacts, SamplingParams)

log = logging.getLogger("assistant.app")

SAVE_EVERY_S = 0.5  # how often a streaming answer is written through to the database


def default_model_for(settings: settings_mod.Settings) -> str:
    """The model used when none is named: the user's default, else the embedded SmolLM2 ("" if neither)."""
    if settings.default_model:
        return settings.default_model
    from assistant.core.models import embedded

    return str(embedded.default_chat_model() or "")


def load_options_for(settings: settings_mod.Settings, conv_settings: dict | None = None) -> LoadOptions:
    """How a model is loaded, from the settings and a conversation's own choices (which win).

    Args:
        settings: Hearth's settings.
        conv_settings: ``context_length``, ``chat_template``, ``adapters`` ([{path, scale}]).
    """
    cs = conv_settings or {}
    gl: int | str = settings.n_gpu_layers
    if isinstance(gl, str) and gl.lstrip("-").isdigit():
        gl = int(gl)
    return LoadOptions(
        n_ctx=int(cs.get("context_length") or settings.context_length or 0),
        n_gpu_layers=gl,
        chat_template=cs.get("chat_template") or settings.chat_template_override or None,
        adapters=[AdapterSpec(**a) for a in cs.get("adapters") or []],
        state_cache_mb=settings.state_cache_mb,
    )


class Hearth:
    """Hearth's core services, opened on first use.

    Args:
        home: keep all data under this folder (like ``HEARTH_HOME``); None = the usual places.
        engine, knowledge, store: ready-made parts (tests pass fakes here).
    """

    def __init__(self, home: str | Path | None = None, *, engine: Any = None, knowledge: Any = None,
                 store: Any = None) -> None:
        self.paths = paths_mod.resolve(home).ensure()
        self.settings = settings_mod.load(self.paths.settings_file)
        self._engine = engine
        self._knowledge = knowledge
        self._store = store
        self._templates: Any = None
        self._adapters: Any = None
        self._lock = threading.RLock()  # creating a part (quick)
        self._load_lock = threading.RLock()  # loading a model (slow): never held by the parts' getters
        self._load_key: tuple | None = None

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

        return self._part("_store", lambda: ConversationStore(self.paths.conversations_db))

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
    def engine(self):
        from assistant.core.engine.process import EngineProcess

        return self._part("_engine", EngineProcess)

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

    def load_options(self, conv_settings: dict | None = None) -> LoadOptions:
        return load_options_for(self.settings, conv_settings)

    def ensure_model(self, model_path: str | None = None, conv_settings: dict | None = None) -> ModelFacts:
        """Load the model (and adapters) a conversation needs, unless already loaded.

        Adapters are changed in place (no reload) when only they differ.
        """
        path = model_path or (conv_settings or {}).get("model") or self.default_model_path()
        opts = self.load_options(conv_settings)
        key = (path, opts.n_ctx, str(opts.n_gpu_layers), opts.chat_template)
        engine = self.engine
        with self._load_lock:
            if self._load_key != key or engine.facts is None:
                facts = engine.load(path, opts)
                self._load_key = key
                self._adapters_now = [asdict(a) for a in opts.adapters]
                return facts
            wanted = [asdict(a) for a in opts.adapters]
            if wanted != getattr(self, "_adapters_now", []):
                engine.set_adapters(opts.adapters)
                self._adapters_now = wanted
            return engine.facts

    def engine_if_started(self) -> Any:
        """The engine if it was started, without starting one (to cancel a load in progress)."""
        return self._engine

    def sampling(self, conv_settings: dict | None = None, overrides: dict | None = None) -> SamplingParams:
        base = asdict(self.settings.sampling)
        base.update((conv_settings or {}).get("sampling") or {})
        base.update(overrides or {})
        return SamplingParams(**{k: v for k, v in base.items() if k in SamplingParams.__dataclass_fields__})

    # -- chat -----------------------------------------------------------------------------
    def reply(self, conv_id: str, user_text: str | None = None, *, regenerate_of: str | None = None,
              edit_of: str | None = None) -> "Reply":
        """Start an answer in a conversation; iterate the returned :class:`Reply` for its text.

        Args:
            conv_id: the conversation.
            user_text: the new user message (or the edited text with ``edit_of``).
            regenerate_of: an assistant message to answer again; the old answer stays as a branch.
            edit_of: a user message to replace; the edit forks a new branch.
        """
        store = self.store
        if edit_of:
            user_msg = store.edit_user_message(edit_of, user_text or "")
        elif regenerate_of:
            parent_id = store.regenerate_point(regenerate_of)
            user_msg = next(m for m in store.thread(conv_id) if m.id == parent_id) if parent_id else None
            if user_msg is None:
                raise ValueError("nothing to regenerate: the answer has no question before it")
        else:
            if not user_text or not user_text.strip():
                raise ValueError("the message is empty")
            user_msg = store.add_message(conv_id, "user", user_text)
        return Reply(self, conv_id, user_msg)

    def close(self) -> None:
        for part in (self._engine, self._knowledge, self._store):
            if part is not None:
                try:
                    part.close()
                except Exception:  # closing one part must not stop the others from closing
                    log.exception("error while closing %s", type(part).__name__)


class Reply:
    """One answer being generated: an iterator of text chunks, persisted as it streams.

    Attributes:
        message_id: the stored assistant message (status "streaming", then "complete",
            "stopped" or "error").
        stats: :class:`AnswerStats` once finished.
        citations: list of citation dicts (source_path, page, ...) once finished.
        passages: the retrieved passages the answer could cite.
    """

    def __init__(self, hearth: Hearth, conv_id: str, user_msg: Any) -> None:
        self.hearth = hearth
        self.conv_id = conv_id
        self.user_msg = user_msg
        self.stats: AnswerStats | None = None
        self.citations: list[dict] = []
        self.passages: list[Any] = []
        self.text = ""
        self._stream: Any = None
        self._cancelled = threading.Event()
        store = hearth.store
        conv = store.get(conv_id)
        self.conv_settings = conv.settings or {}
        self.messages = self._build_messages(store, conv)
        meta = {"model": self.conv_settings.get("model") or "",
                "template": self.conv_settings.get("template"),
                "template_version": self.conv_settings.get("template_version"),
                "adapters": self.conv_settings.get("adapters", [])}
        self.message_id = store.add_message(conv_id, "assistant", "", parent_id=user_msg.id,
                                            status="streaming", meta=meta).id

    def _build_messages(self, store: Any, conv: Any) -> list[Message]:
        thread = store.thread(self.conv_id)
        # history up to and including the user message being answered
        upto: list[Any] = []
        for m in thread:
            upto.append(m)
            if m.id == self.user_msg.id:
                break
        system = self.conv_settings.get("system_prompt") or self.hearth.settings.system_prompt
        msgs = [Message("system", system)] if system else []
        for m in upto[:-1]:
            if m.role in ("user", "assistant") and m.status != "error":
                # earlier turns are resent exactly as first sent, so llama.cpp reuses its cache
                msgs.append(Message(m.role, (m.meta or {}).get("prompt_content") or m.content))
        question = self.user_msg.content
        prompt_content = question
        collection = self.conv_settings.get("collection")
        if collection:
            from assistant.core.knowledge import NO_RELEVANT_PASSAGES, build_context_block

            self.passages = self.hearth.knowledge.search(collection, question, k=4)
            block = build_context_block(self.passages) if self.passages else NO_RELEVANT_PASSAGES
            prompt_content = f"{block}\n\nQuestion: {question}"
            store.update_message(self.user_msg.id, meta={**(self.user_msg.meta or {}),
                                                         "prompt_content": prompt_content})
        msgs.append(Message("user", prompt_content))
        return msgs

    def cancel(self) -> None:
        """Stop the answer; what was generated so far is kept and marked as stopped."""
        self._cancelled.set()
        if self._stream is not None:
            self._stream.cancel()

    def __iter__(self) -> Iterator[str]:
        store = self.hearth.store
        last_save = time.monotonic()
        status = "error"
        try:
            self.hearth.ensure_model(None, self.conv_settings)
            if self._cancelled.is_set():
                status = "stopped"
                return
            self._stream = self.hearth.engine.chat(
                self.messages, self.hearth.sampling(self.conv_settings), conversation_id=self.conv_id)
            if self._cancelled.is_set():
                self._stream.cancel()
            for chunk in self._stream:
                self.text += chunk
                yield chunk
                if time.monotonic() - last_save >= SAVE_EVERY_S:
                    store.update_message(self.message_id, content=self.text)
                    last_save = time.monotonic()
            self.stats = self._stream.stats
            status = "stopped" if (self.stats and self.stats.stopped) or self._cancelled.is_set() else "complete"
        finally:
            if self.passages:
                from assistant.core.knowledge import citations_in_answer

                cited = citations_in_answer(self.text, self.passages)
                # a small model often forgets the [n] markers: then show what it was given, marked so
                self.citations = [dict(asdict(c), cited=True) for c in cited] or [
                    dict(asdict(p.citation), cited=False) for p in self.passages]
            store.update_message(self.message_id, content=self.text, status=status,
                                 stats=asdict(self.stats) if self.stats else {},
                                 citations=self.citations)
