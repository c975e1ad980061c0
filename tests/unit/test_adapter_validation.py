"""Adapters are refused with the exact reason before llama.cpp sees them (shared LoRA fixtures)."""
from __future__ import annotations

import pytest

from assistant.core.adapters import inspect_adapter, validate_adapter
from assistant.core.engine.types import AdapterError

NEGATIVE = {
    "NEG_gemma3_r4_wrong_arch_llama.gguf": "model arch and LoRA arch mismatch",
    "NEG_gemma3_no_general_type.gguf": "expect general.type to be 'adapter'",
    "NEG_gemma3_adapter_type_cvec.gguf": "expect adapter.type to be 'lora', but got 'control_vector'",
    "NEG_gemma3_lora_a_transposed.gguf": "tensor 'blk.0.attn_q.weight' has incorrect shape",
    "NEG_gemma3_missing_lora_b.gguf": "LoRA tensor pair for 'blk.0.attn_q.weight' is missing one component",
    "NEG_gemma3_unknown_base_tensor.gguf": "LoRA tensor 'blk.0.attn_qq.weight' does not exist in base model",
}


@pytest.mark.parametrize("name,reason", sorted(NEGATIVE.items()))
def test_invalid_fixture_refused_with_reason(shared_eval, gemma_path, name, reason):
    path = shared_eval / "lora" / "fixtures" / name
    with pytest.raises(AdapterError) as e:
        validate_adapter(path, gemma_path)
    assert reason in str(e.value)
    assert name in str(e.value)


def test_valid_adapters_described(shared_eval, gemma_path):
    fx = shared_eval / "lora" / "fixtures"
    zero = validate_adapter(fx / "gemma3_r4_L0-17_all_zeroB.gguf", gemma_path)
    assert (zero.architecture, zero.rank, zero.alpha, zero.n_pairs) == ("gemma3", 4, 16.0, 126)
    assert set(zero.targets) == {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"}
    rnd = validate_adapter(fx / "gemma3_r4_L0-1_q-v_random.gguf", gemma_path)
    assert rnd.targets == ["attn_q", "attn_v"] and rnd.layers == [0, 1] and rnd.n_pairs == 4


def test_adapter_for_another_model_refused(shared_eval, smollm2_path):
    with pytest.raises(AdapterError, match="arch mismatch"):
        validate_adapter(shared_eval / "lora/fixtures/gemma3_r4_L0-1_q-v_random.gguf", smollm2_path)


def test_model_is_not_an_adapter(smollm2_path):
    with pytest.raises(AdapterError, match="not a LoRA adapter"):
        inspect_adapter(smollm2_path)


def test_not_gguf_adapter(tmp_path):
    p = tmp_path / "adapter.gguf"
    p.write_text("safetensors, really", encoding="utf-8")
    with pytest.raises(AdapterError, match="not a GGUF"):
        inspect_adapter(p)
