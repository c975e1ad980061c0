"""Check a LoRA adapter GGUF the way llama.cpp will, before llama.cpp sees it.

llama.cpp has three ways of not taking an adapter, and only one of them is polite:

- it *refuses* it (``llama_adapter_lora_init`` logs the reason and returns NULL; llama-cpp-python
  0.3.36 turns that NULL into a falsy pointer, not None, and the process segfaults at the next
  evaluation unless the caller checks);
- it *aborts the whole process* while reading the metadata: ``gguf_get_val_str`` and
  ``gguf_get_val_f32`` are ``GGML_ASSERT``\\s on the stored type, so an ``adapter.lora.alpha``
  written as float64 or an int, or a ``general.type`` that is not a string, kills the program;
- it *loads* it and aborts at the first evaluation, when ``ggml_mul_mat`` meets a tensor it cannot
  multiply: a ``token_embd`` pair on a model whose output reuses ``token_embd`` (the pair is then
  also applied to the output projection, where its shapes cannot fit), a ``token_embd`` pair whose
  two ranks differ, tensors with a third dimension, or a tensor type without a CPU kernel.

Every one of these is refused here with the reason, in llama.cpp's order
(``llama_adapter_lora_init_impl`` in src/llama-adapter.cpp, ``gguf_init_from_file_impl`` in
ggml/src/gguf.cpp, ``build_lora_mm``/``build_inp_embd`` in src/llama-graph.cpp, all of the
llama.cpp that llama-cpp-python 0.3.36 vendors), and everything llama.cpp loads and runs is
accepted, including what it accepts beyond the converter's output: a one-element array where a
value is expected, a rank-1 ``lora_a`` stored 1-D, trailing dimensions of size 1, different
ranks per tensor, any tensor type it can multiply, and pairs on 1-D tensors (loaded, never used).
"""
from __future__ import annotations

import math
import mmap
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gguf

from assistant.core.models.gguf_info import GGUFHeader, read_header
from assistant.core.adapters.spec import AdapterError
from assistant.core.errors import ModelError

_BLOCK = re.compile(r"^blk\.(\d+)\.(.+)\.weight$")
_V = gguf.GGUFValueType
_SCALAR_BYTES = {_V.UINT8: 1, _V.INT8: 1, _V.UINT16: 2, _V.INT16: 2, _V.UINT32: 4, _V.INT32: 4,
                 _V.FLOAT32: 4, _V.BOOL: 1, _V.UINT64: 8, _V.INT64: 8, _V.FLOAT64: 8}
GGML_MAX_NAME = 64  # tensor names are at most 63 bytes
GGML_MAX_DIMS = 4
GGML_TYPE_COUNT = 43
# (elements per block, bytes per block) of every tensor type this llama.cpp reads (ggml.c
# type_traits); the numbers it skips (4, 5, 31-33, 36-38) were removed and have block size 0.
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40), 10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
    28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17), 40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
    42: ("Q2_0", 64, 18),
}
# Types the CPU backend has no dot product for (type_traits_cpu without vec_dot): a LoRA tensor of
# one of these loads, then crashes the first matrix multiplication.
NO_MATMUL = {9: "Q8_1", 15: "Q8_K", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64"}


@dataclass
class AdapterInfo:
    """What a LoRA adapter file is, read from its GGUF header.

    Attributes:
        path: the adapter file.
        architecture: the base architecture it was made for (``general.architecture``).
        rank: LoRA rank r (``lora_b.ne[0]``), the largest if the tensors differ.
        alpha: ``adapter.lora.alpha``; each tensor's scale is ``scale * alpha / its rank``
            (alpha 0 = scale).
        targets: the adapted projections, e.g. ``["attn_q", "attn_v"]``.
        size_bytes: file size.
        n_pairs: number of complete A/B tensor pairs.
        layers: the block numbers touched.
        name: ``general.name`` (may be empty).
        ranks: every rank used (llama.cpp allows a different rank per tensor).
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
    ranks: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Value:
    """How a metadata value is stored: its GGUF type (ARRAY for arrays), element type, count."""

    vtype: int
    etype: int | None
    count: int


@dataclass(frozen=True)
class _Tensor:
    name: str
    ne: tuple[int, int, int, int]  # ggml order, padded with 1s as llama.cpp does
    type_id: int
    offset: int


@dataclass(frozen=True)
class _Pair:
    a: _Tensor
    b: _Tensor


class _Scan:
    """The raw metadata types and tensor table (read_header keeps values, not how they are stored)."""

    def __init__(self, path: Path) -> None:
        self.values: dict[str, _Value] = {}
        self.tensors: list[_Tensor] = []
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            self._buf, self._pos = mm, 8  # after magic and version
            n_tensors, n_kv = self._unpack("<Q"), self._unpack("<Q")
            for _ in range(n_kv):
                key = self._string()
                vtype = self._unpack("<I")
                if vtype == _V.ARRAY:
                    etype, count = self._unpack("<I"), self._unpack("<Q")
                    self.values[key] = _Value(vtype, etype, count)
                    for _ in range(count):
                        self._skip(etype)
                else:
                    self.values[key] = _Value(vtype, None, 1)
                    self._skip(vtype)
            for _ in range(n_tensors):
                name = self._string()
                n_dims = self._unpack("<I")
                if n_dims > GGML_MAX_DIMS:
                    raise _Refused(f"tensor '{name}' has {n_dims} dimensions; llama.cpp reads at most "
                                   f"{GGML_MAX_DIMS}")
                ne = [self._unpack("<q") for _ in range(n_dims)] + [1] * (GGML_MAX_DIMS - n_dims)
                type_id, offset = self._unpack("<i"), self._unpack("<Q")
                self.tensors.append(_Tensor(name, (ne[0], ne[1], ne[2], ne[3]), type_id, offset))
            self._buf = b""

    def _unpack(self, fmt: str) -> Any:
        v = struct.unpack_from(fmt, self._buf, self._pos)[0]
        self._pos += struct.calcsize(fmt)
        return v

    def _string(self) -> str:
        n = self._unpack("<Q")
        s = bytes(self._buf[self._pos:self._pos + n]).decode("utf-8", errors="replace")
        self._pos += n
        return s

    def _skip(self, vtype: int) -> None:
        if vtype == _V.STRING:
            n = self._unpack("<Q")
            self._pos += n
        else:
            self._pos += _SCALAR_BYTES[_V(vtype)]


class _Refused(Exception):
    """A rule llama.cpp applies; the message is completed with the file name."""


def _type_name(vtype: int, etype: int | None = None) -> str:
    def one(t: int) -> str:
        try:
            return _V(t).name.lower()
        except ValueError:
            return f"type {t}"
    return f"an array of {one(etype)}" if vtype == _V.ARRAY and etype is not None else one(vtype)


def _tensor_type(type_id: int) -> str:
    return GGML_TYPES[type_id][0] if type_id in GGML_TYPES else f"type {type_id}"


def _read(path: str | os.PathLike[str]) -> tuple[GGUFHeader, _Scan]:
    try:
        h = read_header(path)
    except ModelError as e:
        raise AdapterError(str(e)) from None
    try:
        return h, _Scan(h.path)
    except _Refused as e:
        raise AdapterError(f"{h.path}: llama.cpp cannot read this adapter: {e}.") from None
    except (struct.error, ValueError, OSError) as e:  # read_header passed, so this is unexpected
        raise AdapterError(f"{h.path}: the GGUF header is damaged ({e}).") from None


def _check_gguf(s: _Scan, alignment: int) -> None:
    """``gguf_init_from_file``: what makes llama.cpp refuse the file before reading any key."""
    for key in s.values:
        if not key:
            raise _Refused("a metadata key is empty")
    seen: set[str] = set()
    expected = 0
    for t in s.tensors:
        if len(t.name.encode("utf-8")) >= GGML_MAX_NAME:
            raise _Refused(f"tensor name '{t.name}' is longer than {GGML_MAX_NAME - 1} bytes")
        if t.name in seen:
            raise _Refused(f"duplicate tensor name '{t.name}'")
        seen.add(t.name)
        if any(n < 0 for n in t.ne):
            raise _Refused(f"tensor '{t.name}' has a negative dimension {list(t.ne)}")
        if t.type_id not in GGML_TYPES:
            raise _Refused(f"tensor '{t.name}' has tensor type {t.type_id}, which this llama.cpp "
                           "does not have (removed or newer)")
        _, block, size = GGML_TYPES[t.type_id]
        if t.ne[0] % block:
            raise _Refused(f"tensor '{t.name}' of type {_tensor_type(t.type_id)} has {t.ne[0]} "
                           f"elements per row, not a multiple of its block size {block}")
        if t.offset != expected:
            raise _Refused(f"tensor '{t.name}' has data offset {t.offset}, expected {expected} "
                           "(tensor data must follow in order)")
        nbytes = t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3] // block * size
        expected += (nbytes + alignment - 1) // alignment * alignment


def _kv_str(h: GGUFHeader, s: _Scan, key: str) -> str:
    """``get_kv_str``: missing is ""; anything but a string (or a 1-string array) aborts."""
    v = s.values.get(key)
    if v is None:
        return ""
    if (v.etype if v.vtype == _V.ARRAY else v.vtype) != _V.STRING or v.count != 1:
        raise _Refused(f"{key} is stored as {_type_name(v.vtype, v.etype)}"
                       f"{f' of {v.count}' if v.vtype == _V.ARRAY else ''}, but llama.cpp reads it "
                       "as one string (gguf_get_val_str) and would abort the whole program on it")
    value = h.get(key)
    if isinstance(value, list):
        value = value[0]
    return value if isinstance(value, str) else "(a string over 1 MB)"


def _kv_f32(h: GGUFHeader, s: _Scan, key: str) -> float:
    """``get_kv_f32``: missing is 0; anything but a float32 (or a 1-float32 array) aborts."""
    v = s.values.get(key)
    if v is None:
        return 0.0
    if (v.etype if v.vtype == _V.ARRAY else v.vtype) != _V.FLOAT32 or v.count != 1:
        raise _Refused(f"{key} is stored as {_type_name(v.vtype, v.etype)}"
                       f"{f' of {v.count}' if v.vtype == _V.ARRAY else ''}, but llama.cpp reads it "
                       "as one float32 (gguf_get_val_f32) and would abort the whole program on it; "
                       "write it with add_float32")
    value = h.get(key)
    return float(value[0] if isinstance(value, list) else value)


def _metadata(h: GGUFHeader, s: _Scan, base_arch: str | None, model: str) -> tuple[str, float]:
    """The keys llama.cpp reads, in its order. Returns (architecture, alpha)."""
    gtype = _kv_str(h, s, "general.type")
    if gtype != "adapter":
        raise _Refused(f"expect general.type to be 'adapter', but got {repr(gtype) if gtype else 'nothing'}; "
                       "this file is not a LoRA adapter")
    arch = _kv_str(h, s, "general.architecture")
    if not arch:
        raise _Refused("model arch and LoRA arch mismatch: the adapter does not say which architecture "
                       "it is for (general.architecture), so it fits no model")
    if base_arch is not None and arch != base_arch:
        raise _Refused(f"model arch and LoRA arch mismatch: the adapter is for '{arch}', the model "
                       f"{model} is '{base_arch}'")
    atype = _kv_str(h, s, "adapter.type")
    if atype != "lora":
        raise _Refused(f"expect adapter.type to be 'lora', but got {repr(atype) if atype else 'nothing'}")
    alpha = _kv_f32(h, s, "adapter.lora.alpha")
    key = "adapter.alora.invocation_tokens"
    v = s.values.get(key)
    if v is not None and v.vtype != _V.ARRAY:
        raise _Refused(f"invalid gguf type for {key}: {_type_name(v.vtype)}, llama.cpp wants an array of uint32")
    if v is not None and v.etype != _V.UINT32:
        raise _Refused(f"invalid gguf element type for {key}: {_type_name(v.vtype, v.etype)}, "
                       "llama.cpp wants an array of uint32")
    if not math.isfinite(alpha):
        # llama.cpp loads it and scales every LoRA product by it: the answers become garbage.
        raise _Refused(f"adapter.lora.alpha is {alpha}; llama.cpp would load it and scale every LoRA "
                       "product by a non-finite number, which turns the answers into garbage")
    return arch, alpha


def _pairs(s: _Scan) -> dict[str, dict[str, _Tensor]]:
    """Bundle lora_a/lora_b the way llama.cpp does (every '.lora_a' removed from the name)."""
    pairs: dict[str, dict[str, _Tensor]] = {}
    for t in s.tensors:
        if t.name.endswith(".lora_a"):
            pairs.setdefault(t.name.replace(".lora_a", ""), {})["a"] = t
        elif t.name.endswith(".lora_b"):
            pairs.setdefault(t.name.replace(".lora_b", ""), {})["b"] = t
        elif t.name.endswith("_norm.weight"):
            continue  # llama.cpp skips norm vectors in adapters
        else:
            raise _Refused(f"LoRA tensor '{t.name}' has unexpected suffix (neither .lora_a nor .lora_b); "
                           "this is not a LoRA adapter llama.cpp can use")
    if not pairs:
        raise _Refused("the adapter has no LoRA tensors (no .lora_a/.lora_b pairs)")
    return pairs


def _check_pair(name: str, pair: dict[str, _Tensor], base: dict[str, tuple[int, ...]] | None,
                tied: bool, model: str) -> _Pair:
    """One pair, in llama.cpp's order; the rules after the shape check are where it would crash."""
    if "a" not in pair or "b" not in pair:
        missing = "lora_b" if "b" not in pair else "lora_a"
        raise _Refused(f"LoRA tensor pair for '{name}' is missing one component ({missing}); "
                       "the adapter file is incomplete")
    a, b = pair["a"], pair["b"]
    embd = name.endswith("token_embd.weight")
    if base is not None:
        if name not in base:
            hint = ""
            if name == "output.weight" and tied:
                hint = (f"; {model} has no separate output.weight (its output reuses token_embd), "
                        "so an output LoRA has nothing to apply to")
            raise _Refused(f"LoRA tensor '{name}' does not exist in base model {model}{hint}")
        w = tuple(base[name]) + (1,) * (GGML_MAX_DIMS - len(base[name]))
        if embd:  # A and B flipped, B not transposed (llm_build_inp_embd)
            if w[0] != b.ne[1] or w[1] != a.ne[1]:
                raise _Refused(f"tensor '{name}' has incorrect shape: base {list(w[:2])}, lora_a "
                               f"{list(a.ne[:2])}, lora_b {list(b.ne[:2])} (ne order; expected lora_a "
                               f"[r, {w[1]}] and lora_b [r, {w[0]}])")
        else:
            if w[0] != a.ne[0] or w[1] != b.ne[1]:
                raise _Refused(f"tensor '{name}' has incorrect shape: base {list(w[:2])}, lora_a "
                               f"{list(a.ne[:2])}, lora_b {list(b.ne[:2])} (ne order; expected lora_a "
                               f"[{w[0]}, r] and lora_b [r, {w[1]}])")
    if not embd and a.ne[1] != b.ne[0]:
        raise _Refused(f"tensor '{name}': lora_a tensor is not transposed: lora_a {list(a.ne[:2])} has "
                       f"rank {a.ne[1]}, lora_b {list(b.ne[:2])} has rank {b.ne[0]}")
    # From here llama.cpp would load the adapter and then abort in ggml_mul_mat / ggml_get_rows.
    if embd and a.ne[0] != b.ne[0]:
        raise _Refused(f"tensor '{name}': lora_a has rank {a.ne[0]} and lora_b rank {b.ne[0]}; "
                       "llama.cpp would load it and abort at the first token")
    if embd and tied and base is not None:
        raise _Refused(f"'{name}' has a LoRA, but {model} has no output.weight: llama.cpp uses "
                       "token_embd as the output projection too and applies the same pair there, "
                       "where its shapes cannot fit, so it would abort at the first token")
    for t in (a, b):
        if t.ne[2] != 1 or t.ne[3] != 1:
            raise _Refused(f"LoRA tensor '{t.name}' has shape {list(t.ne)}: a LoRA matrix must be "
                           "2-D (trailing dimensions 1); llama.cpp would abort at the first token")
        if t.type_id in NO_MATMUL:
            raise _Refused(f"LoRA tensor '{t.name}' is {NO_MATMUL[t.type_id]}, a type llama.cpp "
                           "cannot multiply with; it would crash at the first token (use F32, F16, "
                           "BF16 or a quantized type)")
    if b.ne[0] == 0 or (embd and a.ne[0] == 0):
        raise _Refused(f"tensor '{name}' has rank 0 (empty LoRA matrices): llama.cpp refuses an adapter "
                       "of empty tensors ('failed to allocate buffer for lora adapter') and divides "
                       "alpha by 0 for one next to other tensors")
    return _Pair(a, b)


def _check(adapter_path: str | os.PathLike[str], base_model_path: str | os.PathLike[str] | None) -> AdapterInfo:
    h, s = _read(adapter_path)
    p = h.path
    base: dict[str, tuple[int, ...]] | None = None
    base_arch: str | None = None
    model = ""
    if base_model_path is not None:
        try:
            bh = read_header(base_model_path)
        except ModelError as e:
            raise AdapterError(f"cannot check {p} against its base model: {e}") from None
        model = Path(base_model_path).name
        base = {t.name: t.shape for t in bh.tensors}
        ba = bh.get("general.architecture")
        base_arch = ba if isinstance(ba, str) else ""
    tied = base is not None and "token_embd.weight" in base and "output.weight" not in base
    try:
        _check_gguf(s, int(h.get("general.alignment", 32)))
    except _Refused as e:
        raise AdapterError(f"{p}: llama.cpp cannot read this adapter: {e}.") from None
    try:
        arch, alpha = _metadata(h, s, base_arch, model)
        checked = {name: _check_pair(name, pair, base, tied, model)
                   for name, pair in sorted(_pairs(s).items())}  # std::map order
    except _Refused as e:
        raise AdapterError(f"{p}: {e}.") from None
    targets: list[str] = []
    layers: set[int] = set()
    for name in (n for t in s.tensors for n in [t.name.replace(".lora_a", "").replace(".lora_b", "")]
                 if n in checked):
        m = _BLOCK.match(name)
        short = m.group(2) if m else name.removesuffix(".weight")
        if m:
            layers.add(int(m.group(1)))
        if short not in targets:
            targets.append(short)
    ranks = sorted({pr.b.ne[0] for pr in checked.values()})
    return AdapterInfo(path=str(adapter_path), architecture=arch, rank=max(ranks), alpha=alpha,
                       targets=targets, size_bytes=h.size_bytes, n_pairs=len(checked),
                       layers=sorted(layers), name=str(h.get("general.name", "") or ""), ranks=ranks)


def inspect_adapter(adapter_path: str | os.PathLike[str]) -> AdapterInfo:
    """Read and check an adapter on its own (everything llama.cpp checks that needs no base model).

    Raises:
        AdapterError: naming the file and the exact problem.
    """
    return _check(adapter_path, None)


def validate_adapter(adapter_path: str | os.PathLike[str],
                     base_model_path: str | os.PathLike[str]) -> AdapterInfo:
    """Check an adapter against the base model it will be applied to, as llama.cpp would.

    Accepts exactly what llama.cpp loads and can run; refuses, with llama.cpp's reason, what it
    refuses, what makes it abort while reading the metadata, and what it loads but would crash on.

    Raises:
        AdapterError: naming the adapter file and the exact problem (wrong type or value type,
            architecture mismatch, incomplete pair, unknown base tensor, wrong shape, a pair on a
            tied embedding, a tensor type llama.cpp cannot multiply).
    """
    return _check(adapter_path, base_model_path)
