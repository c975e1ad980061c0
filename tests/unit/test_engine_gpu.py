"""GPU offload planning: how many layers fit, and the reason the user sees."""
from __future__ import annotations

from assistant.core.models import gpu
from assistant.core.engine.types import ModelFacts


def _facts(size_mb=4000, layers=32):
    return ModelFacts(path="m.gguf", name="m", architecture="llama", parameters=None, quantization="Q4_K_M",
                      context_length=8192, size_bytes=size_mb * 2**20, has_chat_template=True,
                      n_layers=layers, embedding_length=4096, n_head=32, n_head_kv=8, key_length=128,
                      value_length=128)


def test_all_layers_fit_on_a_big_gpu():
    plan = gpu.plan_gpu_layers(_facts(), 4096, free_vram_mb=24000)
    assert plan.n_gpu_layers == -1 and "all 32 layers" in plan.reason


def test_partial_offload_counts_kv_cache():
    small_ctx = gpu.plan_gpu_layers(_facts(), 2048, free_vram_mb=3000).n_gpu_layers
    big_ctx = gpu.plan_gpu_layers(_facts(), 32768, free_vram_mb=3000).n_gpu_layers
    assert 0 < big_ctx < small_ctx < 32


def test_no_gpu_or_cpu_build_or_override():
    assert gpu.plan_gpu_layers(_facts(), 4096, None).n_gpu_layers == 0
    cpu = gpu.plan_gpu_layers(_facts(), 4096, 24000, gpu_offload=False)
    assert cpu.n_gpu_layers == 0 and "CPU only" in cpu.reason
    assert gpu.plan_gpu_layers(_facts(), 4096, 100, requested="12").n_gpu_layers == 12
    assert gpu.plan_gpu_layers(_facts(), 4096, 100).n_gpu_layers == 0


def test_kv_cache_size():
    # 32 layers x 4096 tokens x 8 kv heads x (128 + 128) x 2 bytes = 512 MiB
    assert gpu.kv_cache_mb(_facts(), 4096) == 512


def test_backend_info_and_hint():
    info = gpu.backend_info()
    assert info.backend  # "CPU" here; the build decides
    assert "-DGGML_CUDA=on" in gpu.GPU_BUILD_HINT and "-DGGML_METAL=on" in gpu.GPU_BUILD_HINT
    assert "-DGGML_VULKAN=on" in gpu.GPU_BUILD_HINT


# -- the load uses the GPU the plan measured, and sizes the context from the plan ----------------
class _Stop(Exception):
    pass


def _load_with(monkeypatch, smollm2_path, info, context_length=32768, **options):
    """Run ModelRuntime.load up to the llama.cpp call and return the arguments it would get."""
    import dataclasses

    import llama_cpp
    import pytest

    from assistant.core.engine import runtime
    from assistant.core.engine.types import LoadOptions, ModelError

    real = runtime.gguf_info.read_model_facts(smollm2_path)
    monkeypatch.setattr(runtime.gguf_info, "read_model_facts",
                        lambda p: dataclasses.replace(real, context_length=context_length))
    monkeypatch.setattr(runtime.gpu, "backend_info", lambda: info)
    monkeypatch.setattr("psutil.virtual_memory", lambda: type("VM", (), {"available": 16 * 2**30, "total": 32 * 2**30})())
    seen = {}

    def fake_llama(**kw):
        seen.update(kw)
        raise ValueError("not loading in this test")

    monkeypatch.setattr(llama_cpp, "Llama", fake_llama)
    with pytest.raises(ModelError):
        runtime.ModelRuntime().load(str(smollm2_path), LoadOptions(**options))
    return real, seen


def test_gpu_build_without_gpu_memory_gets_a_cpu_sized_context(monkeypatch, smollm2_path):
    from assistant.core.engine import context

    _, seen = _load_with(monkeypatch, smollm2_path, gpu.BackendInfo("CUDA", True, []))
    assert seen["n_gpu_layers"] == 0
    assert seen["n_ctx"] == context.CPU_MAX_CTX  # not the GPU's 32k on a CPU run


def test_partial_offload_gets_a_cpu_sized_context(monkeypatch, smollm2_path):
    from assistant.core.engine import context

    _, seen = _load_with(monkeypatch, smollm2_path, gpu.BackendInfo("CUDA", True, [gpu.GpuInfo("small", 2048, 600)]))
    assert 0 < seen["n_gpu_layers"] < 30
    assert seen["n_ctx"] == context.CPU_MAX_CTX


def test_load_uses_the_gpu_the_estimate_measured(monkeypatch, smollm2_path):
    import llama_cpp

    from assistant.core.engine import context
    from assistant.core.models import fit

    info = gpu.BackendInfo("CUDA", True, [gpu.GpuInfo("small", 8000, 300), gpu.GpuInfo("big", 24000, 20000)])
    facts, seen = _load_with(monkeypatch, smollm2_path, info)
    assert seen["n_gpu_layers"] == -1 and seen["main_gpu"] == 1  # the big GPU, alone
    assert seen["split_mode"] == llama_cpp.LLAMA_SPLIT_MODE_NONE
    assert seen["n_ctx"] == context.GPU_MAX_CTX  # all on the GPU: the bigger window is affordable
    import dataclasses

    estimate = fit.estimate(dataclasses.replace(facts, context_length=32768), n_ctx=seen["n_ctx"], backend=info)
    assert estimate.gpu_layers == seen["n_gpu_layers"]  # the model manager said what the load does


def test_one_gpu_is_used_as_llama_cpp_numbers_it(monkeypatch, smollm2_path):
    _, seen = _load_with(monkeypatch, smollm2_path, gpu.BackendInfo("CUDA", True, [gpu.GpuInfo("only", 24000, 20000)]))
    assert seen["n_gpu_layers"] == -1 and "main_gpu" not in seen and "split_mode" not in seen


def test_cuda_visible_devices_orders_the_gpus(monkeypatch):
    gpus = [gpu.GpuInfo("a", 1, 1), gpu.GpuInfo("b", 2, 2), gpu.GpuInfo("c", 3, 3)]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,0")
    assert [g.name for g in gpu._visible(gpus)] == ["c", "a"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert gpu._visible(gpus) == []
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert gpu._visible(gpus) == gpus
