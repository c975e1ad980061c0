"""Reasoning ("thinking") split from the answer, as the text streams in.

Models that think before answering write their reasoning in a channel the chat template marks:
``<think>…</think>`` (Qwen3, QwQ, DeepSeek-R1 and its distills, GLM, MiniMax, Kimi, SmolLM3),
``<seed:think>…</seed:think>`` (Seed-OSS), ``<thinking>…</thinking>``, ``[THINK]…[/THINK]``
(Mistral's reasoning models) and gpt-oss's analysis channel
(``<|channel|>analysis<|message|>…<|end|>`` then ``<|start|>assistant<|channel|>final<|message|>``).
Templates such as DeepSeek-R1's open ``<think>`` in the prompt itself, so the model's text holds
only the closing tag: :func:`split_reasoning` treats text before an unopened closing tag as
reasoning; a stream is told with ``starts_in_reasoning``.

Every template of ``shared/eval/chat_templates`` with such a channel drops the reasoning of
earlier assistant turns from the prompt, so :func:`strip_reasoning` is what history resends.

:class:`ReasoningSplitter` works on chunks cut anywhere, a tag split across two chunks included:
it holds back only the tail that could still begin a marker.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Iterable, Iterator

from assistant.core.errors import HearthError

__all__ = ["ReasoningSplitter", "Split", "split_reasoning", "strip_reasoning", "split_stream", "history_text",
           "template_drops_reasoning", "REASONING", "ANSWER"]

REASONING, ANSWER = "reasoning", "answer"

# (opening marker, closing marker)
PAIRS: tuple[tuple[str, str], ...] = (
    ("<think>", "</think>"),
    ("<seed:think>", "</seed:think>"),
    ("<thinking>", "</thinking>"),
    ("[THINK]", "[/THINK]"),
    ("<|channel|>analysis<|message|>", "<|end|>"),
)
# gpt-oss's framing around the final answer: not text for the user
DROPPED: tuple[str, ...] = ("<|start|>assistant<|channel|>final<|message|>", "<|channel|>final<|message|>",
                            "<|start|>assistant", "<|return|>")
_OPENERS = {o: c for o, c in PAIRS}
_MARKERS = tuple(_OPENERS) + DROPPED


@dataclass
class Split:
    """A message's reasoning and its answer."""

    reasoning: str
    answer: str


def _held_tail(buf: str, markers: Iterable[str]) -> int:
    """Length of the longest end of ``buf`` that is the start of a marker (kept until more text comes)."""
    best = 0
    for m in markers:
        for n in range(min(len(m) - 1, len(buf)), best, -1):
            if buf.endswith(m[:n]):
                best = n
                break
    return best


class ReasoningSplitter:
    """Splits streamed text into reasoning and answer pieces.

    Args:
        starts_in_reasoning: the prompt already opened the reasoning (``<think>`` at the end of
            the generation prompt): text is reasoning until ``</think>``.

    Attributes:
        reasoning_chunks: how many fed chunks carried reasoning (streamed chunks are tokens, so
            this counts the reasoning's tokens).
    """

    def __init__(self, starts_in_reasoning: bool = False) -> None:
        self._buf = ""
        self._close: str | None = "</think>" if starts_in_reasoning else None
        self._answer_started = False
        self.reasoning_chunks = 0

    @property
    def in_reasoning(self) -> bool:
        return self._close is not None

    def feed(self, chunk: str) -> list[tuple[str, str]]:
        """Pieces of ``(REASONING | ANSWER, text)`` that are certain after this chunk."""
        self._buf += chunk
        out = self._scan(final=False)
        if any(kind == REASONING for kind, _ in out) or (chunk and self.in_reasoning):
            self.reasoning_chunks += 1
        return out

    def flush(self) -> list[tuple[str, str]]:
        """The held-back rest, at the end of the stream (an unclosed reasoning stays reasoning)."""
        return self._scan(final=True)

    def _emit(self, out: list[tuple[str, str]], kind: str, text: str) -> None:
        if kind == ANSWER and not self._answer_started:
            text = text.lstrip()  # the blank lines after a closing tag are not part of the answer
            if not text:
                return
            self._answer_started = True
        if text:
            if out and out[-1][0] == kind:
                out[-1] = (kind, out[-1][1] + text)
            else:
                out.append((kind, text))

    def _scan(self, final: bool) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        while self._buf:
            buf = self._buf
            if self._close is not None:
                i = buf.find(self._close)
                if i >= 0:
                    self._emit(out, REASONING, buf[:i])
                    self._buf = buf[i + len(self._close):]
                    self._close = None
                    continue
                keep = 0 if final else _held_tail(buf, (self._close,))
                self._emit(out, REASONING, buf[:len(buf) - keep])
                self._buf = buf[len(buf) - keep:]
                break
            hits = [(buf.find(m), -len(m), m) for m in _MARKERS if m in buf]
            if hits:
                i, _neg, marker = min(hits)
                self._emit(out, ANSWER, buf[:i])
                self._buf = buf[i + len(marker):]
                self._close = _OPENERS.get(marker)
                continue
            keep = 0 if final else _held_tail(buf, _MARKERS)
            self._emit(out, ANSWER, buf[:len(buf) - keep])
            self._buf = buf[len(buf) - keep:]
            break
        return out


def split_stream(chunks: Iterable[str], starts_in_reasoning: bool = False) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` pieces of a stream of chunks (see :class:`ReasoningSplitter`)."""
    sp = ReasoningSplitter(starts_in_reasoning)
    for c in chunks:
        yield from sp.feed(c)
    yield from sp.flush()


def split_reasoning(text: str) -> Split:
    """A whole message's reasoning and answer.

    A closing ``</think>`` with no opening tag before it (the prompt opened it) makes the text
    before it reasoning.
    """
    starts = False
    close = text.find("</think>")
    if close >= 0:
        opened = [text.find(m) for m in _MARKERS if 0 <= text.find(m) < close]
        starts = not opened
    reasoning: list[str] = []
    answer: list[str] = []
    for kind, piece in split_stream([text], starts):
        (reasoning if kind == REASONING else answer).append(piece)
    return Split("".join(reasoning).strip(), "".join(answer))


def strip_reasoning(text: str) -> str:
    """The answer alone (what is resent to the model, copied and exported by default)."""
    return split_reasoning(text).answer if has_reasoning(text) else text


_PROBE = "hearth-reasoning-probe"


@functools.lru_cache(maxsize=32)
def template_drops_reasoning(template: str | None) -> bool:
    """Whether a chat template leaves the reasoning of earlier assistant turns out of the prompt.

    The template is rendered (sandboxed) with an earlier answer that thinks in each known format;
    if the probe text is gone, it drops reasoning. No template, or one that cannot be rendered
    this way: True (reasoning is not resent).
    """
    if not template:
        return True
    from assistant.core.engine.chat_format import render_template

    for opener, closer in PAIRS[:4]:
        if opener not in template and closer not in template:
            continue
        msgs = [{"role": "user", "content": "q1"},
                {"role": "assistant", "content": f"{opener}{_PROBE}{closer}a1"},
                {"role": "user", "content": "q2"}]
        try:
            return _PROBE not in render_template(template, msgs, add_generation_prompt=True)
        except Exception:  # a template needing tools or other variables: do not resend reasoning
            return True
    return True  # no tag of its own (gpt-oss's channels are fields, not text): strip


@functools.lru_cache(maxsize=32)
def _template_of(path: str, mtime_ns: int, size: int) -> str | None:
    from assistant.core.models.gguf_info import read_model_facts

    return read_model_facts(path).chat_template


def model_drops_reasoning(model: str) -> bool:
    """:func:`template_drops_reasoning` for a model file (its GGUF template; remote models: True)."""
    try:
        st = os.stat(model)
        return template_drops_reasoning(_template_of(str(model), st.st_mtime_ns, st.st_size))
    except (OSError, ValueError, HearthError):
        return True


def history_text(content: str, model: str) -> str:
    """An earlier answer as it is resent: without its reasoning where the model's template drops it."""
    if not has_reasoning(content):
        return content
    return strip_reasoning(content) if model_drops_reasoning(model) else content


def has_reasoning(text: str) -> bool:
    """Whether ``text`` has any reasoning marker (cheap; checked before any parsing)."""
    return any(m in text for m in _MARKERS) or any(c in text for _o, c in PAIRS)
