"""The default embedder through ONNX Runtime: same vectors as PyTorch, exported once, torn exports rebuilt.

Uses the real all-MiniLM-L6-v2 (offline). The export (about 10-30 s on a busy 2-core machine) is made
once per module into a shared cache folder; the rebuild test pays a second one.
"""
from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from assistant.core.knowledge import embedders as E
from assistant.core.knowledge.types import KnowledgeError
from assistant.core.models import embedded

pytestmark = pytest.mark.skipif(embedded.default_embedder_dir() is None, reason="all-MiniLM-L6-v2 is not installed")

SENTENCES = [
    "The mitochondria is the powerhouse of the cell.",
    "Insulin resistance is associated with type 2 diabetes.",
    "线粒体是细胞的能量工厂。",
    "今天北京的天气很好，我们去公园散步吧。",
    "A short one.",
    " ".join(["Long texts are truncated at the model's limit exactly as PyTorch does it."] * 40),
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("onnx-cache")
    e = E.SentenceTransformerEmbedder(cache_dir=cache, backend="onnx")  # says why if it cannot
    assert e.backend == "onnx" and e.exported
    return cache


def _fresh_process(monkeypatch):
    """Forget the sessions this process holds, as a new start of Hearth would."""
    monkeypatch.setattr(E, "_ENCODERS", {})


def test_onnx_and_pytorch_vectors_agree_including_chinese(onnx_cache):
    onnx = E.SentenceTransformerEmbedder(cache_dir=onnx_cache)
    torch = E.SentenceTransformerEmbedder(backend="torch")
    a, b = onnx.embed(SENTENCES), torch.embed(SENTENCES)
    assert onnx.backend == "onnx" and torch.backend == "torch"
    assert a.shape == b.shape == (len(SENTENCES), 384) and a.dtype == np.float32
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.99, cos
    # same tokenizer, same limits: chunk sizes and search results do not change with the backend
    assert onnx.count_tokens_batch(SENTENCES) == torch.count_tokens_batch(SENTENCES)
    assert onnx.count_tokens(SENTENCES[2]) == torch.count_tokens(SENTENCES[2])
    assert onnx.max_tokens == torch.max_tokens == 254
    assert onnx.name == torch.name == E.MINILM  # fp32 export: collections indexed by either stay searchable


def test_order_is_kept_when_batches_are_sorted_by_length(onnx_cache):
    e = E.SentenceTransformerEmbedder(cache_dir=onnx_cache, batch_size=2)
    texts = [f"sentence number {i} " * (1 + (i * 7) % 13) for i in range(20)]
    together = e.embed(texts)
    alone = np.vstack([e.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_the_export_is_made_once_and_reused_from_the_cache(onnx_cache, monkeypatch):
    _fresh_process(monkeypatch)

    def no_second_export(*a, **kw):
        raise AssertionError("exported again although the cache holds a valid export")

    monkeypatch.setattr(E, "export_onnx", no_second_export)
    e = E.SentenceTransformerEmbedder(cache_dir=onnx_cache)
    assert e.backend == "onnx" and not e.exported
    assert e.embed(["reused"]).shape == (1, 384)
    assert len(list((onnx_cache / "embedders").iterdir())) == 1


@pytest.mark.parametrize("damage", ["truncated", "altered", "no-checksum"])
def test_a_broken_export_is_rebuilt_not_trusted(onnx_cache, tmp_path, monkeypatch, damage, caplog):
    _fresh_process(monkeypatch)
    cache = tmp_path / "cache"
    shutil.copytree(onnx_cache, cache)
    (folder,) = (cache / "embedders").iterdir()
    model = folder / "model.onnx"
    if damage == "truncated":  # killed while copying / disk full
        with open(model, "r+b") as f:
            f.truncate(model.stat().st_size // 2)
    elif damage == "altered":  # same size, a few bytes changed: ONNX Runtime might still load it
        data = bytearray(model.read_bytes())
        data[len(data) // 2:len(data) // 2 + 16] = b"\x7f" * 16
        model.write_bytes(bytes(data))
    else:  # killed after writing the model, before its checksum
        (folder / "export.json").unlink()
    exports = []
    real = E.export_onnx
    monkeypatch.setattr(E, "export_onnx", lambda *a: exports.append(a) or real(*a))
    with caplog.at_level(logging.WARNING, logger="assistant.knowledge"):
        e = E.SentenceTransformerEmbedder(cache_dir=cache)
        v = e.embed(SENTENCES[:3])
    assert len(exports) == 1 and e.backend == "onnx"
    assert "exporting it again" in caplog.text
    info = json.loads((folder / "export.json").read_text())
    assert info["size"] == model.stat().st_size
    ref = E.SentenceTransformerEmbedder(cache_dir=onnx_cache).embed(SENTENCES[:3])
    assert (v * ref).sum(axis=1).min() > 0.999


def test_a_model_that_cannot_be_exported_stays_on_pytorch_and_says_so(tmp_path, caplog):
    src = embedded.default_embedder_dir()
    folder = tmp_path / "minilm-with-dense"
    shutil.copytree(src, folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    assert "Dense" in E.onnx_unsupported_reason(folder)
    assert E.onnx_unsupported_reason(src) is None
    e = E.SentenceTransformerEmbedder(folder, cache_dir=tmp_path / "cache")
    with caplog.at_level(logging.WARNING, logger="assistant.knowledge"):
        assert e.backend == "torch"
    assert "runs on PyTorch" in caplog.text and "Dense" in caplog.text
    assert not (tmp_path / "cache").exists()
    with pytest.raises(KnowledgeError, match="cannot run through"):
        E.SentenceTransformerEmbedder(folder, backend="onnx", cache_dir=tmp_path / "cache").backend
