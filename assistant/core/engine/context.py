"""Fit a conversation into the context window, and choose the window's size.

Old turns are dropped first (never the system prompt, never the newest user turn), so an answer
never fails because the history grew. What was dropped is counted for the user to see.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Sequence

from assistant.core.engine.gpu import kv_cache_mb
from assistant.core.engine.types import Message, ModelFacts

log = logging.getLogger("assistant.engine")

MIN_CTX = 512
CPU_MAX_CTX = 8192  # bigger windows make every prompt slow on a CPU
GPU_MAX_CTX = 32768
MIN_ANSWER_TOKENS = 16  # the least room left for an answer when the history is squeezed


def default_n_ctx(facts: ModelFacts, requested: int = 0, gpu: bool = False,
                  available_mb: float | None = None) -> int:
    """The context window to load a model with.

    Args:
        facts: the model (its trained context length and KV-cache geometry).
        requested: a user setting; 0 = automatic.
        gpu: whether the model is offloaded (allows a bigger default).
        available_mb: free memory; read with psutil when None.

    Returns:
        ``requested`` if set (capped to the model's own length), else the model's length capped
        by a sane maximum and by a quarter of free memory for the KV cache.
    """
    model_max = max(MIN_CTX, facts.context_length or 2048)
    if requested > 0:
        return max(MIN_CTX // 2, min(requested, model_max))
    n = min(model_max, GPU_MAX_CTX if gpu else CPU_MAX_CTX)
    if available_mb is None:
        import psutil

        available_mb = psutil.virtual_memory().available / 2**20
    per_1k = kv_cache_mb(facts, 1024)
    if per_1k > 0:
        fit = int(available_mb * 0.25 / per_1k) * 1024
        if fit < n:
            log.info("context capped to %d tokens by free memory (%.0f MB)", max(MIN_CTX, fit), available_mb)
            n = max(MIN_CTX, fit)
    return n


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
