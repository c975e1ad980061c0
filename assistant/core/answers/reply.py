"""One answer being generated: the same streaming object for every face.

:class:`Reply` is what :meth:`Hearth.reply` (a stored conversation) and :meth:`Hearth.answer`
(messages given by the caller, nothing stored: the server, evaluations, ``ask --no-log``)
return. It builds the prompt (system prompt, history, retrieved passages in the newest user
turn), waits its turn for the one engine, streams the text, and ends with stats and citations.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict
from typing import Any, Iterator

from assistant.core.conversations.settings import ConversationSettings
from assistant.core.engine.types import AnswerStats, Message, SamplingParams

log = logging.getLogger("assistant.app")

SAVE_EVERY_S = 0.5  # how often a streaming answer is written through to the database


def build_messages(system: str | None, history: list[Message], question: str,
                   context_block: str | None = None) -> list[Message]:
    """The messages for one answer.

    Retrieved passages (``context_block``) go into the newest user turn, never the system
    prompt, so earlier turns keep their exact tokens and the model's cache stays warm.
    """
    msgs = [Message("system", system)] if system else []
    msgs.extend(history)
    msgs.append(Message("user", question if not context_block else f"{context_block}\n\nQuestion: {question}"))
    return msgs


class Reply:
    """An answer: iterate it for text chunks.

    Made by the facade (:class:`assistant.core.app.Hearth`), which it calls back for the
    engine turn, the model load and the passages.

    Attributes:
        messages: the exact messages sent to the model.
        message_id: the stored assistant message (None when nothing is stored). Its status goes
            "streaming", then "complete", "stopped" or "error".
        text: the answer so far.
        stats: :class:`AnswerStats` once finished.
        citations: citation dicts (source_path, page, number, cited...) once finished.
        passages: the retrieved passages the answer could cite.
        model: the model path used.
        error: the exception that ended the answer, if any.
    """

    def __init__(self, hearth: Any, settings: ConversationSettings, history: list[Message], question: str,
                 *, system: str | None, sampling: SamplingParams, model: str, conversation_key: str | None,
                 store: Any = None, conv_id: str | None = None, user_msg: Any = None,
                 meta: dict | None = None) -> None:
        self.hearth = hearth
        self.settings = settings
        self.model = model
        self.sampling = sampling
        self.conversation_key = conversation_key
        self.question = question
        self.stats: AnswerStats | None = None
        self.citations: list[dict] = []
        self.passages: list[Any] = []
        self.text = ""
        self.error: BaseException | None = None
        self.conv_id = conv_id
        self.user_msg = user_msg
        self._store = store
        self._stream: Any = None
        self._cancelled = threading.Event()
        self._finished = False
        self._loading = False
        self.turn_timeout: float | None = None  # wait at most this long for the engine (then Unavailable)
        self.on_start: Any = None  # called once the engine is ours and the model is loaded
        block = None
        if settings.collection:
            from assistant.core.knowledge import NO_RELEVANT_PASSAGES, build_context_block

            self.passages = hearth.retrieve(settings.collection, question, k=settings.k, mode=settings.retrieval)
            block = build_context_block(self.passages) if self.passages else NO_RELEVANT_PASSAGES
        self.messages = build_messages(system, history, question, block)
        self.message_id: str | None = None
        if store is not None:
            if block is not None:
                store.update_message(user_msg.id, meta={**(user_msg.meta or {}),
                                                        "prompt_content": self.messages[-1].content})
            self.message_id = store.add_message(conv_id, "assistant", "", parent_id=user_msg.id,
                                                status="streaming", meta=meta or {}).id

    @property
    def persisted(self) -> bool:
        return self.message_id is not None

    def cancel(self) -> None:
        """Stop the answer (also while it waits for its turn); what was generated is kept, marked stopped."""
        self._cancelled.set()
        stream = self._stream
        if stream is not None:
            stream.cancel()
        elif self._loading:  # this answer holds the engine and its model is loading: stop the load
            engine = self.hearth.engine_if_started()
            if engine is not None:
                engine.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def run(self) -> str:
        """Generate the whole answer; returns its text."""
        for _ in self:
            pass
        return self.text

    def __iter__(self) -> Iterator[str]:
        if self._finished:
            return
        last_save = time.monotonic()
        status = "error"
        try:
            with self.hearth.engine_turn(self._cancelled, timeout=self.turn_timeout):
                if self._cancelled.is_set():
                    status = "stopped"
                    return
                self._loading = True
                try:
                    self.hearth.ensure_model(self.model, self.settings)
                finally:
                    self._loading = False
                if self.on_start is not None:
                    self.on_start()
                if self._cancelled.is_set():
                    status = "stopped"
                    return
                self._stream = self.hearth.engine_for(self.model).chat(self.messages, self.sampling,
                                                                       conversation_id=self.conversation_key)
                if self._cancelled.is_set():
                    self._stream.cancel()
                done = False
                try:
                    for chunk in self._stream:
                        self.text += chunk
                        yield chunk
                        if self._store is not None and time.monotonic() - last_save >= SAVE_EVERY_S:
                            self._store.update_message(self.message_id, content=self.text)
                            last_save = time.monotonic()
                    done = True
                finally:
                    if not done:  # the consumer went away mid-answer: free the engine before the turn
                        self._cancelled.set()
                        self._stream.cancel()
                        drain = getattr(self._stream, "drain", None)
                        if drain is not None:
                            drain()
                self.stats = self._stream.stats
            status = "stopped" if (self.stats and self.stats.stopped) or self._cancelled.is_set() else "complete"
        except GeneratorExit:  # the consumer stopped reading (a client went away): a stop, not an error
            status = "stopped"
            self.stats = getattr(self._stream, "stats", None)
            raise
        except BaseException as e:
            self.error = e
            raise
        finally:
            self._finished = True
            self._finish(status)

    def _finish(self, status: str) -> None:
        if self.passages:
            from assistant.core.knowledge import citations_in_answer

            cited = citations_in_answer(self.text, self.passages)
            cited_numbers = {c.number for c in cited}
            self.citations = [dict(asdict(c), cited=True) for c in cited] + [
                dict(asdict(p.citation), cited=False) for p in self.passages
                if p.citation.number not in cited_numbers]
        if self._store is not None:
            self._store.update_message(self.message_id, content=self.text, status=status,
                                       stats=asdict(self.stats) if self.stats else {},
                                       citations=self.citations)
            if status == "complete":
                self.hearth.auto_title(self.conv_id)
