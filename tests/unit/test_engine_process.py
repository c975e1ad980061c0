"""EngineProcess with a scripted model runtime in a real child process (no model file needed).

Proves the process plumbing: streaming, cancel within one token, cancel before the prompt is
read, crashes reported in words with the next call restarting and reloading, timeouts.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from assistant.core.engine.process import EngineProcess, crash_reason
from assistant.core.engine.types import (AnswerStats, EngineCrashed, EngineError, LoadOptions, Message,
                                         ModelFacts, SamplingParams)

RUNTIME = f"{__name__}:ScriptedRuntime"


class ScriptedRuntime:
    """Stands in for ModelRuntime inside the worker: answers "w0 w1 ..." one word per token."""

    def __init__(self) -> None:
        self.load_count = 0
        self.model: str | None = None

    def load(self, model_path, options):
        if "crash" in model_path:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "slow" in model_path:
            time.sleep(30)
        self.load_count += 1
        self.model = model_path
        return ModelFacts(path=model_path, name="scripted", architecture="llama", parameters=1, quantization="F32",
                          context_length=512, size_bytes=1, has_chat_template=True)

    def chat(self, messages, sampling, cancelled, conversation_id=None):
        text = messages[-1].content
        if text == "segfault":
            os.kill(os.getpid(), signal.SIGSEGV)
        if text == "abort":
            os.abort()
        for _ in range(20):  # "prompt processing" in slices, checking the cancel flag between them
            if cancelled():
                yield AnswerStats(stopped=True, finish_reason="cancelled", prompt_tokens=100)
                return
            time.sleep(0.01)
        n = 0
        for i in range(sampling.max_tokens):
            if cancelled():
                yield AnswerStats(generated_tokens=n, stopped=True, finish_reason="cancelled")
                return
            n += 1
            yield f"w{i} "
            time.sleep(0.01)
        yield AnswerStats(generated_tokens=n, finish_reason="length", load_count=self.load_count)

    def stats(self):
        return {"load_count": self.load_count, "model": self.model, "pid": os.getpid()}

    def unload(self):
        self.model = None


@pytest.fixture
def engine():
    e = EngineProcess(runtime=RUNTIME)
    e.load("scripted.gguf", LoadOptions())
    yield e
    e.close()


def test_streams_chunks_then_stats(engine):
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=5))
    assert list(stream) == ["w0 ", "w1 ", "w2 ", "w3 ", "w4 "]
    assert stream.stats.generated_tokens == 5 and stream.text == "w0 w1 w2 w3 w4 "
    assert engine.loaded_model == "scripted.gguf" and engine.facts.name == "scripted"


def test_cancel_within_one_token(engine):
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=500))
    got = []
    for chunk in stream:
        got.append(chunk)
        if len(got) == 3:
            stream.cancel()
    assert stream.stats.stopped and len(got) <= 4 and stream.stats.generated_tokens == len(got)


def test_cancel_before_the_prompt_is_read(engine):
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=50))
    engine.cancel()
    assert list(stream) == []
    assert stream.stats.stopped and stream.stats.prompt_tokens == 100


@pytest.mark.parametrize("trigger,words", [("segfault", "segmentation fault"), ("abort", "llama.cpp aborted")])
def test_crash_is_reported_and_next_call_restarts(engine, trigger, words):
    first_pid = engine.pid
    with pytest.raises(EngineCrashed) as e:
        list(engine.chat([Message("user", trigger)], SamplingParams(max_tokens=3)))
    assert words in str(e.value) and "next question restarts" in str(e.value)
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=2))
    assert list(stream) == ["w0 ", "w1 "]
    st = engine.stats()
    assert st["pid"] != first_pid and st["model"] == "scripted.gguf"  # reloaded in the new worker
    assert engine.restarts == 1


def test_crash_while_loading_then_a_good_load(engine):
    with pytest.raises(EngineCrashed, match="segmentation fault"):
        engine.load("crash.gguf")
    assert engine.facts is None
    assert engine.load("scripted.gguf").name == "scripted"


def test_abandoned_stream_does_not_block_the_engine(engine):
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=500))
    next(stream)
    assert engine.stats()["model"] == "scripted.gguf"  # the old answer was stopped and drained
    assert stream.finished and stream.stats.stopped


def test_other_thread_waits_for_the_answer(engine):
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=30))
    seen = {}
    t = threading.Thread(target=lambda: seen.update(engine.stats()))
    t.start()
    chunks = list(stream)
    t.join(10)
    assert len(chunks) == 30 and not stream.stats.stopped  # the other thread did not cut it short
    assert seen["model"] == "scripted.gguf"


def test_load_timeout_and_cancel(engine):
    t = time.perf_counter()
    with pytest.raises(EngineError, match="took longer than"):
        engine.load("slow.gguf", timeout=0.5)
    assert time.perf_counter() - t < 10
    threading.Timer(0.5, engine.cancel).start()
    with pytest.raises(EngineError, match="cancelled"):
        engine.load("slow.gguf")
    assert engine.load("scripted.gguf").name == "scripted"


def test_crash_reason_words():
    assert "segmentation fault" in crash_reason(-signal.SIGSEGV)
    assert "out of memory" in crash_reason(-signal.SIGKILL)
    assert "exit code 3" in crash_reason(3)
