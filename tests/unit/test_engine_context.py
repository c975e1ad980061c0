"""Context fitting, context size, the conversation state cache and the chat command's helpers."""
from __future__ import annotations

import pytest

from assistant.core.engine import context
from assistant.core.engine.state_cache import SavedState, StateCache
from assistant.core.engine.types import Message, ModelFacts


def _count(msgs):  # a fake tokenizer: one token per word plus 4 per message of markup
    return sum(len(m.content.split()) + 4 for m in msgs)


def _conv(turns, words=20):
    msgs = [Message("system", "Be brief and kind.")]
    for i in range(turns):
        msgs += [Message("user", f"question {i} " + "w " * words), Message("assistant", f"answer {i} " + "w " * words)]
    return msgs + [Message("user", "the newest question")]


def test_fits_without_dropping_when_short():
    fit = context.fit_to_context(_conv(2), _count, n_ctx=1000, max_tokens=100)
    assert fit.dropped_turns == 0 and fit.messages == _conv(2) and fit.max_tokens == 100


def test_drops_oldest_turns_keeps_system_and_newest():
    msgs = _conv(20)
    fit = context.fit_to_context(msgs, _count, n_ctx=400, max_tokens=64)
    assert fit.dropped_turns > 0
    assert fit.messages[0] == msgs[0] and fit.messages[-1] == msgs[-1]
    assert fit.prompt_tokens + fit.max_tokens <= 400
    assert fit.messages[1].content.startswith(f"question {fit.dropped_turns} ")  # oldest went first
    assert fit.messages[1:] == msgs[1 + 2 * fit.dropped_turns:]


def test_huge_newest_message_is_shortened_not_failed():
    msgs = [Message("system", "S"), Message("user", "x " * 2000 + "what is this?")]
    fit = context.fit_to_context(msgs, _count, n_ctx=512, max_tokens=64)
    assert fit.truncated_user and fit.messages[-1].content.endswith("what is this?")
    assert fit.prompt_tokens + fit.max_tokens <= 512 and fit.max_tokens >= context.MIN_ANSWER_TOKENS


def test_default_context_capped_by_memory_and_cpu():
    f = ModelFacts(path="m", name="m", architecture="llama", parameters=None, quantization="Q4_0",
                   context_length=131072, size_bytes=1, has_chat_template=True, n_layers=32, n_head=32,
                   n_head_kv=8, key_length=128, value_length=128)
    assert context.default_n_ctx(f, available_mb=64000) == context.CPU_MAX_CTX
    assert context.default_n_ctx(f, available_mb=64000, gpu=True) == context.GPU_MAX_CTX
    assert context.default_n_ctx(f, available_mb=2048) == 4096  # 128 MB of KV per 1k tokens, 1/4 of RAM
    assert context.default_n_ctx(f, requested=4096) == 4096


def test_state_cache_spills_to_disk_under_a_cap(tmp_path):
    cache = StateCache(tmp_path, ram_mb=1, disk_mb=2)
    big = SavedState(list(range(10)), b"x" * 700_000)
    for name in ("a", "b", "c", "d"):
        cache.put(name, big)
    assert cache.summary()["ram_states"] == 1
    assert cache.summary()["disk_bytes"] <= 2 * 2**20
    got, where = cache.get("d")
    assert where == "ram" and got.tokens == list(range(10))
    got, where = cache.get("c")
    assert where == "disk" and got.data == big.data
    assert cache.get("a") == (None, "")  # the oldest fell off the disk cap
    (tmp_path / "c.state").write_bytes(b"garbage")
    assert cache.get("c") == (None, "")  # a damaged file is dropped, not fatal


def test_build_messages_and_adapter_argument():
    from assistant.commands.chat import parse_adapter
    from assistant.core.answers.reply import build_messages

    msgs = build_messages("Be brief.", [Message("user", "a"), Message("assistant", "b")], "Q?",
                          context_block="[1] Passage.")
    assert [m.role for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[-1].content == "[1] Passage.\n\nQuestion: Q?"  # passages go in the newest user turn
    assert parse_adapter("style.gguf:0.5").scale == 0.5
    assert parse_adapter("C:\\adapters\\style.gguf").path == "C:\\adapters\\style.gguf"
    assert parse_adapter("/a/b.gguf").scale == 1.0


@pytest.mark.slow
def test_a_cut_user_message_is_said_in_the_answer_stats(smollm2_path):
    from assistant.core.engine.process import EngineProcess
    from assistant.core.engine.types import LoadOptions, SamplingParams

    greedy = SamplingParams(temperature=0.0, max_tokens=16, seed=7)
    with EngineProcess() as e:
        e.load(str(smollm2_path), LoadOptions(n_ctx=512, state_cache=False))
        long = e.chat([Message("user", "word " * 1500 + "What is the capital of France?")], greedy)
        list(long)
        assert long.stats.truncated_user  # the face can say the question was shortened
        short = e.chat([Message("user", "What is the capital of France?")], greedy)
        list(short)
        assert not short.stats.truncated_user
