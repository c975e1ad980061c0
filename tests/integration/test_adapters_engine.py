"""Registry -> enabled adapters -> the engine: applied live, without reloading Gemma 3 270M."""
from __future__ import annotations

import pytest

from assistant.core.adapters.registry import AdapterRegistry
from assistant.core.engine.process import EngineProcess
from assistant.core.engine.types import LoadOptions, Message, SamplingParams

PROMPT = "The capital of France is"


@pytest.mark.slow
def test_registry_specs_drive_the_engine(paths, shared_eval, gemma_path):
    fixtures = shared_eval / "lora" / "fixtures"
    reg = AdapterRegistry(paths)
    zero = reg.add(fixtures / "gemma3_r4_L0-17_all_zeroB.gguf")
    rand = reg.add(fixtures / "gemma3_r4_L0-1_q-v_random.gguf")
    assert reg.compatible_with(zero.id, gemma_path)[0] and reg.compatible_with(rand.id, gemma_path)[0]
    engine = EngineProcess()
    try:
        engine.load(str(gemma_path), LoadOptions(n_ctx=256, n_gpu_layers=0))
        base = engine.next_token_logits(PROMPT)
        reg.set_enabled(zero.id, True)
        reg.set_scale(zero.id, 2.0)
        engine.set_adapters(reg.active_specs())
        with_zero = engine.next_token_logits(PROMPT)
        assert max(abs(a - b) for a, b in zip(base, with_zero)) < 1e-4  # a zero-B adapter changes nothing
        reg.set_enabled(rand.id, True)
        engine.set_adapters(reg.active_specs())
        assert max(abs(a - b) for a, b in zip(base, engine.next_token_logits(PROMPT))) > 0.1
        reg.set_scale(rand.id, 0.0)  # scale 0 is the same as switched off
        engine.set_adapters(reg.active_specs())
        assert max(abs(a - b) for a, b in zip(base, engine.next_token_logits(PROMPT))) < 1e-4
        stream = engine.chat([Message("user", PROMPT)], SamplingParams(max_tokens=4, temperature=0.0))
        assert "".join(stream).strip()
        assert engine.stats()["load_count"] == 1  # toggling and scaling never reloaded the model
    finally:
        engine.close()
