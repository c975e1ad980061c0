"""Scripted stand-ins for the engine and the knowledge base, for fast window tests."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from assistant.core.engine.types import AnswerStats, ModelError, ModelFacts


class ScriptedStream:
    """Yields the scripted words with a small delay; honours cancel between chunks."""

    def __init__(self, words: list[str], delay: float) -> None:
        self.words, self.delay = words, delay
        self._cancel = threading.Event()
        self.stats: AnswerStats | None = None

    def cancel(self) -> None:
        self._cancel.set()

    def __iter__(self):
        t0 = time.perf_counter()
        n = 0
        for w in self.words:
            if self._cancel.is_set():
                break
            time.sleep(self.delay)
            n += 1
            yield w
        total = time.perf_counter() - t0
        self.stats = AnswerStats(prompt_tokens=20, generated_tokens=n, ttft_s=self.delay,
                                 tokens_per_s=n / total if total else 0.0, total_s=total,
                                 stopped=self._cancel.is_set(), context_used=20 + n, context_size=2048,
                                 finish_reason="cancelled" if self._cancel.is_set() else "stop")


class ScriptedEngine:
    """An engine whose answers are "Answer N: word word ..." (N counts the answers)."""

    def __init__(self, words: int = 6, delay: float = 0.01, script: list[str] | None = None) -> None:
        self.words, self.delay = words, delay
        self.script = script  # fixed answers, in order (then the numbered default)
        self.facts: ModelFacts | None = None
        self.answers = 0
        self.last_messages: list = []

    def load(self, path, opts=None):
        if not Path(path).exists():
            raise ModelError(f"{path}: no such model file")
        self.facts = ModelFacts(path=str(path), name="Scripted", architecture="llama", parameters=1,
                                quantization="Q4_1", context_length=2048, size_bytes=1, has_chat_template=True)
        return self.facts

    def chat(self, messages, sampling, conversation_id=None):
        self.answers += 1
        self.last_messages = list(messages)
        if self.script and self.answers <= len(self.script):
            words = [w + " " for w in self.script[self.answers - 1].split(" ")]
            words[-1] = words[-1].rstrip()
        else:
            words = [f"Answer {self.answers}:"] + [f" word{i}" for i in range(self.words)]
        return ScriptedStream(words, self.delay)

    def cancel(self):
        pass

    def set_adapters(self, adapters):
        pass

    def unload(self):
        self.facts = None

    def close(self):
        self.facts = None
