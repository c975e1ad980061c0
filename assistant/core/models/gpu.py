"""What the llama.cpp build can offload to, what GPU memory is free, and how many layers fit."""
from __future__ import annotations

import logging
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field

from assistant.core.i18n import tr
from assistant.core.models.facts import ModelFacts

log = logging.getLogger("assistant.engine")

_PIP = "pip install --force-reinstall --no-cache-dir llama-cpp-python==0.3.36"
GPU_BUILD_HINT = (
    "This llama-cpp-python build runs on the CPU only. For a GPU build, reinstall it with the "
    "backend of your GPU:\n"
    f'  NVIDIA (CUDA):  CMAKE_ARGS="-DGGML_CUDA=on" {_PIP}\n'
    f'  Apple (Metal):  CMAKE_ARGS="-DGGML_METAL=on" {_PIP}\n'
    f'  AMD/Intel/other (Vulkan):  CMAKE_ARGS="-DGGML_VULKAN=on" {_PIP}')

MARGIN_MB = 512  # compute buffers, CUDA context and the desktop's own use of the GPU


@dataclass
class GpuInfo:
    """One GPU as the driver reports it (memory in MiB)."""

    name: str
    total_mb: int
    free_mb: int


@dataclass
class BackendInfo:
    """What the llama.cpp build can do on this machine."""

    backend: str  # "CPU", "CUDA", "Metal", "Vulkan", ...
    gpu_offload: bool
    gpus: list[GpuInfo] = field(default_factory=list)


@dataclass
class GpuPlan:
    """How many layers go to the GPU, and why (shown to the user)."""

    n_gpu_layers: int
    reason: str


def _nvidia_gpus() -> list[GpuInfo]:
    try:
        import pynvml  # type: ignore[import-not-found]

        pynvml.nvmlInit()
        try:
            out = []
            for i in range(pynvml.nvmlDeviceGetCount()):
                h = pynvml.nvmlDeviceGetHandleByIndex(i)
                mem = pynvml.nvmlDeviceGetMemoryInfo(h)
                name = pynvml.nvmlDeviceGetName(h)
                out.append(GpuInfo(name.decode() if isinstance(name, bytes) else str(name),
                                   int(mem.total // 2**20), int(mem.free // 2**20)))
            return out
        finally:
            pynvml.nvmlShutdown()
    except ImportError:
        pass
    except Exception as e:  # NVML present but no driver/GPU: fall through to nvidia-smi
        log.debug("NVML query failed: %s", e)
    smi = shutil.which("nvidia-smi")
    if not smi:
        return []
    try:
        res = subprocess.run([smi, "--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError) as e:
        log.info("nvidia-smi failed: %s", e)
        return []
    gpus = []
    for line in res.stdout.strip().splitlines():
        parts = [x.strip() for x in line.split(",")]
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            gpus.append(GpuInfo(parts[0], int(parts[1]), int(parts[2])))
    return gpus


def _apple_gpus() -> list[GpuInfo]:
    if platform.system() != "Darwin" or platform.machine() != "arm64":
        return []
    import psutil

    # Apple silicon shares memory; Metal lets a process use about 3/4 of it for the GPU.
    vm = psutil.virtual_memory()
    return [GpuInfo("Apple GPU (unified memory)", int(vm.total * 0.75 // 2**20), int(vm.available * 0.75 // 2**20))]


def _build_backend() -> tuple[str, bool]:
    try:
        import llama_cpp
    except ImportError:
        return "not installed", False
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    if not offload:
        return "CPU", False
    names = []
    try:  # ggml lists the compiled-in backends (CUDA, Metal, Vulkan, ...)
        reg_count = llama_cpp.ggml_backend_reg_count()  # type: ignore[attr-defined]
        for i in range(reg_count):
            n = llama_cpp.ggml_backend_reg_name(llama_cpp.ggml_backend_reg_get(i))  # type: ignore[attr-defined]
            names.append(n.decode() if isinstance(n, bytes) else str(n))
    except AttributeError:
        pass
    gpu_names = [n for n in names if n.upper() != "CPU"]
    if gpu_names:
        return gpu_names[0], True
    info = ""
    try:
        info = llama_cpp.llama_print_system_info().decode(errors="replace")
    except (AttributeError, UnicodeDecodeError):
        pass
    for key, name in (("CUDA", "CUDA"), ("METAL", "Metal"), ("VULKAN", "Vulkan"), ("HIP", "ROCm"), ("SYCL", "SYCL")):
        if key in info.upper():
            return name, True
    if platform.system() == "Darwin":
        return "Metal", True
    return "GPU", True


def _visible(gpus: list[GpuInfo]) -> list[GpuInfo]:
    """The NVIDIA GPUs CUDA will number, in its order (``CUDA_VISIBLE_DEVICES`` hides and reorders)."""
    spec = os.environ.get("CUDA_VISIBLE_DEVICES")
    if spec is None:
        return gpus
    out = []
    for part in (p.strip() for p in spec.split(",")):
        if not part.isdigit():  # UUIDs or MIG names: the order cannot be matched; measure none
            return [] if part else out
        if int(part) >= len(gpus):
            break  # CUDA stops at the first invalid index
        out.append(gpus[int(part)])
    return out


def backend_info() -> BackendInfo:
    """Which backend llama.cpp was built with, whether it can offload, and the machine's GPUs.

    NVIDIA GPUs are listed in CUDA's numbering (PCI bus order, as the engine worker sets
    ``CUDA_DEVICE_ORDER``, restricted by ``CUDA_VISIBLE_DEVICES``), so an index here is the
    ``main_gpu`` llama.cpp needs.
    """
    backend, offload = _build_backend()
    gpus = _visible(_nvidia_gpus()) or _apple_gpus()
    return BackendInfo(backend, offload, gpus)


def main_gpu(info: BackendInfo) -> int | None:
    """Index (in ``info.gpus``) of the GPU to run on: the one with the most free memory.

    Offload plans and memory estimates measure this GPU, and the engine loads the model on it
    alone, so the plan is made for the device that really receives the layers.
    """
    if not info.gpu_offload or not info.gpus:
        return None
    return max(range(len(info.gpus)), key=lambda i: info.gpus[i].free_mb)


def kv_cache_mb(facts: ModelFacts, n_ctx: int, bytes_per_value: int = 2) -> float:
    """Size of the K and V cache (f16) for all layers at ``n_ctx`` tokens, in MiB."""
    n_layers = facts.n_layers or 0
    n_kv = facts.n_head_kv or facts.n_head or 0
    k = facts.key_length or ((facts.embedding_length or 0) // max(1, facts.n_head or 1))
    v = facts.value_length or k
    return n_layers * n_ctx * n_kv * (k + v) * bytes_per_value / 2**20


def plan_gpu_layers(facts: ModelFacts, n_ctx: int, free_vram_mb: int | None,
                    requested: int | str = "auto", gpu_offload: bool = True) -> GpuPlan:
    """Decide how many layers to offload.

    Args:
        facts: the model (size and layer count).
        n_ctx: the context the model will be loaded with (sizes the KV cache).
        free_vram_mb: free GPU memory, None when unknown or no GPU.
        requested: ``"auto"`` or a layer count from the settings (``-1`` = all, ``0`` = none).
        gpu_offload: whether the llama.cpp build can offload at all.

    Returns:
        The layer count to pass as ``n_gpu_layers`` and the reason in words.
    """
    n_layers = facts.n_layers or 0
    if not gpu_offload:
        return GpuPlan(0, tr("CPU only: this llama.cpp build has no GPU backend."))
    if requested != "auto":
        try:
            n = int(requested)
        except (TypeError, ValueError):
            n = None
        if n is not None:
            if n < 0:
                return GpuPlan(n, tr("all layers on the GPU, as set in Settings."))
            return GpuPlan(n, tr("{n} layers on the GPU, as set in Settings.", n=n))
    if not free_vram_mb or free_vram_mb <= 0 or n_layers <= 0:
        return GpuPlan(0, tr("CPU only: no GPU with known free memory was found."))
    size_mb = facts.size_bytes / 2**20
    # The output layer and embeddings are counted as one more "layer" of the same size.
    per_layer = size_mb / (n_layers + 1)
    per_layer_kv = kv_cache_mb(facts, n_ctx) / n_layers
    budget = free_vram_mb - MARGIN_MB
    if budget <= per_layer + per_layer_kv:
        return GpuPlan(0, tr("CPU only: {free} MB of GPU memory free, one layer needs {need:.0f} MB plus a "
                             "{margin} MB margin.", free=free_vram_mb, need=per_layer + per_layer_kv,
                             margin=MARGIN_MB))
    fit = int(budget // (per_layer + per_layer_kv))
    if fit >= n_layers + 1:
        return GpuPlan(-1, tr("all {n} layers on the GPU ({used:.0f} MB of {free} MB free).", n=n_layers,
                              used=size_mb + kv_cache_mb(facts, n_ctx), free=free_vram_mb))
    fit = min(fit, n_layers)
    return GpuPlan(fit, tr("{fit} of {n} layers on the GPU: {free} MB free, each layer needs {weights:.0f} MB of "
                           "weights and {cache:.0f} MB of cache at {ctx} tokens.", fit=fit, n=n_layers,
                           free=free_vram_mb, weights=per_layer, cache=per_layer_kv, ctx=n_ctx))
