"""The real SmolLM2 model through the worker process: streaming, cancel, crashes, context, warm cache."""
from __future__ import annotations

import os
import signal
import time

import pytest

from assistant.core.engine.process import EngineProcess
from assistant.core.engine.types import EngineCrashed, LoadOptions, Message, ModelError, SamplingParams

pytestmark = pytest.mark.slow

SYSTEM = Message("system", "You are a helpful assistant named Hearth.")  # Settings' default
GREEDY = SamplingParams(temperature=0.0, max_tokens=24, seed=7)


@pytest.fixture(scope="module")
def engine(smollm2_path, tmp_path_factory):
    cache = tmp_path_factory.mktemp("state-cache")
    e = EngineProcess()
    e.load(str(smollm2_path), LoadOptions(n_ctx=1024, state_cache_dir=str(cache)))
    yield e
    e.close()


def test_answer_streams_through_the_worker(engine):
    assert engine.pid and engine.pid != os.getpid()
    stream = engine.chat([SYSTEM, Message("user", "What is the capital of France?")], GREEDY)
    chunks = list(stream)
    assert len(chunks) > 2
    assert "Paris" in "".join(chunks)
    s = stream.stats
    assert s.prompt_tokens > 10 and s.generated_tokens > 0 and s.ttft_s > 0 and s.tokens_per_s > 0
    assert s.finish_reason in ("stop", "length") and not s.stopped


def test_forget_cache_makes_the_next_answer_read_its_whole_prompt(engine):
    ask = [SYSTEM, Message("user", "Name three colours.")]
    list(engine.chat(ask, GREEDY))
    warm = engine.chat(ask, GREEDY)  # the same prompt again: read from the cache
    words = "".join(warm)
    assert warm.stats.cached_tokens > 10
    engine.forget_cache()
    cold = engine.chat(ask, GREEDY)
    assert "".join(cold).strip() and cold.stats.cached_tokens == 0
    assert cold.stats.prompt_tokens == warm.stats.prompt_tokens and words.strip()


def test_cancel_mid_answer_keeps_partial_text(engine):
    stream = engine.chat([SYSTEM, Message("user", "Write a long story about a dragon and a knight.")],
                         SamplingParams(temperature=0.7, max_tokens=200, seed=1))
    got = []
    for chunk in stream:
        got.append(chunk)
        if len(got) == 4:
            stream.cancel()
    assert stream.stats.stopped and stream.stats.finish_reason == "cancelled"
    assert "".join(got) == stream.text
    assert 4 <= stream.stats.generated_tokens <= 6  # stopped within one token of the request
    assert "Paris" in "".join(engine.chat([SYSTEM, Message("user", "What is the capital of France?")], GREEDY))


def test_cancel_during_prompt_processing(engine):
    long_text = " ".join(f"Line {i}: the quick brown fox jumps over the lazy dog." for i in range(60))
    msgs = [SYSTEM, Message("user", long_text + "\nSummarise.")]
    t = time.perf_counter()
    stream = engine.chat(msgs, GREEDY, conversation_id="prompt-cancel")
    stream.cancel()
    assert list(stream) == []
    assert stream.stats.stopped and stream.stats.generated_tokens == 0
    # stopped before the prompt was read (0: the Stop arrived before it was even tokenised)
    assert stream.stats.prompt_tokens == 0 or stream.stats.prompt_tokens > 700
    assert time.perf_counter() - t < 5


def test_bad_model_files_give_model_error(engine, smollm2_path, tmp_path):
    pid = engine.pid
    cut = tmp_path / "cut.gguf"
    with open(smollm2_path, "rb") as f:
        cut.write_bytes(f.read(4_000_000))
    text = tmp_path / "readme.gguf"
    text.write_text("not a model", encoding="utf-8")
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    for path, words in ((cut, "truncated"), (text, "not a GGUF model file"), (empty, "empty")):
        with pytest.raises(ModelError) as e:
            engine.load(str(path), LoadOptions(n_ctx=512))
        assert words in str(e.value) and path.name in str(e.value)
    assert engine.pid == pid  # the worker survived; reload the good model for the next tests
    engine.load(str(smollm2_path), LoadOptions(n_ctx=1024, state_cache_dir=str(tmp_path / "sc")))


def test_killing_the_worker_mid_answer(engine):
    stream = engine.chat([SYSTEM, Message("user", "Tell me a long story about the sea.")],
                         SamplingParams(temperature=0.7, max_tokens=200, seed=2))
    with pytest.raises(EngineCrashed) as e:
        for i, _ in enumerate(stream):
            if i == 2:
                os.kill(engine.pid, signal.SIGKILL)
    assert "crashed" in str(e.value) and "killed" in str(e.value)
    # the next question restarts the worker and reloads the model
    again = engine.chat([SYSTEM, Message("user", "What is the capital of France?")], GREEDY)
    assert "Paris" in "".join(again)
    assert engine.restarts == 1 and engine.facts is not None


def test_overflowing_context_drops_old_turns(smollm2_path, tmp_path):
    with EngineProcess() as e:
        e.load(str(smollm2_path), LoadOptions(n_ctx=512, state_cache=False))
        msgs = [SYSTEM]
        for i in range(12):
            msgs += [Message("user", f"Question {i}: tell me about topic number {i} in some detail please, "
                                     "with many words about its history and its meaning."),
                     Message("assistant", f"Topic {i} is a long story. " * 6)]
        msgs.append(Message("user", "What is the capital of France?"))
        stream = e.chat(msgs, GREEDY)
        answer = "".join(stream)
        s = stream.stats
        assert answer.strip()
        assert s.dropped_turns > 0
        assert s.prompt_tokens + s.generated_tokens <= 512
        assert "Paris" in answer


def test_switching_conversations_restores_saved_state(smollm2_path, tmp_path):
    history = [SYSTEM]
    for i in range(6):
        history += [Message("user", f"Remember fact {i}: the number {i} is my favourite for reason {i}."),
                    Message("assistant", f"Noted: {i} is your favourite number, for reason {i}.")]
    with EngineProcess() as e:
        # RAM budget 0: every saved state goes straight to the disk cache, the harder path
        e.load(str(smollm2_path), LoadOptions(n_ctx=1024, state_ram_mb=0, state_cache_dir=str(tmp_path)))
        a = e.chat(history + [Message("user", "Which facts did I give?")], GREEDY, conversation_id="A")
        list(a)
        b = e.chat([SYSTEM, Message("user", "Hello!")], GREEDY, conversation_id="B")
        list(b)
        assert list(tmp_path.glob("*.state"))  # A was saved when the user left it
        back = e.chat(history + [Message("user", "Which facts did I give?"), Message("assistant", a.text),
                                 Message("user", "Thanks!")], GREEDY, conversation_id="A")
        list(back)
        assert back.stats.state_restored == "disk"
        assert back.stats.cached_tokens >= a.stats.prompt_tokens
        assert e.stats()["state_cache"]["disk_states"] >= 1
