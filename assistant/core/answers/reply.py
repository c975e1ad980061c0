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


def general_settings(settings: ConversationSettings) -> ConversationSettings:
    """A chat's settings for an answer "from general knowledge": the same model, prompt and
    sampling, but no collection, so nothing is retrieved, nothing is checked against passages
    and nothing is cited (the user asked for an answer the documents could not give)."""
    return settings.changed(collection="", reflect=False)


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
        citations: citation dicts once finished: the passages that support a sentence of the
            answer (``cited`` True, ``quotes``: the supporting passage sentences), or, when the
            documents do not contain the answer, the closest passages (``cited`` False). A passage
            with a sentence withheld as an order to the assistant is listed with ``injection``
            True and ``injection_quotes``.
        passages: the retrieved passages the answer could cite.
        raw_text: the model's own words, when ``text`` was changed by the chat's grounding mode.
        sentences: each sentence of ``text`` with its support (:class:`.support.SentenceSupport`
            as dicts: text, start, end, supported, checked, source, reason, detail).
        support: {"sentences", "supported", "unsupported_numbers" (of ``text``), "mode", "not_found",
            "raw": the same counts for the model's own words}.
        not_found: the answer says the documents do not contain it.
        reflection: with the chat's ``reflect`` switch, what self-reflection did (else None):
            ``ran`` False with ``why`` (every sentence supported, stopped...), or ``ran`` True,
            ``kept`` ("first" or "reflected"), ``why`` ("kept the re-answer: 3 of 3 sentences
            supported vs 1 of 3"), ``first`` and ``reflected`` ({text, sentences, supported,
            unsupported_numbers}), ``sentences_used`` (the passage sentences it re-answered from),
            ``prompt_content`` and ``discarded_message_id`` (the stored sibling branch).
            The streamed text is the first answer; :attr:`text` is the kept one.
        model: the model path used.
        error: the exception that ended the answer, if any.
        general_knowledge: answered "from general knowledge, not your documents" (``general``):
            the model saw no passage; nothing was checked or cited.

    Stored with the message (when there is a collection): ``stats["support"]`` = :attr:`support`;
    meta ``support`` = :attr:`sentences`, ``grounding`` = :attr:`support`, ``raw_text`` (only
    when it differs from the content), ``reflection`` ({kept, answer, why, discarded_message_id};
    on the sibling not kept: {kept: False, answer, why, kept_message_id}). An answer made with
    ``general`` has meta ``general_knowledge`` True (and no citations).
    """

    def __init__(self, hearth: Any, settings: ConversationSettings, history: list[Message], question: str,
                 *, system: str | None, sampling: SamplingParams, model: str, conversation_key: str | None,
                 store: Any = None, conv_id: str | None = None, user_msg: Any = None,
                 meta: dict | None = None, general: bool = False) -> None:
        if general:  # no documents: no retrieval, no grounding, no citations
            settings = general_settings(settings)
            meta = {**(meta or {}), "general_knowledge": True}
        self.general_knowledge = general
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
        self.raw_text = ""  # the model's own words (``text`` may say "not found" or leave sentences out)
        self.sentences: list[dict] = []  # support of each sentence of ``text`` (see support.SentenceSupport)
        self.support: dict[str, Any] = {}  # {"sentences", "supported", "unsupported_numbers", "mode", "not_found"}
        self.not_found = False  # the documents do not contain the answer (``text`` says so)
        self._skip_model = False
        self.reflection: dict[str, Any] | None = None  # see _reflect; None when the chat does not reflect
        self._reflection_checked: dict[str, Any] = {}  # the model's words -> their sentence support
        self._discarded: dict[str, Any] | None = None  # the answer not kept by the reflection
        self._echo_free: tuple[str | None, str] = (None, "")  # (text, text without repeated instructions)
        block = None
        if settings.collection:
            from assistant.core.knowledge import NO_RELEVANT_PASSAGES, build_context_block

            from . import grounding

            self.passages = hearth.retrieve(settings.collection, question, k=settings.k, mode=settings.retrieval)
            if not grounding.relevant(settings.grounding, self.passages, question, self._embedder_languages()):
                # nothing relevant: the model is not asked; the closest passages are shown instead
                self._skip_model = True
                self.passages = self.passages or self._closest(question)
                block = NO_RELEVANT_PASSAGES
            else:
                block = build_context_block(self.passages, question, compress=settings.compress)  # none: "not found"
        self.messages = build_messages(system, history, question, block)
        self.message_id: str | None = None
        if store is not None:
            if block is not None:
                store.update_message(user_msg.id, meta={**(user_msg.meta or {}),
                                                        "prompt_content": self.messages[-1].content})
            self.message_id = store.add_message(conv_id, "assistant", "", parent_id=user_msg.id,
                                                status="streaming", meta=meta or {}).id

    def _closest(self, question: str) -> list[Any]:
        """The passages nearest the question, relevant or not (shown with a "not found" answer)."""
        try:
            return self.hearth.knowledge.search(self.settings.collection, question, k=self.settings.k, min_score=-1.0,
                                                dense=self.settings.retrieval != "bm25",
                                                keyword=self.settings.retrieval != "dense")
        except Exception:  # the answer ("not found") stands without them; the log says why
            log.exception("could not look up the closest passages for a not-found answer")
            return []

    @property
    def asks_model(self) -> bool:
        """Whether the model will be asked (False: grounding found no relevant passage; the
        answer is "not found" without the engine)."""
        return not self._skip_model

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
        if self._skip_model:
            yield from self._not_found_without_model()
            return
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
                if status == "complete" and self.settings.reflect and self.settings.collection:
                    self._reflect()
                if status == "complete" and self.settings.verify and self.settings.collection:
                    self._verify()
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

    def _reflect(self) -> None:
        """Self-reflection (the chat's ``reflect`` switch; see :mod:`.reflection`), in the engine turn.

        When a sentence of the finished answer has no supporting passage, the model answers once
        more from the supporting passage sentences only; the better-supported answer becomes
        :attr:`text` (and :attr:`stats`) and the other is kept for :meth:`_finish` (a sibling
        branch in a stored chat). A stop during the re-answer keeps the first answer.
        """
        from . import reflection, support

        embed = self._embed()
        first = reflection.Candidate(self.text, support.check_support(self.text, self.passages, embed, self.question))
        self._reflection_checked[self.text] = first.sentences
        if not any(s.checked and not s.supported for s in first.sentences):
            self.reflection = {"ran": False, "why": "every sentence of the answer is supported"}
            return
        if self.settings.grounding != "off" and not any(s.checked and s.supported for s in first.sentences):
            # Grounding turns a wholly unsupported answer into an honest "not found"; a re-answer
            # that copies some passage sentence would win on support and lose that abstention
            # (measured: F1 0.51 -> 0.21 on 10 SQuAD 2.0 items, 3 unanswerable ones answered).
            self.reflection = {"ran": False, "why": "no sentence of the answer is supported: the documents "
                                                    "do not contain the answer"}
            return
        chosen = reflection.supporting_sentences(self.question, self.text, self.passages, embed)
        if not chosen:
            self.reflection = {"ran": False, "why": "no passage sentence to answer from"}
            return
        messages = build_messages(None, self.messages[:-1], self.question, reflection.context_block(chosen))
        stream = self._stream = self.hearth.engine_for(self.model).chat(messages, self.sampling,
                                                                       conversation_id=self.conversation_key)
        second_text = ""
        done = False
        try:
            for chunk in stream:
                second_text += chunk
            done = True
        finally:
            if not done:
                stream.cancel()
                drain = getattr(stream, "drain", None)
                if drain is not None:
                    drain()
        second_stats = stream.stats
        if self._cancelled.is_set() or (second_stats is not None and second_stats.stopped):
            self.reflection = {"ran": False, "why": "stopped while re-answering; the first answer is kept"}
            return
        second = reflection.Candidate(second_text,
                                      support.check_support(second_text, self.passages, embed, self.question))
        self._reflection_checked[second_text] = second.sentences
        kept, why = reflection.choose(first, second)
        self.reflection = {
            "ran": True, "kept": kept, "why": why,
            "first": {"text": first.text, **first.counts},
            "reflected": {"text": second.text, **second.counts},
            "sentences_used": [p.text for p in chosen],
            "prompt_content": messages[-1].content,
            "discarded_message_id": None,
        }
        first_stats = self.stats
        if kept == "reflected":
            self.text, self.stats = second_text, second_stats
            self._discarded = {"raw": first.text, "stats": first_stats, "role": "first"}
        else:
            self._discarded = {"raw": second.text, "stats": second_stats, "role": "reflected"}
        log.info("self-reflection: %s", why)

    def _verify(self) -> None:
        """The model checks the sentences found unsupported (the chat's ``verify``; see :mod:`.verify`).

        Runs in the engine turn; the result is what :meth:`_check` uses for the answer's support.
        """
        from assistant.core.engine.types import Message, SamplingParams

        from . import support, verify

        text = self._without_echo() or self.text
        checked = self._reflection_checked.get(text)
        if checked is None:
            checked = support.check_support(text, self.passages, self._embed(), self.question)
        engine = self.hearth.engine_for(self.model)
        judge = SamplingParams(temperature=0.0, top_k=1, repeat_penalty=1.0, seed=0, max_tokens=2,
                               grammar=verify.GRAMMAR)

        def ask(prompt: str) -> str:
            if self._cancelled.is_set():
                return ""
            stream = self._stream = engine.chat([Message("user", prompt)], judge)
            return "".join(stream)

        try:
            self._reflection_checked[text] = verify.verify(checked, self.passages, ask)
        except Exception:  # the word and meaning check stands
            log.exception("the model's check of the answer's sentences failed")

    def _not_found_without_model(self) -> Iterator[str]:
        """No passage is relevant enough: say so without asking the model (see :mod:`.grounding`)."""
        from . import grounding

        status = "error"
        try:
            if self.on_start is not None:
                self.on_start()
            self.text = grounding.not_found_text(self.question)
            self.stats = AnswerStats(finish_reason="stop")
            yield self.text
            status = "complete"
        except GeneratorExit:
            status = "stopped"
            raise
        finally:
            self._finished = True
            self._finish(status, no_relevant=True)

    def _check(self, status: str, no_relevant: bool) -> None:
        """Sentence support, the grounding mode's answer, and the citations that follow from them."""
        checked = self._reflection_checked.get(self.text) if not no_relevant else None
        for key, value in self._checked(self.text, status, no_relevant, checked).items():
            setattr(self, key, value)

    def _checked(self, raw: str, status: str, no_relevant: bool, checked: Any = None) -> dict[str, Any]:
        """What the user sees of the model's words ``raw``: text, raw_text, not_found, sentences,
        support and citations (``checked``: ``raw``'s sentence support, if already known)."""
        from assistant.core.knowledge import citations_in_answer
        from assistant.core.knowledge.injection import neutralise

        from . import grounding, support

        mode = self.settings.grounding
        text, raw_text, not_found = raw, "" if no_relevant else raw, False
        if not no_relevant:
            embed = self._embed()
            if checked is None:
                checked = support.check_support(raw, self.passages, embed, self.question)
            raw_summary = support.summary(checked)
            if status == "complete":
                outcome = grounding.apply(mode, self.question, raw, checked)
                not_found = outcome.not_found
                if outcome.text != raw:
                    text = outcome.text
                    checked = [] if outcome.not_found else support.check_support(outcome.body, self.passages, embed,
                                                                                 self.question)
        else:
            not_found, checked = True, []
            raw_summary = support.summary([])
        sentences = [c.as_dict() for c in checked]
        summary = {**support.summary(checked), "mode": mode, "not_found": not_found, "raw": raw_summary}
        by_number = {n: p for n, p in enumerate(self.passages, 1)}
        order: list[int] = []
        for c in checked:
            if c.source and c.source["number"] not in order:
                order.append(c.source["number"])
        if mode == "off":
            order += [c.number for c in citations_in_answer(raw_text, self.passages) if c.number not in order]
        shown = list(order) if not not_found else list(by_number)
        for n in by_number:  # a passage that tried to give orders is listed, flagged, even if not cited
            if n not in shown and neutralise(by_number[n].text).flagged:
                shown.append(n)
        citations = []
        for n in shown:
            p = by_number[n]
            p.citation.number = n
            c = dict(asdict(p.citation), cited=n in order)
            quotes = [s["source"]["quote"] for s in sentences if s["source"] and s["source"]["number"] == n]
            if quotes:
                c["quotes"] = quotes
            flagged = neutralise(p.text)
            if flagged.flagged:
                c["injection"], c["injection_quotes"] = True, flagged.quotes
            citations.append(c)
        return {"text": text, "raw_text": raw_text, "not_found": not_found, "sentences": sentences,
                "support": summary, "citations": citations}

    def _without_echo(self) -> str:
        """:attr:`text` without the instructions the model repeated (see :mod:`.echo`); worked out
        once per text (the model's check and the end of the answer both need it)."""
        from . import echo

        if self._echo_free[0] != self.text:
            try:
                stripped = echo.strip_echo(self.text, self.messages)
            except Exception:  # the answer stands as written rather than lost
                log.exception("checking the answer for repeated instructions failed")
                stripped = self.text
            self._echo_free = (self.text, stripped)
        return self._echo_free[1]

    def _strip_echo(self) -> str:
        """Take the instructions the model repeated off the start of :attr:`text`.

        Returns the model's words as written when something was taken off, else "".
        """
        from . import echo

        stripped = self._without_echo()
        if stripped == self.text:
            return ""
        raw = self.text
        self.text = stripped or echo.only_echo_text(self.question)
        log.info("the model repeated %d characters of its instructions; taken off the answer",
                 len(raw) - len(stripped))
        return raw

    def _embedder_languages(self) -> Any:
        """What the knowledge base's embedder reads (None: every language, or not known)."""
        try:
            return getattr(self.hearth.knowledge.embedder, "languages", None)
        except Exception:  # the embedder cannot load: the search above would have failed first
            log.warning("could not read the embedder's languages", exc_info=True)
            return None

    def _embed(self) -> Any:
        """The knowledge base's embedder (None: support is checked on words only)."""
        try:
            return self.hearth.knowledge.embedder.embed
        except Exception:  # e.g. the embedder cannot load: words alone still check support
            log.warning("no embedder for the support check; checking words only", exc_info=True)
            return None

    def _finish(self, status: str, no_relevant: bool = False) -> None:
        echoed = ""
        if status in ("complete", "stopped") and not no_relevant:
            echoed = self._strip_echo()
        if self.settings.collection and status in ("complete", "stopped"):
            try:
                self._check(status, no_relevant)
            except Exception:  # the answer stands unchecked rather than lost
                log.exception("checking the answer against its passages failed")
        if echoed:  # the model's own words, its repeated instructions included
            self.raw_text = echoed
        extra: dict[str, Any] = {}
        if self.support:
            extra = {"support": self.sentences, "grounding": self.support}
            if self.raw_text != self.text:
                extra["raw_text"] = self.raw_text
        elif echoed:
            extra["raw_text"] = echoed
        if self.reflection is not None and self.reflection.get("ran"):
            r = self.reflection
            extra["reflection"] = self._stored_reflection()
            if r["kept"] == "reflected":
                extra["reflection_prompt"] = r["prompt_content"]
        if self._store is not None:
            stats = asdict(self.stats) if self.stats else {}
            if self.support:
                stats["support"] = self.support
            self._store.update_message(self.message_id, content=self.text, status=status, stats=stats,
                                       citations=self.citations, meta=extra or None)
            if self._discarded is not None and status == "complete":
                self._store_discarded()
            if status == "complete":
                self.hearth.auto_title(self.conv_id)

    def _store_discarded(self) -> None:
        """The answer the reflection did not keep, as a sibling branch of the kept one (not shown)."""
        d, r = self._discarded or {}, self.reflection or {}
        try:
            seen = self._checked(d["raw"], "complete", False, self._reflection_checked.get(d["raw"]))
        except Exception:  # stored unchecked rather than lost
            log.exception("checking the answer the reflection did not keep failed")
            seen = {"text": d["raw"], "raw_text": d["raw"], "sentences": [], "support": {}, "citations": []}
        stats = asdict(d["stats"]) if d.get("stats") else {}
        if seen["support"]:
            stats["support"] = seen["support"]
        meta: dict[str, Any] = {"model": self.model, "adapters": self.settings.adapters,
                                "reflection": {"kept": False, "answer": d["role"], "why": r.get("why", ""),
                                               "kept_message_id": self.message_id},
                                "support": seen["sentences"], "grounding": seen["support"]}
        if seen["raw_text"] != seen["text"]:
            meta["raw_text"] = seen["raw_text"]
        if d["role"] == "reflected":
            meta["reflection_prompt"] = r.get("prompt_content", "")
        msg = self._store.add_message(self.conv_id, "assistant", seen["text"], parent_id=self.user_msg.id,
                                      stats=stats, citations=seen["citations"], meta=meta)
        self._store.switch_branch(self.message_id)  # the kept answer stays the one shown
        self._store.update_message(self.message_id, meta={"reflection": {**self._stored_reflection(),
                                                                         "discarded_message_id": msg.id}})
        r["discarded_message_id"] = msg.id

    def _stored_reflection(self) -> dict[str, Any]:
        r = self.reflection or {}
        return {"kept": True, "answer": r.get("kept"), "why": r.get("why", "")}
