"""Fit a conversation into the context window, and choose the window's size.

Old turns are dropped first (never the system prompt, never the newest user turn), so an answer
never fails because the history grew. What was dropped is counted for the user to see.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Sequence

from assistant.core.models import gpu as gpu_mod
from assistant.core.models.gpu import kv_cache_mb
from assistant.core.engine.types import Message, ModelFacts

log = logging.getLogger("assistant.engine")

MIN_CTX = 512
CPU_MAX_CTX = 8192  # bigger windows make every prompt slow on a CPU
GPU_MAX_CTX = 32768
MIN_ANSWER_TOKENS = 16  # the least room left for an answer when the history is squeezed


def default_n_ctx(facts: ModelFacts, requested: int = 0, gpu: bool = False,
                  available_mb: float | None = None, kv_budget_mb: float | None = None) -> int:
    """The context window to load a model with.

    Args:
        facts: the model (its trained context length and KV-cache geometry).
        requested: a user setting; 0 = automatic.
        gpu: whether the model is offloaded (allows a bigger default).
        available_mb: free memory; read with psutil when None.
        kv_budget_mb: memory the KV cache may take (the GPU's, when it holds the cache); by
            default a quarter of ``available_mb``.

    Returns:
        ``requested`` if set (capped to the model's own length), else the model's length capped
        by a sane maximum and by the memory budget for the KV cache.
    """
    model_max = max(MIN_CTX, facts.context_length or 2048)
    if requested > 0:
        return max(MIN_CTX // 2, min(requested, model_max))
    n = min(model_max, GPU_MAX_CTX if gpu else CPU_MAX_CTX)
    if kv_budget_mb is None:
        if available_mb is None:
            import psutil

            available_mb = psutil.virtual_memory().available / 2**20
        kv_budget_mb = available_mb * 0.25
    per_1k = kv_cache_mb(facts, 1024)
    if per_1k > 0:
        fit = int(kv_budget_mb / per_1k) * 1024
        if fit < n:
            log.info("context capped to %d tokens by memory (%.0f MB for the cache)", max(MIN_CTX, fit), kv_budget_mb)
            n = max(MIN_CTX, fit)
    return n


@dataclass
class LoadPlan:
    """How a model is loaded: its context window and where its layers go (from one GPU's memory)."""

    n_ctx: int
    n_gpu_layers: int
    main_gpu: int | None  # index in ``BackendInfo.gpus`` of the GPU the plan measured; None: no GPU
    reason: str


def plan_load(facts: ModelFacts, info: "gpu_mod.BackendInfo", requested_ctx: int = 0,
              requested_layers: int | str = "auto", available_mb: float | None = None) -> LoadPlan:
    """Choose the GPU, the layers offloaded to it and the context window, consistently.

    The GPU is the one with the most free memory (the model manager's estimate measures the same
    one), and the load must use that GPU alone. The window gets the GPU's larger default only
    when the plan really puts every layer, and so the whole KV cache, on that GPU; otherwise it
    is sized like a CPU run.

    Args:
        facts: the model.
        info: the build's backend and the machine's GPUs (``gpu.backend_info()``).
        requested_ctx: the context setting (0 = automatic).
        requested_layers: the GPU layers setting (``"auto"`` or a count).
        available_mb: free RAM; read with psutil when None.
    """
    main = gpu_mod.main_gpu(info)
    free = info.gpus[main].free_mb if main is not None else None
    n_ctx = default_n_ctx(facts, requested_ctx, gpu=False, available_mb=available_mb)
    plan = gpu_mod.plan_gpu_layers(facts, n_ctx, free, requested_layers, info.gpu_offload)
    if requested_ctx <= 0 and plan.n_gpu_layers < 0 and free:
        weights_mb = facts.size_bytes / 2**20
        budget = free - gpu_mod.MARGIN_MB - weights_mb
        bigger = default_n_ctx(facts, 0, gpu=True, kv_budget_mb=budget)
        if bigger > n_ctx:
            bigger_plan = gpu_mod.plan_gpu_layers(facts, bigger, free, requested_layers, info.gpu_offload)
            if bigger_plan.n_gpu_layers < 0:  # still all on the GPU with the bigger cache
                n_ctx, plan = bigger, bigger_plan
    if plan.n_gpu_layers == 0:
        main = None
    return LoadPlan(n_ctx, plan.n_gpu_layers, main, plan.reason)


@dataclass
class Fitted:
    """A conversation cut to fit: the messages to render, and what was left out."""

    messages: list[Message]
    dropped_turns: int
    prompt_tokens: int
    max_tokens: int  # the answer budget, perhaps reduced so the answer still fits
    truncated_user: bool = False


def _turns(body: list[Message]) -> list[list[Message]]:
    """Group messages into turns: a user message and the replies that follow it."""
    turns: list[list[Message]] = []
    for m in body:
        if m.role == "user" or not turns:
            turns.append([m])
        else:
            turns[-1].append(m)
    return turns


def fit_to_context(messages: Sequence[Message], count_tokens: Callable[[list[Message]], int],
                   n_ctx: int, max_tokens: int) -> Fitted:
    """Drop the oldest turns until the prompt plus the answer fits ``n_ctx``.

    Args:
        messages: the whole conversation, optionally starting with a system message, ending
            with the newest user message.
        count_tokens: tokens of the rendered prompt for a list of messages.
        n_ctx: the context window.
        max_tokens: the answer budget wanted.

    Returns:
        The messages to send, how many turns were dropped, the prompt's token count and the
        answer budget (reduced, but at least ``MIN_ANSWER_TOKENS``, if even the newest turn is long).
    """
    msgs = list(messages)
    system = [msgs.pop(0)] if msgs and msgs[0].role == "system" else []
    turns = _turns(msgs)
    want = max(1, min(max_tokens, n_ctx - MIN_ANSWER_TOKENS)) if max_tokens > 0 else n_ctx // 4
    dropped = 0
    while True:
        kept = system + [m for t in turns for m in t]
        n = count_tokens(kept)
        if n + want <= n_ctx or len(turns) <= 1:
            break
        # Drop several turns at once when far over, so a long history is not re-tokenized per turn.
        over = n + want - n_ctx
        step = 1
        if len(turns) > 4:
            avg = max(1, n // len(turns))
            step = max(1, min(len(turns) - 1, over // avg))
        turns = turns[step:]
        dropped += step
    fitted = Fitted(kept, dropped, n, want)
    if n + want > n_ctx:
        room = n_ctx - n
        if room >= MIN_ANSWER_TOKENS:
            fitted.max_tokens = room
        else:
            fitted = _shorten_newest(system, turns, count_tokens, n_ctx, dropped)
    return fitted


def _shorten_newest(system: list[Message], turns: list[list[Message]],
                    count_tokens: Callable[[list[Message]], int], n_ctx: int, dropped: int) -> Fitted:
    """The newest user message alone is too long: keep its end (the question is usually last)."""
    newest = turns[-1][0] if turns else Message("user", "")
    text = newest.content
    budget = n_ctx - MIN_ANSWER_TOKENS
    sys_part = list(system)
    while True:
        msgs = sys_part + [Message("user", text)]
        n = count_tokens(msgs)
        if n <= budget or not text:
            break
        if sys_part and count_tokens(sys_part + [Message("user", "")]) > budget // 2:
            sys_part = []  # a system prompt longer than half the window cannot be kept whole
            continue
        cut = max(1, int(len(text) * (1 - budget / n)) + 16)
        text = text[cut:]
    return Fitted(msgs, dropped + max(0, len(turns) - 1), n, max(1, n_ctx - n), truncated_user=True)
