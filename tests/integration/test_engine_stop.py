"""Stop and Quit on the real SmolLM2 worker, in each state an answer goes through.

The user presses Stop: the answer must end within a second whether the worker is generating,
reading a long prompt or rendering a chat template that loops; Quit must return within a few
seconds. (A worker that ignores the cancel entirely is covered with a scripted runtime in
tests/unit/test_engine_process.py: it is killed 5 s after the Stop and restarted.)
"""
from __future__ import annotations

import threading
import time

import pytest

from assistant.core.engine.process import EngineProcess
from assistant.core.engine.types import EngineError, LoadOptions, Message, SamplingParams

pytestmark = pytest.mark.slow

SYSTEM = Message("system", "You are a helpful assistant.")
# A template that would run for days: Stop and Quit must not depend on it ending.
LOOPING_TEMPLATE = ("{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
                    "{% for m in messages %}{{ m.content }}{% endfor %}")


def _stop_after(stream, delay):
    when = {}

    def cancel():
        when["t"] = time.perf_counter()
        stream.cancel()

    threading.Timer(delay, cancel).start()
    return when


@pytest.fixture(scope="module")
def engine(smollm2_path):
    e = EngineProcess()
    e.load(str(smollm2_path), LoadOptions(n_ctx=2048, state_cache=False))
    yield e
    e.close()


def test_stop_a_long_answer_within_a_second(engine):
    stream = engine.chat([SYSTEM, Message("user", "Write a very long story about a dragon and a knight.")],
                         SamplingParams(temperature=0.7, max_tokens=1000, seed=3))
    chunks = []
    when = None
    for chunk in stream:
        chunks.append(chunk)
        if len(chunks) == 8:
            when = _stop_after(stream, 0.0)
    assert when is not None, "the answer ended before it could be stopped"
    took = time.perf_counter() - when["t"]
    assert took < 1.0, f"Stop took {took:.2f} s"
    assert stream.stats.stopped and stream.stats.generated_tokens < 1000
    assert stream.text == "".join(chunks) and len(chunks) >= 8  # the partial answer is kept


def test_stop_while_reading_a_long_prompt_within_a_second(engine):
    long_text = " ".join(f"Line {i}: the quick brown fox jumps over the lazy dog again." for i in range(120))
    stream = engine.chat([SYSTEM, Message("user", long_text + "\nSummarise.")],
                         SamplingParams(temperature=0.0, max_tokens=50))
    when = _stop_after(stream, 0.3)
    assert list(stream) == []
    took = time.perf_counter() - when["t"]
    assert took < 1.0, f"Stop took {took:.2f} s"
    assert stream.stats.stopped
    again = engine.chat([SYSTEM, Message("user", "What is the capital of France?")],
                        SamplingParams(temperature=0.0, max_tokens=16, seed=7))
    assert "".join(again).strip() and not again.stats.stopped  # the engine answers right after


def test_stop_and_quit_while_the_chat_template_loops(smollm2_path):
    e = EngineProcess()
    try:
        e.load(str(smollm2_path), LoadOptions(n_ctx=512, state_cache=False, chat_template=LOOPING_TEMPLATE))
        stream = e.chat([Message("user", "Hello")], SamplingParams(max_tokens=8))
        when = _stop_after(stream, 0.3)
        try:
            chunks = list(stream)
        except EngineError:  # a template bound may end the render with an error of its own first
            chunks = []
        took = time.perf_counter() - when["t"]
        assert took < 1.0, f"Stop took {took:.2f} s"
        assert chunks == []
        pid = e.pid
        t = time.perf_counter()
        assert e.stats()["model"]  # the worker stopped the render itself: it answers at once, not killed
        assert time.perf_counter() - t < 2 and e.pid == pid and e.restart_reason is None
        # Quit while the next answer is stuck in the template, read by another thread
        second = e.chat([Message("user", "Hello again")], SamplingParams(max_tokens=8))
        outcome = []

        def read():
            try:
                outcome.append(list(second))
            except EngineError as err:  # a template bound's own error is an acceptable end too
                outcome.append(err)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(0.3)
    finally:
        t = time.perf_counter()
        e.close()
        took = time.perf_counter() - t
    assert took < 5, f"closing took {took:.1f} s"
    reader.join(2)
    assert not reader.is_alive() and outcome
