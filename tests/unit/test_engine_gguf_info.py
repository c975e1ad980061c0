"""Model files are checked from their GGUF header before llama.cpp ever sees them."""
from __future__ import annotations

import struct

import gguf
import numpy as np
import pytest

from assistant.core.engine import gguf_info
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
