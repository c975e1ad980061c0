"""Check a LoRA adapter GGUF the way llama.cpp will, before llama.cpp sees it.

llama-cpp-python 0.3.36 does not raise when llama.cpp rejects an adapter (the NULL it gets back
is a falsy pointer, not None) and the process segfaults at the next evaluation. So every rule
of ``llama_adapter_lora_init_impl`` (src/llama-adapter.cpp) is checked here first: the
metadata (``general.type``, architecture, ``adapter.type``), complete ``lora_a``/``lora_b``
pairs, base tensors that exist, and shapes that fit.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core.engine.gguf_info import GGUFHeader, read_header
from assistant.core.engine.types import AdapterError, ModelError

_BLOCK = re.compile(r"^blk\.(\d+)\.(.+)\.weight$")


@dataclass
class AdapterInfo:
    """What a LoRA adapter file is, read from its GGUF header.

    Attributes:
        path: the adapter file.
        architecture: the base architecture it was made for (``general.architecture``).
        rank: LoRA rank r (``lora_b.ne[0]``).
        alpha: ``adapter.lora.alpha``; the effective scale is ``scale * alpha / rank`` (alpha 0 = scale).
        targets: the adapted projections, e.g. ``["attn_q", "attn_v"]``.
        size_bytes: file size.
        n_pairs: number of complete A/B tensor pairs.
        layers: the block numbers touched.
        name: ``general.name`` (may be empty).
    """

    path: str
    architecture: str
    rank: int
    alpha: float
    targets: list[str]
    size_bytes: int
    n_pairs: int
    layers: list[int] = field(default_factory=list)
    name: str = ""


def _read(path: str | os.PathLike[str]) -> GGUFHeader:
    try:
        return read_header(path)
    except ModelError as e:
        raise AdapterError(str(e)) from None


def _pairs(h: GGUFHeader) -> dict[str, dict[str, tuple[int, ...]]]:
    p = h.path
    pairs: dict[str, dict[str, tuple[int, ...]]] = {}
    for t in h.tensors:
        if t.name.endswith(".lora_a"):
            pairs.setdefault(t.name[:-7], {})["a"] = t.shape
        elif t.name.endswith(".lora_b"):
            pairs.setdefault(t.name[:-7], {})["b"] = t.shape
        elif t.name.endswith("_norm.weight"):
            continue  # llama.cpp ignores norm tensors in adapters
        else:
            raise AdapterError(f"{p}: tensor '{t.name}' is neither a lora_a nor a lora_b tensor; "
                               "this is not a LoRA adapter llama.cpp can use.")
    for name, pair in pairs.items():
        if "a" not in pair or "b" not in pair:
            missing = "lora_b" if "b" not in pair else "lora_a"
            raise AdapterError(f"{p}: LoRA tensor pair for '{name}' is missing one component "
                               f"({missing}); the adapter file is incomplete.")
        if len(pair["a"]) != 2 or len(pair["b"]) != 2:
            raise AdapterError(f"{p}: LoRA tensors for '{name}' must be 2-D.")
    if not pairs:
        raise AdapterError(f"{p}: the adapter has no LoRA tensors (no .lora_a/.lora_b pairs).")
    return pairs


def inspect_adapter(adapter_path: str | os.PathLike[str]) -> AdapterInfo:
    """Read and check an adapter on its own (metadata and tensor pairs, no base model).

    Raises:
        AdapterError: naming the file and the exact problem.
    """
    h = _read(adapter_path)
    p = h.path
    gtype = h.get("general.type")
    if gtype != "adapter":
        got = "nothing" if gtype is None else repr(gtype)
        raise AdapterError(f"{p}: expect general.type to be 'adapter', but got {got}; "
                           "this file is not a LoRA adapter.")
    atype = h.get("adapter.type")
    if atype != "lora":
        got = "nothing" if atype is None else repr(atype)
        raise AdapterError(f"{p}: expect adapter.type to be 'lora', but got {got}.")
    arch = h.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise AdapterError(f"{p}: the adapter does not say which architecture it is for (general.architecture).")
    pairs = _pairs(h)
    first = next(iter(pairs.values()))
    rank = int(first["b"][0])
    alpha = h.get("adapter.lora.alpha", 0.0)
    targets: list[str] = []
    layers: set[int] = set()
    for name in pairs:
        m = _BLOCK.match(name)
        short = m.group(2) if m else name.removesuffix(".weight")
        if m:
            layers.add(int(m.group(1)))
        if short not in targets:
            targets.append(short)
    return AdapterInfo(path=str(adapter_path), architecture=arch, rank=rank,
                       alpha=float(alpha) if isinstance(alpha, (int, float)) else 0.0,
                       targets=targets, size_bytes=h.size_bytes, n_pairs=len(pairs),
                       layers=sorted(layers), name=str(h.get("general.name", "") or ""))


def validate_adapter(adapter_path: str | os.PathLike[str],
                     base_model_path: str | os.PathLike[str]) -> AdapterInfo:
    """Check an adapter against the base model it will be applied to, as llama.cpp would.

    Raises:
        AdapterError: naming the adapter file and the exact problem (wrong type, architecture
            mismatch, incomplete pair, unknown base tensor, wrong shape).
    """
    info = inspect_adapter(adapter_path)
    try:
        base = read_header(base_model_path)
    except ModelError as e:
        raise AdapterError(f"cannot check {adapter_path} against its base model: {e}") from None
    p = Path(adapter_path)
    base_arch = base.get("general.architecture")
    if info.architecture != base_arch:
        raise AdapterError(f"{p}: model arch and LoRA arch mismatch: the adapter is for "
                           f"'{info.architecture}', the model {Path(base_model_path).name} is '{base_arch}'.")
    shapes = {t.name: t.shape for t in base.tensors}
    for name, pair in _pairs(_read(adapter_path)).items():
        if name not in shapes:
            raise AdapterError(f"{p}: LoRA tensor '{name}' does not exist in base model "
                               f"{Path(base_model_path).name}.")
        w, a, b = shapes[name], pair["a"], pair["b"]
        if len(w) != 2:
            raise AdapterError(f"{p}: tensor '{name}' of the base model is not a matrix; it cannot take a LoRA.")
        if name.endswith("token_embd.weight"):
            # llama.cpp stores the embedding's pair transposed (the converter flips lora_a).
            ok = w[0] == b[1] and w[1] == a[1]
        else:
            ok = w[0] == a[0] and w[1] == b[1] and a[1] == b[0]
        if not ok:
            raise AdapterError(f"{p}: tensor '{name}' has incorrect shape: base {list(w)}, "
                               f"lora_a {list(a)}, lora_b {list(b)} (ne order; expected lora_a "
                               f"[{w[0]}, r] and lora_b [r, {w[1]}]).")
    return info
