"""The int8 all-MiniLM-L6-v2: its own name and vectors, made once from the float32 export, never replaced.

Uses the real all-MiniLM-L6-v2 (offline). The float32 export and the int8 model are made once per test
run in the shared cache folder (HEARTH_EMBEDDER_CACHE); the torn-file test makes the int8 one again
(a few seconds).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.core import paths as P
from assistant.core.knowledge import EmbedderMismatch, KnowledgeBase
from assistant.core.knowledge import embedder_choice as ec
from assistant.core.knowledge import embedders as E
from assistant.core.knowledge.types import KnowledgeError
from assistant.core.models import embedded

pytestmark = pytest.mark.skipif(embedded.default_embedder_dir() is None, reason="all-MiniLM-L6-v2 is not installed")

TEXTS = [
    "The mitochondria is the powerhouse of the cell.",
    "Insulin resistance is associated with type 2 diabetes.",
    "The Eiffel Tower was finished in 1889 for the World's Fair in Paris.",
    "A short one.",
]


def _int8_folder(e: E.QuantizedMiniLMEmbedder):
    return E.int8_cache_dir(E.onnx_cache_dir(e.model_dir, E.MINILM, e._cache_root()))


def test_the_int8_embedder_is_chosen_in_settings_under_its_own_name():
    e = E.make_embedder("minilm-int8")
    assert isinstance(e, E.QuantizedMiniLMEmbedder)
    assert e.name == E.MINILM_INT8_NAME != E.MINILM and e.languages == ("en",)
    opts = {o.key: o for o in ec.available_embedders()}
    assert opts[E.MINILM_INT8].name == e.name == ec.embedder_name("minilm-int8")
    assert "int8" in opts[E.MINILM_INT8].label and opts[E.MINILM].label != opts[E.MINILM_INT8].label


def test_int8_vectors_are_unit_length_and_close_to_the_float_ones():
    int8, flt = E.QuantizedMiniLMEmbedder(), E.SentenceTransformerEmbedder(backend="onnx")
    a, b = int8.embed(TEXTS), flt.embed(TEXTS)
    assert int8.backend == "onnx" and a.shape == b.shape == (len(TEXTS), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.85 and not np.allclose(a, b, atol=1e-3), cos  # close, but other vectors
    # same tokenizer and limits: chunks are cut alike
    assert int8.count_tokens_batch(TEXTS) == flt.count_tokens_batch(TEXTS) and int8.max_tokens == flt.max_tokens
    assert (_int8_folder(int8) / "model.onnx").stat().st_size < 0.4 * (
        E.onnx_cache_dir(int8.model_dir, E.MINILM, int8._cache_root()) / "model.onnx").stat().st_size


def test_a_torn_int8_model_is_made_again(monkeypatch):
    first = E.QuantizedMiniLMEmbedder().embed(TEXTS)
    folder = _int8_folder(E.QuantizedMiniLMEmbedder())
    data = (folder / "model.onnx").read_bytes()
    (folder / "model.onnx").write_bytes(data[: len(data) // 2])  # killed while writing
    monkeypatch.setattr(E, "_ENCODERS", {})  # a new start of Hearth
    e = E.QuantizedMiniLMEmbedder()
    again = e.embed(TEXTS)
    assert e.quantized and not e.exported  # made again from the float32 export, which was intact
    info = json.loads((folder / "export.json").read_text())
    assert info["size"] == (folder / "model.onnx").stat().st_size and info["recipe"] == E.INT8_RECIPE
    assert np.allclose(first, again, atol=1e-5)


def test_a_failure_says_so_and_never_uses_the_float_model(monkeypatch, tmp_path):
    def broken(*a, **k):
        raise RuntimeError("quantiser exploded")

    monkeypatch.setattr(E, "quantize_onnx", broken)
    e = E.QuantizedMiniLMEmbedder(cache_dir=tmp_path)
    monkeypatch.setattr(E, "export_onnx", lambda model_dir, folder: _fake_float_export(folder))
    for _ in range(2):  # and again: not quietly the PyTorch model the second time
        with pytest.raises(KnowledgeError) as err:
            e.embed(TEXTS)
        assert str(e.model_dir) in str(err.value) and "quantiser exploded" in str(err.value)
    with pytest.raises(KnowledgeError):
        _ = e.model


def _fake_float_export(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(b"not used")
    info = {"format": E.ONNX_FORMAT, "size": 8, "sha256": E._file_sha256(folder / "model.onnx")}
    (folder / "export.json").write_text(json.dumps(info))


def test_search_in_an_int8_collection_and_no_mixing_with_float(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cells.md").write_text("# Cells\n\nThe mitochondria is the powerhouse of the cell: it makes ATP.\n")
    (docs / "paris.md").write_text("# Paris\n\nThe Eiffel Tower was finished in 1889 for the World's Fair.\n")
    (docs / "sugar.md").write_text("# Diabetes\n\nInsulin resistance comes before type 2 diabetes.\n")
    kb = KnowledgeBase(P.resolve().ensure(), E.make_embedder("minilm-int8"))
    try:
        kb.index("int8", [docs])
        hits = kb.search("int8", "When was the Eiffel Tower built?", k=1, keyword=False)
        assert hits and hits[0].citation.source_path.endswith("paris.md")
        kb.use_embedder(E.make_embedder("all-MiniLM-L6-v2"))
        with pytest.raises(EmbedderMismatch) as err:
            kb.search("int8", "When was the Eiffel Tower built?")
        assert E.MINILM_INT8_NAME in str(err.value)
        assert [c.name for c in ec.collections_to_reindex(kb, E.MINILM)] == ["int8"]
    finally:
        kb.close()
