"""GPU offload planning: how many layers fit, and the reason the user sees."""
from __future__ import annotations

from assistant.core.engine import gpu
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
