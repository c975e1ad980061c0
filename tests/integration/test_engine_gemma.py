"""The real Gemma 3 270M (no chat template) through the worker: its turn format and LoRA adapters."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.core.engine.process import EngineProcess
from assistant.core.engine.types import AdapterError, AdapterSpec, LoadOptions, Message, SamplingParams

pytestmark = pytest.mark.slow

PROMPT = "The capital of France is"
NEGATIVE = {
    "NEG_gemma3_r4_wrong_arch_llama.gguf": "model arch and LoRA arch mismatch",
    "NEG_gemma3_no_general_type.gguf": "expect general.type to be 'adapter'",
    "NEG_gemma3_adapter_type_cvec.gguf": "expect adapter.type to be 'lora'",
    "NEG_gemma3_lora_a_transposed.gguf": "has incorrect shape",
    "NEG_gemma3_missing_lora_b.gguf": "is missing one component",
    "NEG_gemma3_unknown_base_tensor.gguf": "does not exist in base model",
}


@pytest.fixture(scope="module")
def engine(gemma_path):
    e = EngineProcess()
    e.load(str(gemma_path), LoadOptions(n_ctx=512, state_cache=False))
    yield e
    e.close()


def _logits(engine):
    return np.asarray(engine.next_token_logits(PROMPT), dtype=np.float32)


def test_gemma_gets_gemma_turn_format(engine):
    assert not engine.facts.has_chat_template
    assert engine.stats()["template"] == "gemma"
    stream = engine.chat([Message("system", "Answer briefly."), Message("user", "Say hello.")],
                         SamplingParams(temperature=0.0, max_tokens=16, seed=3))
    text = "".join(stream)
    assert "<start_of_turn>" not in text and "[INST]" not in text
    # Gemma's format has the system text inside the first user turn: 3 + 4 tokens of markup, not llama-2's
    assert stream.stats.prompt_tokens < 30 and stream.stats.generated_tokens > 0


def test_adapters_zero_random_scale_and_no_reload(engine, shared_eval):
    fx = shared_eval / "lora" / "fixtures"
    zero, rnd = str(fx / "gemma3_r4_L0-17_all_zeroB.gguf"), str(fx / "gemma3_r4_L0-1_q-v_random.gguf")
    base = _logits(engine)
    engine.set_adapters([AdapterSpec(zero, 1.0)])
    assert np.max(np.abs(_logits(engine) - base)) < 1e-3  # B = 0: the adapter is a no-op
    engine.set_adapters([AdapterSpec(rnd, 1.0)])
    changed = _logits(engine)
    assert np.max(np.abs(changed - base)) > 0.2
    engine.set_adapters([AdapterSpec(rnd, 4.0)])
    stronger = _logits(engine)
    assert np.max(np.abs(stronger - base)) > np.max(np.abs(changed - base))
    engine.set_adapters([AdapterSpec(rnd, 0.0), AdapterSpec(zero, 1.0)])  # two at once, one at scale 0
    assert np.max(np.abs(_logits(engine) - base)) < 1e-3
    engine.set_adapters([])
    assert np.max(np.abs(_logits(engine) - base)) < 1e-3
    stats = engine.stats()
    assert stats["load_count"] == 1 and stats["adapters"] == []


@pytest.mark.parametrize("name,reason", sorted(NEGATIVE.items()))
def test_invalid_adapters_refused_and_worker_alive(engine, shared_eval, name, reason):
    pid = engine.pid
    with pytest.raises(AdapterError) as e:
        engine.set_adapters([AdapterSpec(str(shared_eval / "lora" / "fixtures" / name), 1.0)])
    assert reason in str(e.value)
    assert engine.pid == pid
    stream = engine.chat([Message("user", "Hi")], SamplingParams(temperature=0.0, max_tokens=4, seed=1))
    list(stream)
    assert stream.stats.generated_tokens > 0
