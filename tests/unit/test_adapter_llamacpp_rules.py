"""Adapters llama.cpp loads are accepted, adapters it refuses or crashes on are refused, with why.

Fixtures are written here with the ``gguf`` package against the real Gemma 3 270M header
(``gemma3``: token_embd [640, 262144] and no output.weight, i.e. tied; attn_q [640, 1024],
attn_v [640, 256]). What llama.cpp really does with each was observed in a child process
(tests/integration/test_adapters_engine.py repeats the observations for a few of them).
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest

from assistant.core.adapters import inspect_adapter, validate_adapter
from assistant.core.engine.types import AdapterError

V = gguf.GGUFValueType
Q = gguf.GGMLQuantizationType
ATTN_Q, ATTN_V = "blk.0.attn_q.weight", "blk.1.attn_v.weight"


def write_adapter(path: Path, tensors: list[tuple[Any, ...]], *, arch: str = "gemma3",
                  meta: dict[str, Any] | None = None) -> Path:
    """Write a LoRA GGUF as convert_lora_to_gguf.py does, with ``meta`` overriding its keys.

    Args:
        tensors: ``(name, array)`` or ``(name, array, raw ggml type)``; numpy shape is reversed ne.
        meta: key -> ``(value, GGUFValueType[, element type])``, or None to leave the key out.
    """
    kv: dict[str, Any] = {"general.architecture": (arch, V.STRING), "general.type": ("adapter", V.STRING),
                          "adapter.type": ("lora", V.STRING), "adapter.lora.alpha": (8.0, V.FLOAT32)}
    for k, v in (meta or {}).items():
        if v is None:
            kv.pop(k, None)
        else:
            kv[k] = v
    w = gguf.GGUFWriter(str(path), arch)
    w.kv_data[0].clear()  # the writer adds general.architecture itself; we want every key as given
    for k, v in kv.items():
        w.add_key_value(k, v[0], v[1], v[2] if len(v) > 2 else None)
    for t in tensors:
        w.add_tensor(t[0], t[1], raw_dtype=t[2] if len(t) > 2 else None)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def lora(name: str, n_in: int, n_out: int, rank: int, seed: int = 0, dtype: Any = np.float32) -> list[tuple[str, np.ndarray]]:
    """A random pair for a base tensor of ne [n_in, n_out]: lora_a ne [n_in, r], lora_b ne [r, n_out]."""
    g = np.random.default_rng(seed)
    return [(name + ".lora_a", g.normal(0, 0.05, (rank, n_in)).astype(dtype)),
            (name + ".lora_b", g.normal(0, 0.05, (n_out, rank)).astype(dtype))]


def canonical(path: Path) -> Path:
    """q of layer 0 at rank 1 and v of layer 1 at rank 4, laid out as the converter does."""
    return write_adapter(path, lora(ATTN_Q, 640, 1024, 1, seed=1) + lora(ATTN_V, 640, 256, 4, seed=2))


def unusual_layout(path: Path) -> Path:
    """The same numbers as :func:`canonical`, stored the ways llama.cpp also reads.

    lora_a of the rank-1 pair 1-D, a lora_b with a trailing dimension of 1, general.type and
    alpha as one-element arrays, a pair on a 1-D norm (loaded, never applied) and a bare norm
    vector (skipped). The old validator refused this file ("must be 2-D").
    """
    c = lora(ATTN_Q, 640, 1024, 1, seed=1) + lora(ATTN_V, 640, 256, 4, seed=2)
    tensors = [(c[0][0], c[0][1].reshape(640)), c[1], c[2], (c[3][0], c[3][1].reshape(1, 256, 4)),
               ("blk.0.attn_norm.weight.lora_a", np.ones((2, 640), np.float32)),
               ("blk.0.attn_norm.weight.lora_b", np.ones((1, 2), np.float32)),
               ("blk.0.ffn_norm.weight", np.ones(640, np.float32))]
    return write_adapter(path, tensors, meta={"general.type": (["adapter"], V.ARRAY, V.STRING),
                                              "adapter.lora.alpha": ([8.0], V.ARRAY, V.FLOAT32)})


def tied_embedding(path: Path) -> Path:
    """A token_embd pair for Gemma, shaped as llama.cpp wants it (A and B flipped)."""
    g = np.random.default_rng(3)
    return write_adapter(path, [("token_embd.weight.lora_a", g.normal(0, .05, (262144, 4)).astype(np.float32)),
                                ("token_embd.weight.lora_b", g.normal(0, .05, (640, 4)).astype(np.float32))])


def patch_tensor(path: Path, name: str, *, type_id: int | None = None, offset: int | None = None,
                 new_name: str | None = None) -> None:
    """Change one tensor's entry in the table in place (what GGUFWriter will not write)."""
    data = bytearray(path.read_bytes())
    key = struct.pack("<Q", len(name)) + name.encode()
    at = data.index(key) + len(key)
    if new_name is not None:
        assert len(new_name) == len(name)
        data[at - len(name):at] = new_name.encode()
    n_dims = struct.unpack_from("<I", data, at)[0]
    at += 4 + 8 * n_dims
    if type_id is not None:
        struct.pack_into("<I", data, at, type_id)
    if offset is not None:
        struct.pack_into("<Q", data, at + 4, offset)
    path.write_bytes(bytes(data))


def untied_base(path: Path) -> Path:
    """A header-only stand-in for a llama model with its own output.weight (n_embd 8, vocab 32)."""
    w = gguf.GGUFWriter(str(path), "llama")
    for name, shape in [("token_embd.weight", (32, 8)), ("output.weight", (32, 8)), (ATTN_Q, (8, 8))]:
        w.add_tensor(name, np.zeros(shape, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


# ---- what llama.cpp loads is accepted -------------------------------------------------------------

def test_unusual_but_loadable_layout_is_accepted_with_its_real_facts(tmp_path, gemma_path):
    info = validate_adapter(unusual_layout(tmp_path / "odd.gguf"), gemma_path)
    assert info.alpha == 8.0  # read from the one-element array, as llama.cpp does
    assert info.ranks == [1, 2, 4] and info.rank == 4  # llama.cpp allows a rank per tensor
    assert info.targets == ["attn_q", "attn_v", "attn_norm"] and info.layers == [0, 1]
    assert inspect_adapter(tmp_path / "odd.gguf").n_pairs == 3


@pytest.mark.parametrize("ggml_type", [Q.F16, Q.BF16, Q.Q8_0, Q.Q4_0])
def test_any_type_llama_cpp_can_multiply_is_accepted(tmp_path, gemma_path, ggml_type):
    tensors = []
    for name, arr in lora(ATTN_Q, 640, 1024, 32):
        raw = gguf.quants.quantize(arr, ggml_type)
        tensors.append((name, raw, ggml_type))
    info = validate_adapter(write_adapter(tmp_path / "q.gguf", tensors), gemma_path)
    assert info.rank == 32


def test_embedding_and_output_pairs_fit_a_model_with_its_own_output(tmp_path):
    base = untied_base(tmp_path / "base.gguf")
    g = np.random.default_rng(0)
    tensors = [("token_embd.weight.lora_a", g.random((32, 2), np.float32)),  # ne [r, vocab]
               ("token_embd.weight.lora_b", g.random((8, 2), np.float32))]   # ne [r, n_embd]
    tensors += lora("output.weight", 8, 32, 2)
    info = validate_adapter(write_adapter(tmp_path / "a.gguf", tensors, arch="llama"), base)
    assert info.targets == ["token_embd", "output"]


# ---- what llama.cpp refuses, aborts on while reading, or crashes on is refused --------------------

ONE_STRING = "reads it as one string (gguf_get_val_str) and would abort the whole program"
ONE_F32 = "reads it as one float32 (gguf_get_val_f32) and would abort the whole program"

META = {
    "alpha_float64": ({"adapter.lora.alpha": (8.0, V.FLOAT64)}, "adapter.lora.alpha is stored as float64, but llama.cpp " + ONE_F32),
    "alpha_int32": ({"adapter.lora.alpha": (8, V.INT32)}, "adapter.lora.alpha is stored as int32"),
    "alpha_string": ({"adapter.lora.alpha": ("8", V.STRING)}, ONE_F32),
    "alpha_two_floats": ({"adapter.lora.alpha": ([8.0, 1.0], V.ARRAY, V.FLOAT32)}, "an array of float32 of 2"),
    "alpha_one_float64": ({"adapter.lora.alpha": ([8.0], V.ARRAY, V.FLOAT64)}, "an array of float64 of 1"),
    "alpha_nan": ({"adapter.lora.alpha": (float("nan"), V.FLOAT32)}, "non-finite"),
    "type_two_strings": ({"general.type": (["adapter", "x"], V.ARRAY, V.STRING)}, "general.type is stored as an array of string of 2"),
    "type_uint32": ({"general.type": (1, V.UINT32)}, ONE_STRING),
    "arch_int": ({"general.architecture": (3, V.INT32)}, "general.architecture is stored as int32"),
    "adapter_type_bool": ({"adapter.type": (True, V.BOOL)}, "adapter.type is stored as bool"),
    "no_type": ({"general.type": None}, "expect general.type to be 'adapter', but got nothing"),
    "no_arch": ({"general.architecture": None}, "model arch and LoRA arch mismatch"),
    "no_adapter_type": ({"adapter.type": None}, "expect adapter.type to be 'lora', but got nothing"),
    "alora_scalar": ({"adapter.alora.invocation_tokens": (5, V.UINT32)}, "invalid gguf type for adapter.alora.invocation_tokens"),
    "alora_int32": ({"adapter.alora.invocation_tokens": ([5, 6], V.ARRAY, V.INT32)}, "invalid gguf element type"),
    "empty_key": ({"": (1, V.UINT32)}, "a metadata key is empty"),
}


@pytest.mark.parametrize("case", sorted(META))
def test_metadata_llama_cpp_refuses_or_aborts_on(tmp_path, gemma_path, case):
    meta, reason = META[case]
    path = write_adapter(tmp_path / f"{case}.gguf", lora(ATTN_Q, 640, 1024, 4), meta=meta)
    for check in (lambda: validate_adapter(path, gemma_path), lambda: inspect_adapter(path)):
        with pytest.raises(AdapterError) as e:
            check()
        assert reason in str(e.value) and f"{case}.gguf" in str(e.value)


def test_alpha_missing_is_zero_and_activated_lora_tokens_are_fine(tmp_path, gemma_path):
    p = write_adapter(tmp_path / "a.gguf", lora(ATTN_Q, 640, 1024, 4),
                      meta={"adapter.lora.alpha": None,
                            "adapter.alora.invocation_tokens": ([5, 6], V.ARRAY, V.UINT32)})
    assert validate_adapter(p, gemma_path).alpha == 0.0


def _tensors(case: str) -> list[tuple[Any, ...]]:
    g = np.random.default_rng(0)
    if case == "embd_on_tied_model":
        return [("token_embd.weight.lora_a", np.zeros((262144, 4), np.float32)),
                ("token_embd.weight.lora_b", np.zeros((640, 4), np.float32))]
    if case == "output_on_tied_model":
        return lora("output.weight", 640, 262144, 1)
    if case == "three_d":
        return [(ATTN_Q + ".lora_a", g.random((2, 4, 640), np.float32)), (ATTN_Q + ".lora_b", g.random((1024, 4), np.float32))]
    if case == "f64":
        return lora(ATTN_Q, 640, 1024, 4, dtype=np.float64)
    if case == "i32":
        return lora(ATTN_Q, 640, 1024, 4, dtype=np.int32)
    if case == "rank_mismatch":
        return [(ATTN_Q + ".lora_a", g.random((4, 640), np.float32)), (ATTN_Q + ".lora_b", g.random((1024, 8), np.float32))]
    if case == "rank_zero":
        return lora(ATTN_Q, 640, 1024, 0)
    if case == "plain_weight":
        return lora(ATTN_Q, 640, 1024, 4) + [("blk.0.attn_k.weight", g.random((256, 640), np.float32))]
    if case == "long_name":
        return lora("blk.0." + "x" * 60 + ".weight", 640, 1024, 4)
    if case == "wrong_base_shape":
        return lora(ATTN_Q, 640, 1000, 4)
    raise AssertionError(case)


TENSORS = {
    "embd_on_tied_model": "has no output.weight: llama.cpp uses token_embd as the output projection too",
    "output_on_tied_model": "LoRA tensor 'output.weight' does not exist in base model gemma-3-270m-q4_k_m.gguf; "
                            "gemma-3-270m-q4_k_m.gguf has no separate output.weight",
    "three_d": "has shape [640, 4, 2, 1]: a LoRA matrix must be 2-D",
    "f64": "is F64, a type llama.cpp cannot multiply with",
    "i32": "is I32, a type llama.cpp cannot multiply with",
    "rank_mismatch": "lora_a tensor is not transposed",
    "rank_zero": "has rank 0",
    "plain_weight": "LoRA tensor 'blk.0.attn_k.weight' has unexpected suffix",
    "long_name": "is longer than 63 bytes",
    "wrong_base_shape": "tensor 'blk.0.attn_q.weight' has incorrect shape: base [640, 1024]",
}


@pytest.mark.parametrize("case", sorted(TENSORS))
def test_tensors_llama_cpp_refuses_or_crashes_on(tmp_path, gemma_path, case):
    path = write_adapter(tmp_path / f"{case}.gguf", _tensors(case))
    with pytest.raises(AdapterError) as e:
        validate_adapter(path, gemma_path)
    assert TENSORS[case] in str(e.value) and f"{case}.gguf" in str(e.value)


def test_embedding_pair_with_two_ranks_is_refused_even_when_output_is_separate(tmp_path):
    base = untied_base(tmp_path / "base.gguf")
    tensors = [("token_embd.weight.lora_a", np.zeros((32, 2), np.float32)),
               ("token_embd.weight.lora_b", np.zeros((8, 3), np.float32))]
    with pytest.raises(AdapterError, match="lora_a has rank 2 and lora_b rank 3"):
        validate_adapter(write_adapter(tmp_path / "a.gguf", tensors, arch="llama"), base)


@pytest.mark.parametrize("patch,reason", [
    ({"type_id": int(Q.Q4_K)}, "of type Q4_K has 640 elements per row, not a multiple of its block size 256"),
    ({"type_id": 4}, "has tensor type 4, which this llama.cpp does not have"),
    ({"offset": 64}, "has data offset 64, expected 0"),
    ({"new_name": ATTN_Q + ".lora_b"}, "duplicate tensor name"),
])
def test_tensor_table_gguf_init_refuses(tmp_path, gemma_path, patch, reason):
    path = write_adapter(tmp_path / "t.gguf", lora(ATTN_Q, 640, 1024, 4))
    patch_tensor(path, ATTN_Q + ".lora_a", **patch)
    with pytest.raises(AdapterError) as e:
        validate_adapter(path, gemma_path)
    assert reason in str(e.value) and "llama.cpp cannot read this adapter" in str(e.value)


def test_first_reason_is_llama_cpps_first(tmp_path, gemma_path):
    # metadata before tensors; then pairs in name order, whatever the file order
    bad = write_adapter(tmp_path / "b.gguf", lora(ATTN_Q, 640, 1024, 4)[:1], arch="llama")
    with pytest.raises(AdapterError, match="arch mismatch"):
        validate_adapter(bad, gemma_path)
    tensors = lora("blk.1.attn_q.weight", 640, 1024, 4)[:1] + lora(ATTN_Q, 640, 999, 4)
    with pytest.raises(AdapterError, match="'blk.0.attn_q.weight' has incorrect shape"):
        validate_adapter(write_adapter(tmp_path / "c.gguf", tensors), gemma_path)
