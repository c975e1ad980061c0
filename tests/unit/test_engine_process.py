"""EngineProcess with a scripted model runtime in a real child process (no model file needed).

Proves the process plumbing: streaming, cancel within one token, cancel before the prompt is
read, crashes reported in words with the next call restarting and reloading, timeouts, and a
Stop that works (and a Quit that returns) even when the worker hangs and ignores the cancel.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest

from assistant.core.engine import process
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
        if "hang" in model_path:
            time.sleep(3600)
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
        if text == "hang":  # stuck in native code: never looks at the cancel flag
            time.sleep(3600)
        if text == "spin":  # an endless Python loop, like a runaway chat template
            while True:
                pass
        if text == "late":  # notices a cancel only two seconds after it (a slow prompt slice)
            while not cancelled():
                time.sleep(0.01)
            time.sleep(2)
            yield AnswerStats(stopped=True, finish_reason="cancelled")
            return
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


def _stop_after(stream, delay):
    """Cancel ``stream`` after ``delay`` s from a timer; returns a dict that gets the cancel time."""
    when = {}

    def cancel():
        when["t"] = time.perf_counter()
        stream.cancel()

    threading.Timer(delay, cancel).start()
    return when


def _gone(pid, within):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("stuck", ["hang", "spin"])
def test_stop_ends_the_answer_within_a_second_when_the_worker_is_stuck(engine, stuck):
    pid = engine.pid
    stream = engine.chat([Message("user", stuck)], SamplingParams(max_tokens=50))
    when = _stop_after(stream, 0.3)
    assert list(stream) == []
    acknowledged = time.perf_counter() - when["t"]
    assert acknowledged < 1.0, f"Stop took {acknowledged:.2f} s"
    assert stream.stats.stopped and stream.stats.finish_reason == "cancelled"
    # nobody asks anything next: the stuck worker is still killed once 5 s have passed
    assert not _gone(pid, process.KILL_AFTER_S - 1.5)
    assert _gone(pid, 3.0)
    assert engine.restart_reason is not None and "did not respond to Stop" in str(engine.restart_reason)


def test_stop_is_not_held_up_by_the_watchdog_that_waits_for_the_stuck_worker(engine, monkeypatch):
    """The watchdog waiting for a stuck worker must not keep the stopped stream from finishing.

    The stream's thread is made slow to finish, so the watchdog always has the engine first.
    """
    finish = engine._stream_done

    def late_finish(stream):
        time.sleep(0.3)
        finish(stream)

    monkeypatch.setattr(engine, "_stream_done", late_finish)
    stream = engine.chat([Message("user", "hang")], SamplingParams(max_tokens=50))
    when = _stop_after(stream, 0.3)
    assert list(stream) == []
    acknowledged = time.perf_counter() - when["t"]
    assert acknowledged < 1.5, f"Stop took {acknowledged:.2f} s"
    assert stream.stats.stopped


def test_next_question_after_a_stuck_worker_is_answered_and_says_why(engine):
    pid = engine.pid
    stream = engine.chat([Message("user", "hang")], SamplingParams(max_tokens=50))
    _stop_after(stream, 0.2)
    list(stream)
    assert stream.stats.stopped
    t = time.perf_counter()
    again = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=2))  # waits for the kill, restarts
    assert list(again) == ["w0 ", "w1 "]
    assert time.perf_counter() - t < process.KILL_AFTER_S + 10
    assert "did not respond to Stop within 5 s" in again.stats.restart_reason
    assert "loaded again" in again.stats.restart_reason
    st = engine.stats()
    assert st["pid"] != pid and st["model"] == "scripted.gguf" and engine.restarts == 1
    later = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=1))
    list(later)
    assert later.stats.restart_reason == ""  # said once, for the answer it concerned


def test_a_worker_that_stops_late_is_not_killed(engine):
    pid = engine.pid
    stream = engine.chat([Message("user", "late")], SamplingParams(max_tokens=50))
    when = _stop_after(stream, 0.2)
    list(stream)
    assert time.perf_counter() - when["t"] < 1.0 and stream.stats.stopped
    again = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=2))
    assert list(again) == ["w0 ", "w1 "]
    assert engine.pid == pid and engine.restarts == 0 and again.stats.restart_reason == ""


def test_close_returns_within_seconds_while_an_answer_hangs(engine):
    pid = engine.pid
    stream = engine.chat([Message("user", "hang")], SamplingParams(max_tokens=50))
    outcome = {}

    def read():
        try:
            outcome["chunks"] = list(stream)
        except Exception as e:  # noqa: BLE001 - the test reports whatever the reader got
            outcome["error"] = e

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)
    t = time.perf_counter()
    engine.close()
    assert time.perf_counter() - t < 4
    reader.join(2)
    assert not reader.is_alive() and "error" not in outcome
    assert stream.stats.stopped  # the partial answer is kept as stopped, not as a failure
    assert _gone(pid, 1.0)


def test_close_returns_within_seconds_while_a_load_hangs(engine):
    pid = engine.pid
    errors = []

    def load():
        try:
            engine.load("hang.gguf")
        except EngineError as e:
            errors.append(e)

    loader = threading.Thread(target=load)
    loader.start()
    time.sleep(0.5)
    t = time.perf_counter()
    engine.close()
    assert time.perf_counter() - t < 4
    loader.join(2)
    assert not loader.is_alive() and errors
    assert _gone(pid, 1.0)


def test_stop_during_a_hung_load_within_a_second(engine):
    errors = []
    loader = threading.Thread(target=lambda: errors.append(pytest.raises(EngineError, engine.load, "hang.gguf")))
    loader.start()
    time.sleep(0.5)
    t = time.perf_counter()
    engine.cancel()
    loader.join(2)
    assert time.perf_counter() - t < 1.0 and not loader.is_alive()
    assert "cancelled" in str(errors[0].value)
    assert engine.load("scripted.gguf").name == "scripted"


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread nice values are a POSIX feature")
def test_a_model_loaded_from_a_background_job_answers_at_the_apps_priority(tmp_path):
    """A niced thread (a caller's background work) must not pass its priority on to the model."""
    from assistant.core.app import Hearth

    WORKER_NICE = 5
    Hearth(home=tmp_path)  # opening Hearth on this thread makes the launcher here
    base = os.getpriority(os.PRIO_PROCESS, 0)
    seen = {}

    def background_job():
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, base + WORKER_NICE)
        seen["job"] = os.getpriority(os.PRIO_PROCESS, 0)
        e = EngineProcess(runtime=RUNTIME)
        try:
            e.load("scripted.gguf", LoadOptions())
            seen["model"] = psutil.Process(e.pid).nice()
            assert "".join(e.chat([Message("user", "hi")], SamplingParams(max_tokens=2))) == "w0 w1 "
        finally:
            e.close()

    t = threading.Thread(target=background_job)
    t.start()
    t.join(60)
    assert seen["job"] == base + WORKER_NICE
    assert seen["model"] == base
