"""Model files are checked from their GGUF header before llama.cpp ever sees them."""
from __future__ import annotations

import struct
import tracemalloc

import gguf
import numpy as np
import pytest

from assistant.core.models import gguf_info
from assistant.core.engine.types import ModelError


def test_smollm2_facts(smollm2_path):
    f = gguf_info.read_model_facts(smollm2_path)
    assert f.architecture == "llama"
    assert f.quantization == "Q4_1"
    assert f.context_length == 8192
    assert f.has_chat_template and "<|im_start|>" in f.chat_template
    assert f.n_layers == 30 and f.n_head_kv == 3 and f.key_length == 64
    assert 130_000_000 < f.parameters < 140_000_000
    assert f.size_bytes == smollm2_path.stat().st_size


def test_gemma_facts_have_no_template(gemma_path):
    f = gguf_info.read_model_facts(gemma_path)
    assert (f.architecture, f.quantization, f.has_chat_template) == ("gemma3", "Q4_K_M", False)
    assert f.bos_token == "<bos>" and f.eos_token == "<eos>"
    assert f.n_vocab == 262144


def test_truncated_file(smollm2_path, tmp_path):
    bad = tmp_path / "cut.gguf"
    with open(smollm2_path, "rb") as src:
        bad.write_bytes(src.read(3_000_000))
    with pytest.raises(ModelError, match="truncated") as e:
        gguf_info.read_model_facts(bad)
    assert str(bad) in str(e.value)


def test_header_cut_short(smollm2_path, tmp_path):
    bad = tmp_path / "cut.gguf"
    bad.write_bytes(smollm2_path.read_bytes()[:500])
    with pytest.raises(ModelError, match="truncated"):
        gguf_info.read_model_facts(bad)


def test_text_file_renamed(tmp_path):
    bad = tmp_path / "notes.gguf"
    bad.write_text("These are my notes, not a model.\n", encoding="utf-8")
    with pytest.raises(ModelError, match="not a GGUF model file") as e:
        gguf_info.read_model_facts(bad)
    assert "notes.gguf" in str(e.value)


def test_zero_byte_and_missing(tmp_path):
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(ModelError, match="empty"):
        gguf_info.read_model_facts(empty)
    with pytest.raises(ModelError, match="does not exist"):
        gguf_info.read_model_facts(tmp_path / "missing.gguf")


def _write(path, arch="llama", type_id=None):
    """A tiny one-tensor GGUF; ``type_id`` rewrites the tensor's type in the header."""
    w = gguf.GGUFWriter(str(path), arch=arch)
    w.add_block_count(1)
    w.add_context_length(128)
    w.add_tensor("blk.0.attn_q.weight", np.zeros((4, 32), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    if type_id is not None:
        raw = bytearray(path.read_bytes())
        name = b"blk.0.attn_q.weight"
        at = raw.index(name) + len(name) + 4 + 2 * 8  # n_dims, two dims, then the type
        raw[at:at + 4] = struct.pack("<I", type_id)
        path.write_bytes(bytes(raw))


def test_unsupported_architecture(tmp_path):
    p = tmp_path / "odd.gguf"
    _write(p, arch="frobnicator")
    with pytest.raises(ModelError, match="architecture 'frobnicator' is not supported"):
        gguf_info.read_model_facts(p)


def test_unsupported_quantization(tmp_path):
    p = tmp_path / "q.gguf"
    _write(p)
    assert gguf_info.read_model_facts(p).architecture == "llama"  # F32: the file is fine
    for type_id, words in ((31, "Q4_0_4_4"), (41, "Q1_0"), (99, "unknown tensor type 99")):
        _write(p, type_id=type_id)
        with pytest.raises(ModelError, match="cannot run in this build") as e:
            gguf_info.read_model_facts(p)
        assert words in str(e.value)


def test_adapter_is_not_a_model(shared_eval):
    with pytest.raises(ModelError, match="LoRA adapter, not a model"):
        gguf_info.read_model_facts(shared_eval / "lora/fixtures/gemma3_r4_L0-1_q-v_random.gguf")


def test_tensor_shapes_in_ne_order(gemma_path):
    shapes = gguf_info.read_tensor_shapes(gemma_path)
    assert shapes["blk.0.attn_q.weight"] == (640, 1024)
    assert shapes["blk.3.ffn_down.weight"] == (2048, 640)
    assert shapes["output_norm.weight"] == (640,)


# -- hostile headers: every one is a ModelError naming the file, never another exception ------------
def _raw_gguf(kvs: bytes, n_kv: int, n_tensors: int = 0) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_kv) + kvs


def _s(text: bytes) -> bytes:
    return struct.pack("<Q", len(text)) + text


def _kv_u32(key: bytes, v: int) -> bytes:
    return _s(key) + struct.pack("<II", gguf.GGUFValueType.UINT32, v)


def _nested(depth: int) -> bytes:
    """An array of arrays ``depth`` deep, each holding one array (the innermost one u32)."""
    body = struct.pack("<IQ", gguf.GGUFValueType.UINT32, 1) + struct.pack("<I", 7)
    for _ in range(depth):
        body = struct.pack("<IQ", gguf.GGUFValueType.ARRAY, 1) + body
    return body


@pytest.mark.parametrize("depth", [1, 5000])
def test_nested_arrays_are_a_model_error(tmp_path, depth):
    bad = tmp_path / "nested.gguf"
    kv = _s(b"general.architecture") + struct.pack("<I", gguf.GGUFValueType.STRING) + _s(b"llama")
    kv += _s(b"x.nested") + struct.pack("<I", gguf.GGUFValueType.ARRAY) + _nested(depth)
    bad.write_bytes(_raw_gguf(kv, 2))
    with pytest.raises(ModelError, match="array of arrays") as e:
        gguf_info.read_model_facts(bad)
    assert "nested.gguf" in str(e.value)


def test_nested_arrays_written_by_the_gguf_package(tmp_path):
    bad = tmp_path / "nested-writer.gguf"
    w = gguf.GGUFWriter(str(bad), "llama")
    w.add_array("x.nested", [[1, 2], [3, 4]])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    with pytest.raises(ModelError, match="array of arrays"):
        gguf_info.read_header(bad)


@pytest.mark.parametrize("value", ["array", "string", "u64", "not-power-of-2", "zero"])
def test_bad_alignment_is_a_model_error(tmp_path, value):
    bad = tmp_path / "align.gguf"
    key = _s(b"general.alignment")
    kv = {"array": key + struct.pack("<I", gguf.GGUFValueType.ARRAY) + struct.pack("<IQ", 4, 2) + struct.pack("<II", 32, 64),
          "string": key + struct.pack("<I", gguf.GGUFValueType.STRING) + _s(b"32"),
          "u64": key + struct.pack("<IQ", gguf.GGUFValueType.UINT64, 32),
          "not-power-of-2": _kv_u32(b"general.alignment", 48),
          "zero": _kv_u32(b"general.alignment", 0)}[value]
    bad.write_bytes(_raw_gguf(kv, 1))
    with pytest.raises(ModelError, match="alignment") as e:
        gguf_info.read_header(bad)
    assert "align.gguf" in str(e.value)


def test_duplicate_key_is_a_model_error(tmp_path):
    bad = tmp_path / "dup.gguf"
    bad.write_bytes(_raw_gguf(_kv_u32(b"general.alignment", 32) * 2, 2))
    with pytest.raises(ModelError, match="appears twice"):
        gguf_info.read_header(bad)


def test_huge_strings_are_skipped_not_copied(tmp_path):
    """A 2 MB chat template is read past (not copied); the keys after it are still read."""
    big = tmp_path / "big-template.gguf"
    kv = _s(b"general.architecture") + struct.pack("<I", gguf.GGUFValueType.STRING) + _s(b"llama")
    kv += _s(b"tokenizer.chat_template") + struct.pack("<I", gguf.GGUFValueType.STRING) + _s(b"{{ 'x' }}" * 233_017)
    kv += _kv_u32(b"llama.block_count", 30)
    big.write_bytes(_raw_gguf(kv, 3))
    assert big.stat().st_size > 2 * 2**20
    tracemalloc.start()
    try:
        header = gguf_info.read_header(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert header.get("tokenizer.chat_template") is None
    assert header.get("llama.block_count") == 30 and header.get("general.architecture") == "llama"
    assert peak < 2**20, f"{peak:,} bytes allocated while reading the header"


# -- the header from bytes (a file on a server, read by range request) ---------------------------------
def test_parse_header_from_the_first_bytes_gives_the_same_facts_as_the_file(smollm2_path, gemma_path):
    for path in (smollm2_path, gemma_path):
        whole = path.read_bytes()
        size = len(whole)
        have = 4096
        while True:  # what a client on a slow link does: fetch what the header says it still needs
            try:
                header = gguf_info.parse_header(whole[:have], file_size=size, name="o/m.gguf", special_tokens=True)
                break
            except gguf_info.HeaderIncomplete as e:
                assert e.have == have and e.needed > have
                have = max(have * 2, e.needed)
        assert have < size // 10  # the header only, not the weights
        remote = gguf_info.facts_from_header(header, path=str(path))
        assert remote == gguf_info.read_model_facts(path)  # chat template, context, layers, size: all of it


def test_parse_header_refuses_what_is_not_a_model_or_is_cut_short(smollm2_path):
    whole = smollm2_path.read_bytes()
    with pytest.raises(ModelError, match="not a GGUF model file") as e:
        gguf_info.parse_header(b"<html>Sign in to continue</html>", name="o/page.gguf")
    assert not isinstance(e.value, gguf_info.HeaderIncomplete) and "o/page.gguf" in str(e.value)
    with pytest.raises(gguf_info.HeaderIncomplete):  # the file's size unknown: running out means "fetch more"
        gguf_info.parse_header(whole[:100_000])
    with pytest.raises(gguf_info.HeaderIncomplete):
        gguf_info.parse_header(b"GG", file_size=len(whole))
    with pytest.raises(ModelError, match="truncated") as e:  # the whole file, and it ends inside its header
        gguf_info.parse_header(whole[:100_000], file_size=100_000)
    assert not isinstance(e.value, gguf_info.HeaderIncomplete)
    header = gguf_info.parse_header(whole[:4 << 20])  # size unknown: the tensors' end is not checked
    assert header.get("general.architecture") == "llama"
    with pytest.raises(ModelError, match="its tensors need"):  # a known size too small for the tensors
        gguf_info.parse_header(whole[:4 << 20], file_size=4 << 20)
