"""One ``llama_cpp.Llama`` and everything done with it: load, answer, adapters, saved states.

This runs inside the worker process (see :mod:`assistant.core.engine.worker`); it has no
process logic of its own, so the benchmark can also run it in-process as a baseline.
"""
from __future__ import annotations

import codecs
import ctypes
import logging
import os
import random
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from assistant.core.adapters.validation import validate_adapter
from assistant.core.engine import chat_format, context
from assistant.core.models import gguf_info, gpu
from assistant.core.engine.state_cache import SavedState, StateCache
from assistant.core.engine.types import (AdapterError, AdapterSpec, AnswerStats, EngineError, LoadOptions,
                                         Message, ModelError, ModelFacts, SamplingParams)
from assistant.core.jinja_bounds import cancel_scope

log = logging.getLogger("assistant.engine")

CancelCheck = Callable[[], bool]
PROMPT_SLICE = 256  # prompt tokens evaluated between two cancel checks
PROMPT_LOOKUP_MODES = ("auto", "on", "off")
DOCUMENT_FENCE = "<document>"  # knowledge.citations.OPEN: retrieved passages are in the prompt


def default_threads() -> int:
    """Threads for llama.cpp: half the logical CPUs, for generation and prompt alike.

    llama-cpp-python would read the prompt with every logical CPU. ggml's threads meet at a
    barrier after each operation, so one thread delayed by a busy core (or its hyper-thread
    twin) stalls the rest: on a loaded 2-core machine a 49-token prompt took 4-19 s with 2
    threads and 0.5-0.8 s with 1.
    """
    return max(1, (os.cpu_count() or 2) // 2)


class PromptLookup:
    """Draft tokens for prompt-lookup decoding: what followed the last few tokens earlier on.

    Answers from documents copy phrases from the passages: when the answer's last 3 (else 2)
    tokens occurred before, in the prompt or the answer, the tokens that followed them the last
    time are proposed, up to ``max_draft``; after a 1-token match, 2 tokens. There is always a
    draft (the newest token itself when nothing matches), so every step evaluates a batch of at
    least two tokens: llama.cpp computes logits with one kernel for a single token and another
    for batches. Each kept token is the argmax of the logits the model computed for it, so what
    was drafted cannot put words in the answer; but on some CPUs the batch kernels also round with
    the batch's size (about 1 % of a logit on an AMD EPYC), so two runs drafting differently may
    fork where the model's two best tokens are that close.

    Args:
        tokens: the prompt's tokens.
        max_draft: the most tokens proposed at once.
    """

    NGRAMS = (3, 2, 1)
    MAX_DRAFT = 8
    ONE_TOKEN_MATCH_DRAFT = 2  # a single matching token predicts little: propose less

    def __init__(self, tokens: list[int], max_draft: int | None = None) -> None:
        self.tokens: list[int] = []
        self.max_draft = self.MAX_DRAFT if max_draft is None else max_draft
        self._next: dict[tuple[int, ...], int] = {}  # n-gram -> where its latest continuation starts
        for t in tokens:
            self.append(t)

    def append(self, token: int) -> None:
        """Add one token (of the prompt or the answer)."""
        toks = self.tokens
        j = len(toks)
        toks.append(token)
        for n in self.NGRAMS:  # the n-grams ending just before this token now have a continuation
            if j >= n:
                self._next[tuple(toks[j - n:j])] = j

    def draft(self, limit: int) -> list[int]:
        """Up to ``limit`` tokens that followed the latest earlier occurrence of the last tokens."""
        toks = self.tokens
        if limit <= 0 or not toks:
            return []
        for n in self.NGRAMS:
            start = self._next.get(tuple(toks[-n:])) if len(toks) > n else None
            if start is not None:
                k = self.max_draft if n > 1 else min(self.max_draft, self.ONE_TOKEN_MATCH_DRAFT)
                return toks[start:start + min(limit, k)]
        return toks[-1:]


class ModelRuntime:
    """Owns one loaded model. Not thread-safe: one caller at a time (the worker loop)."""

    def __init__(self) -> None:
        self.llm: Any = None
        self.facts: ModelFacts | None = None
        self.options = LoadOptions()
        self.template: chat_format.ChatTemplate | None = None
        self.load_count = 0
        self.gpu_reason = ""
        self.adapters: list[AdapterSpec] = []
        self._adapter_ptrs: dict[str, Any] = {}
        self.states: StateCache | None = None
        self.conversation_id: str | None = None

    # -- loading ---------------------------------------------------------------------------
    def load(self, model_path: str, options: LoadOptions) -> ModelFacts:
        """Validate and load a model (the previous one is unloaded first).

        Raises:
            ModelError: the file is unusable or llama.cpp could not load it.
            AdapterError: an adapter in ``options.adapters`` was refused.
        """
        import llama_cpp

        facts = gguf_info.read_model_facts(model_path)
        template = chat_format.resolve_template(facts, options.chat_template)
        for spec in options.adapters:
            validate_adapter(spec.path, model_path)
        self.unload()
        info = gpu.backend_info()
        plan = context.plan_load(facts, info, options.n_ctx, options.n_gpu_layers)
        n_ctx = plan.n_ctx
        self.gpu_reason = plan.reason
        log.info("loading %s: n_ctx %d, %s", model_path, n_ctx, plan.reason)
        threads = options.n_threads or default_threads()
        where: dict[str, Any] = {}
        if plan.main_gpu is not None and len(info.gpus) > 1:
            # The plan measured one GPU: put the model on that one, not split over all of them.
            where = {"main_gpu": plan.main_gpu, "split_mode": llama_cpp.LLAMA_SPLIT_MODE_NONE}
        try:
            # llama-cpp-python compiles the GGUF's templates with plain (unbounded) Jinja at load;
            # Hearth renders them itself, bounded, so that compile is skipped
            with chat_format.llama_cpp_template_compile_disabled():
                self.llm = llama_cpp.Llama(
                    model_path=str(model_path), n_ctx=n_ctx, n_batch=min(options.n_batch, n_ctx),
                    n_gpu_layers=plan.n_gpu_layers, n_threads=threads, **where,
                    n_threads_batch=options.n_threads_batch or threads,
                    seed=options.seed if options.seed >= 0 else llama_cpp.LLAMA_DEFAULT_SEED, verbose=False)
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"{model_path}: llama.cpp could not load the model ({e}).") from None
        self.facts, self.options, self.template = facts, options, template
        self.load_count += 1
        folder = Path(options.state_cache_dir) if options.state_cache_dir else None
        if folder is None and options.state_cache:
            from assistant.core import paths

            folder = paths.resolve().state_cache
        self.states = StateCache(folder, options.state_ram_mb, options.state_cache_mb) if options.state_cache else None
        self.conversation_id = None
        if options.adapters:
            self.set_adapters(list(options.adapters))
        return facts

    def unload(self) -> None:
        """Free the model (saved states go to disk first)."""
        if self.llm is None:
            return
        self._save_current()
        if self.states is not None:
            self.states.spill_all()
        self._set_lora([])
        for ptr in self._adapter_ptrs.values():
            import llama_cpp

            llama_cpp.llama_adapter_lora_free(ptr)
        self._adapter_ptrs.clear()
        self.adapters = []
        self.llm.close()
        self.llm = None
        self.facts = None

    def _need(self) -> Any:
        if self.llm is None:
            raise EngineError("no model is loaded; choose a model first.")
        return self.llm

    # -- adapters --------------------------------------------------------------------------
    def _set_lora(self, specs: list[AdapterSpec]) -> None:
        import llama_cpp

        if self.llm is None:
            return
        n = len(specs)
        arr = (llama_cpp.llama_adapter_lora_p_ctypes * max(1, n))(*[self._adapter_ptrs[s.path] for s in specs])
        scales = (ctypes.c_float * max(1, n))(*[s.scale for s in specs])
        if llama_cpp.llama_set_adapters_lora(self.llm._ctx.ctx, arr if n else None, n, scales if n else None):
            raise AdapterError("llama.cpp refused to apply the adapters.")

    def set_adapters(self, specs: list[AdapterSpec]) -> list[dict[str, Any]]:
        """Apply exactly these adapters with these scales, without reloading the base model.

        Raises:
            AdapterError: an adapter is invalid for this model (nothing is changed then).
        """
        import llama_cpp

        llm = self._need()
        infos = [validate_adapter(s.path, self.facts.path) for s in specs]  # all checked before any change
        for s in specs:
            if s.path not in self._adapter_ptrs:
                ptr = llama_cpp.llama_adapter_lora_init(llm._model.model, s.path.encode("utf-8"))
                if not ptr:  # a NULL pointer comes back falsy, not None
                    raise AdapterError(f"{s.path}: llama.cpp rejected the adapter (see the log for its reason).")
                self._adapter_ptrs[s.path] = ptr
        if [(s.path, s.scale) for s in specs] != [(a.path, a.scale) for a in self.adapters]:
            self._save_current()
            self._set_lora(specs)
            self.adapters = [AdapterSpec(s.path, s.scale) for s in specs]
            # The cached tokens were computed with other weights: start the KV cache afresh.
            llm.reset()
            self.conversation_id = None
        return [{"path": i.path, "rank": i.rank, "alpha": i.alpha, "targets": i.targets,
                 "scale": s.scale} for i, s in zip(infos, specs)]

    def _adapters_key(self) -> str:
        return ";".join(f"{a.path}@{a.scale}" for a in self.adapters)

    # -- saved conversation states ----------------------------------------------------------
    def _save_current(self) -> None:
        import llama_cpp

        llm = self.llm
        if llm is None or self.states is None or self.conversation_id is None or llm.n_tokens == 0:
            return
        ctx = llm._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_get_data(ctx, buf, size)
        state = SavedState(llm.input_ids[:llm.n_tokens].tolist(), ctypes.string_at(buf, n))
        self.states.put(StateCache.key(self.facts.path, self._adapters_key(), self.conversation_id), state)

    def _switch_conversation(self, conversation_id: str | None) -> str:
        import llama_cpp

        if conversation_id is None or conversation_id == self.conversation_id or self.states is None:
            if conversation_id is not None:
                self.conversation_id = conversation_id
            return ""
        self._save_current()
        self.conversation_id = conversation_id
        state, where = self.states.get(StateCache.key(self.facts.path, self._adapters_key(), conversation_id))
        if state is None:
            return ""
        llm = self.llm
        buf = (ctypes.c_uint8 * len(state.data)).from_buffer_copy(state.data)
        if llama_cpp.llama_state_set_data(llm._ctx.ctx, buf, len(state.data)) != len(state.data):
            log.warning("a saved conversation state did not fit this context; re-reading the history")
            llm.reset()
            return ""
        n = len(state.tokens)
        llm.input_ids[:n] = state.tokens
        llm.n_tokens = n
        llm._requires_eval = True
        return where

    # -- answering ---------------------------------------------------------------------------
    def count_tokens(self, messages: list[Message]) -> int:
        """Tokens of the prompt these messages render to."""
        return len(self._tokenize(self.template.render(messages)))

    def message_tokens(self, messages: list[Message]) -> list[int]:
        """Tokens of each message's text (without the template's markup)."""
        llm = self._need()
        return [len(llm.tokenize(m.content.encode("utf-8"), add_bos=False, special=False)) for m in messages]

    def _tokenize(self, text: str) -> list[int]:
        import llama_cpp

        llm = self._need()
        toks = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        bos = llm.token_bos()
        wants_bos = llama_cpp.llama_vocab_get_add_bos(llm._model.vocab)
        if wants_bos and bos >= 0 and (not toks or toks[0] != bos):
            toks.insert(0, bos)
        return toks

    def _eval_prompt(self, tokens: list[int], cancelled: CancelCheck) -> tuple[int, bool]:
        """Evaluate the prompt after the longest cached prefix; returns (cached tokens, cancelled)."""
        llm = self.llm
        cached = 0
        for a, b in zip(llm.input_ids[:llm.n_tokens], tokens):
            if a != b:
                break
            cached += 1
        cached = min(cached, len(tokens) - 1)  # at least one token is evaluated, to get fresh logits
        if cached > 0 and llm._ctx.kv_cache_seq_rm(-1, cached, -1):
            llm.n_tokens = cached
        else:
            llm.reset()
            cached = 0
        step = max(1, min(PROMPT_SLICE, llm.n_batch))
        for i in range(cached, len(tokens), step):
            if cancelled():
                return cached, True
            llm.eval(tokens[i:i + step])
        return cached, False

    def chat(self, messages: list[Message], sampling: SamplingParams, cancelled: CancelCheck,
             conversation_id: str | None = None) -> Iterator[str | AnswerStats]:
        """Answer a conversation: yields text chunks, then one final :class:`AnswerStats`.

        Raises:
            EngineError: no model, or the template cannot format the conversation.
        """
        import llama_cpp

        llm = self._need()
        t0 = time.perf_counter()
        restored = self._switch_conversation(conversation_id)
        n_ctx = llm.n_ctx()
        try:
            with cancel_scope(cancelled):  # every render of the template here stops on Stop too
                fit = context.fit_to_context(messages, self.count_tokens, n_ctx, sampling.max_tokens)
                tokens = self._tokenize(self.template.render(fit.messages))
        except chat_format.ChatRenderCancelled:
            yield AnswerStats(stopped=True, finish_reason="cancelled", context_size=n_ctx, load_count=self.load_count,
                              conversation_id=conversation_id, state_restored=restored,
                              total_s=time.perf_counter() - t0)
            return
        stats = AnswerStats(prompt_tokens=len(tokens), dropped_turns=fit.dropped_turns, context_size=n_ctx,
                            load_count=self.load_count, conversation_id=conversation_id, state_restored=restored,
                            truncated_user=fit.truncated_user)
        cached, stop = self._eval_prompt(tokens, cancelled)
        stats.cached_tokens = cached
        if stop:
            stats.stopped, stats.finish_reason = True, "cancelled"
            stats.total_s = time.perf_counter() - t0
            llm.n_tokens = min(llm.n_tokens, len(tokens))
            yield stats
            return
        seed = sampling.seed if sampling.seed >= 0 else random.randrange(2**31)
        llm.set_seed(seed)
        stops = [s for s in list(sampling.stop) + (self.template.stop if self.template else []) if s]
        vocab = llm._model.vocab
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending, generated, answer = "", 0, []
        stats.finish_reason = "length"
        t_first = None
        grammar = None
        if getattr(sampling, "grammar", ""):
            from llama_cpp import LlamaGrammar

            grammar = LlamaGrammar.from_string(sampling.grammar, verbose=False)
        sampler = llm._init_sampler(top_k=sampling.top_k, top_p=sampling.top_p, min_p=sampling.min_p,
                                    temp=sampling.temperature, repeat_penalty=sampling.repeat_penalty,
                                    grammar=grammar)
        lookup = PromptLookup(tokens) if self._use_prompt_lookup(fit.messages) else None
        stats.prompt_lookup = lookup is not None
        gen = self._decode(sampler, lookup, stats)
        history = list(tokens)
        try:
            for tok in gen:
                if t_first is None:
                    t_first = time.perf_counter()
                if cancelled():
                    stats.stopped, stats.finish_reason = True, "cancelled"
                    break
                if llama_cpp.llama_vocab_is_eog(vocab, tok):
                    stats.finish_reason = "stop"
                    break
                generated += 1
                piece = llm.detokenize([tok], prev_tokens=history)
                history.append(tok)
                pending += decoder.decode(piece)
                found = [(pending.find(s), s) for s in stops if s in pending]
                hit = min(found) if found else None
                if hit:
                    out = pending[:hit[0]]
                    if out:
                        answer.append(out)
                        yield out
                    pending = ""
                    stats.finish_reason = "stop"
                    break
                keep = max((k for s in stops for k in range(1, len(s)) if pending.endswith(s[:k])), default=0)
                out = pending[:len(pending) - keep]
                pending = pending[len(pending) - keep:]
                if out:
                    answer.append(out)
                    yield out
                if generated >= fit.max_tokens or llm.n_tokens + 1 >= n_ctx:
                    break
        finally:
            gen.close()
        if pending and stats.finish_reason != "stop":
            answer.append(pending)
            yield pending
        end = time.perf_counter()
        stats.generated_tokens = generated
        stats.ttft_s = (t_first or end) - t0
        gen_time = end - (t_first or end)
        stats.tokens_per_s = (generated - 1) / gen_time if generated > 1 and gen_time > 0 else 0.0
        stats.total_s = end - t0
        stats.context_used = llm.n_tokens
        yield stats

    def _use_prompt_lookup(self, messages: list[Message]) -> bool:
        """Whether this answer drafts from its prompt (``LoadOptions.prompt_lookup``)."""
        mode = self.options.prompt_lookup
        if mode == "on" or mode == "off":
            return mode == "on"
        # auto: answers from documents, which copy phrases from the passages in the newest turn
        return bool(messages) and messages[-1].role == "user" and DOCUMENT_FENCE in messages[-1].content

    def _decode(self, sampler: Any, lookup: PromptLookup | None, stats: AnswerStats) -> Iterator[int]:
        """Yield the answer's tokens one by one, the prompt having been evaluated.

        With ``lookup``, the tokens it drafts are evaluated in one batch after the newest token,
        and kept as long as each is the token the sampler chooses there; the sampler sees each
        position's logits in order, once, as without drafts. The logits come from llama.cpp's
        batch kernel, which can differ from its one-token kernel by up to ~1 logit on a CPU, so
        a greedy answer is the model's own choice at every token but may differ from the answer
        without drafts where two tokens are nearly tied. Only tokens that were yielded stay in
        the cache, however the caller stops.
        """
        llm = self.llm
        ctx, n_ctx = llm._ctx, llm.n_ctx()
        room_batch = max(0, llm.n_batch - 1)
        tok = sampler.sample(ctx, -1)
        try:
            while True:
                yield tok
                draft: list[int] = []
                if lookup is not None:
                    lookup.append(tok)
                    draft = lookup.draft(min(room_batch, n_ctx - llm.n_tokens - 2))
                    stats.drafted_tokens += len(draft)
                n_past = llm.n_tokens
                batch = [tok] + draft
                ctx.kv_cache_seq_rm(-1, n_past, -1)  # the draft tokens rejected last round
                llm._batch.set_batch(batch, n_past, logits_all=bool(draft))
                ctx.decode(llm._batch)
                llm.input_ids[n_past:n_past + len(batch)] = batch
                llm.n_tokens = n_past + 1
                for i in range(len(batch)):
                    tok = sampler.sample(ctx, i if draft else -1)
                    if i == len(draft) or tok != draft[i]:
                        break  # the model's own token: evaluated next round
                    llm.n_tokens += 1  # the draft token in the cache is the model's choice: kept
                    stats.accepted_tokens += 1
                    lookup.append(tok)
                    yield tok
        finally:
            ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)  # drop rejected (or unread) draft tokens

    def forget_cache(self) -> None:
        """Read the next prompt from its first token: no prefix of the last prompt is reused.

        The conversation's saved state (if any) stays saved; only what the model holds now is dropped.
        """
        if self.llm is not None:
            self.llm.reset()
        self.conversation_id = None

    def next_token_logits(self, prompt: str) -> list[float]:
        """The model's logits for the token after ``prompt`` (for comparing adapters)."""
        import llama_cpp

        llm = self._need()
        tokens = self._tokenize(prompt)
        llm.reset()
        llm.eval(tokens)
        ptr = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
        n = llm.n_vocab()
        out = list(ptr[:n])
        self.forget_cache()  # the cache no longer matches any conversation prefix we track
        return out

    def stats(self) -> dict[str, Any]:
        llm = self.llm
        return {"load_count": self.load_count, "model": self.facts.path if self.facts else None,
                "n_ctx": llm.n_ctx() if llm else 0, "n_tokens": llm.n_tokens if llm else 0,
                "adapters": [{"path": a.path, "scale": a.scale} for a in self.adapters],
                "template": self.template.name if self.template else None, "gpu": self.gpu_reason,
                "conversation_id": self.conversation_id,
                "state_cache": self.states.summary() if self.states else None}
