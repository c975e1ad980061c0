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


@pytest.mark.slow
def test_adapter_only_llama_cpp_reads_loads_and_acts_like_its_canonical_twin(tmp_path, gemma_path):
    """A layout the old check refused (1-D lora_a, one-element arrays, a norm pair) really runs."""
    from assistant.core.adapters import validate_adapter
    from assistant.core.engine.types import AdapterSpec
    from tests.unit.test_adapter_llamacpp_rules import canonical, unusual_layout

    twin, odd = canonical(tmp_path / "canonical.gguf"), unusual_layout(tmp_path / "unusual.gguf")
    assert validate_adapter(odd, gemma_path).alpha == 8.0
    engine = EngineProcess()
    try:
        engine.load(str(gemma_path), LoadOptions(n_ctx=256, n_gpu_layers=0))
        base = engine.next_token_logits(PROMPT)
        engine.set_adapters([AdapterSpec(str(twin), 1.0)])
        with_twin = engine.next_token_logits(PROMPT)
        engine.set_adapters([AdapterSpec(str(odd), 1.0)])
        with_odd = engine.next_token_logits(PROMPT)
    finally:
        engine.close()
    assert max(abs(a - b) for a, b in zip(base, with_odd)) > 0.5  # the adapter is applied...
    assert max(abs(a - b) for a, b in zip(with_twin, with_odd)) < 1e-4  # ...exactly as its twin


# llama.cpp itself, in a child process: load the base, load the adapter, evaluate a prompt.
_CHILD = r"""
import ctypes, sys
import llama_cpp
llm = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=64, n_gpu_layers=0, verbose=False)
ptr = llama_cpp.llama_adapter_lora_init(llm._model.model, sys.argv[2].encode())
if not ptr:
    print("REFUSED", flush=True)
    sys.exit(3)
print("LOADED", flush=True)
arr = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(ptr)
llama_cpp.llama_set_adapters_lora(llm._ctx.ctx, arr, 1, (ctypes.c_float * 1)(1.0))
llm.eval(llm.tokenize(b"The capital of France is"))
print("RAN", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("case,llama_cpp_does", [
    ("alpha_float64", "abort while loading"), ("type_two_strings", "abort while loading"),
    ("embd_on_tied_model", "abort at the first token"), ("three_d", "abort at the first token"),
    ("f64", "crash at the first token"), ("rank_zero", "refuse"),
])
def test_what_the_check_refuses_llama_cpp_refuses_or_dies_on(tmp_path, gemma_path, case, llama_cpp_does):
    import os
    import subprocess
    import sys

    from assistant.core.adapters import validate_adapter
    from assistant.core.engine.types import AdapterError
    from tests.unit.test_adapter_llamacpp_rules import ATTN_Q, META, _tensors, lora, write_adapter

    if case in META:
        path = write_adapter(tmp_path / f"{case}.gguf", lora(ATTN_Q, 640, 1024, 4), meta=META[case][0])
    else:
        path = write_adapter(tmp_path / f"{case}.gguf", _tensors(case))
    with pytest.raises(AdapterError):
        validate_adapter(path, gemma_path)
    child = subprocess.run([sys.executable, "-c", _CHILD, str(gemma_path), str(path)], capture_output=True,
                           text=True, timeout=300, env={**os.environ, "GGML_NO_BACKTRACE": "1"})
    out = child.stdout.split()
    assert "RAN" not in out and child.returncode != 0, child.stderr[-2000:]
    if llama_cpp_does == "refuse":
        assert out == ["REFUSED"] and child.returncode == 3
    elif llama_cpp_does == "abort while loading":
        assert out == [] and child.returncode < 0 and "GGML_ASSERT" in child.stderr
    else:
        assert out == ["LOADED"] and child.returncode < 0
