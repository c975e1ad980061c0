"""Will this model run well here? Memory estimate and GPU offload plan, in words for the UI."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.core.models.facts import ModelFacts

if TYPE_CHECKING:
    from assistant.core.models.gpu import BackendInfo
    from assistant.core.models.catalog import CatalogEntry

OVERHEAD_MB = 300  # llama.cpp compute buffers and the worker process itself
DEFAULT_CTX = 4096
FITS, TIGHT, TOO_BIG = "fits", "tight", "too big"


@dataclass
class FitEstimate:
    """How a model fits this machine.

    Attributes:
        verdict: "fits", "tight" (close other programs first) or "too big".
        ram_needed_mb: memory the model needs in RAM (weights not on the GPU, cache, buffers).
        ram_available_mb / ram_total_mb: this machine's memory.
        vram_free_mb: free GPU memory, None without a usable GPU.
        gpu_layers: the planned ``n_gpu_layers`` (0 = CPU only, -1 = all).
        gpu_plan: the offload plan in words.
        summary: one line for the model manager.
    """

    verdict: str
    ram_needed_mb: int
    ram_available_mb: int
    ram_total_mb: int
    vram_free_mb: int | None
    gpu_layers: int
    gpu_plan: str
    summary: str

    @property
    def fits(self) -> bool:
        return self.verdict != TOO_BIG


def _memory() -> tuple[int, int]:
    import psutil

    vm = psutil.virtual_memory()
    return int(vm.total // 2**20), int(vm.available // 2**20)


def _backend() -> "BackendInfo":
    from assistant.core.models import gpu

    return gpu.backend_info()


def _verdict(needed: int, available: int, total: int) -> str:
    if needed <= available * 0.9:
        return FITS
    if needed <= total * 0.8:
        return TIGHT
    return TOO_BIG


def _summary(verdict: str, needed: int, available: int, total: int, plan: str) -> str:
    gb = lambda mb: f"{mb / 1024:.1f} GB"  # noqa: E731
    if verdict == FITS:
        head = f"Fits: needs about {gb(needed)} of memory, {gb(available)} free."
    elif verdict == TIGHT:
        head = (f"Tight: needs about {gb(needed)}, only {gb(available)} free of {gb(total)}. "
                "Close other programs or choose a smaller context.")
    else:
        head = f"Too big: needs about {gb(needed)}, this computer has {gb(total)}. Choose a smaller model."
    return f"{head} {plan}"


def estimate(facts: ModelFacts, n_ctx: int | None = None, requested_gpu_layers: int | str = "auto", *,
             memory_mb: tuple[int, int] | None = None, backend: "BackendInfo | None" = None) -> FitEstimate:
    """Estimate whether an installed model fits, with its GPU offload plan.

    Args:
        facts: the model's facts (from ``gguf_info.read_model_facts``).
        n_ctx: context the model will be loaded with; default min(model's, 4096).
        requested_gpu_layers: "auto" or the layer count from Settings.
        memory_mb: (total, available) RAM in MiB; default measured with psutil.
        backend: the llama.cpp backend and GPUs; default ``gpu.backend_info()``.
    """
    from assistant.core.models import gpu

    n_ctx = n_ctx or min(facts.context_length or DEFAULT_CTX, DEFAULT_CTX)
    total, available = memory_mb or _memory()
    info = backend or _backend()
    vram = max((g.free_mb for g in info.gpus), default=None) if info.gpus else None
    plan = gpu.plan_gpu_layers(facts, n_ctx, vram, requested_gpu_layers, gpu_offload=info.gpu_offload)
    weights = facts.size_bytes / 2**20
    kv = gpu.kv_cache_mb(facts, n_ctx)
    n_layers = facts.n_layers or 1
    on_gpu = 1.0 if plan.n_gpu_layers < 0 else min(plan.n_gpu_layers, n_layers) / (n_layers + 1)
    needed = int(weights * (1 - on_gpu) + kv * (1 - on_gpu) + OVERHEAD_MB)
    verdict = _verdict(needed, available, total)
    return FitEstimate(verdict, needed, available, total, vram, plan.n_gpu_layers, plan.reason,
                       _summary(verdict, needed, available, total, plan.reason))


def estimate_entry(entry: "CatalogEntry", *, memory_mb: tuple[int, int] | None = None,
                   backend: "BackendInfo | None" = None) -> FitEstimate:
    """Estimate for a catalog model not downloaded yet (from its size and the catalog's RAM note)."""
    size = entry.display_size_mb or int(entry.min_ram_gb * 512)
    return estimate_size(size, int(entry.min_ram_gb * 1024), memory_mb=memory_mb, backend=backend)


def estimate_size(size_mb: int, min_ram_mb: int = 0, *, memory_mb: tuple[int, int] | None = None,
                  backend: "BackendInfo | None" = None) -> FitEstimate:
    """Estimate for a model known only by its file size (nothing of its header read yet).

    Args:
        size_mb: the weights' size in MiB.
        min_ram_mb: a published minimum, if any (the larger of it and the size-based need counts).
        memory_mb / backend: as for :func:`estimate`.
    """
    total, available = memory_mb or _memory()
    info = backend or _backend()
    vram = max((g.free_mb for g in info.gpus), default=None) if info.gpus else None
    needed = max(int(size_mb * 1.2) + OVERHEAD_MB, min_ram_mb)
    if info.gpu_offload and vram and vram - 512 >= size_mb * 1.2:
        plan, layers = f"All layers can go on the GPU ({vram} MB free).", -1
        needed = OVERHEAD_MB + int(size_mb * 0.1)
    elif info.gpu_offload and vram:
        plan, layers = (f"Part of the model can go on the GPU ({vram} MB free); "
                        "the exact plan is made once it is downloaded."), 0
    else:
        plan, layers = "Runs on the CPU.", 0
    verdict = _verdict(needed, available, total)
    return FitEstimate(verdict, needed, available, total, vram, layers, plan,
                       _summary(verdict, needed, available, total, plan))


def estimate_remote(size_bytes: int, facts: ModelFacts | None = None, n_ctx: int | None = None,
                    requested_gpu_layers: int | str = "auto", *, memory_mb: tuple[int, int] | None = None,
                    backend: "BackendInfo | None" = None) -> FitEstimate:
    """Estimate for a model file on the hub, before it is downloaded.

    With ``facts`` read from the header of one file of the repository (layers, heads: the same
    for every quantisation of a model), the estimate is the one :func:`estimate` gives for an
    installed file of ``size_bytes`` at ``n_ctx`` (KV cache included); without, it is by size only.

    Args:
        size_bytes: the file's size (all parts of a split file together).
        facts: the model's facts from a header read by range request, or None.
        n_ctx: the user's context length (None or 0 = the model's, capped at 4096).
        requested_gpu_layers: "auto" or the layer count from Settings.
    """
    if facts is None:
        return estimate_size(int(size_bytes / 2**20), memory_mb=memory_mb, backend=backend)
    return estimate(replace(facts, size_bytes=size_bytes), n_ctx or None, requested_gpu_layers,
                    memory_mb=memory_mb, backend=backend)
