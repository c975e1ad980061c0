"""The embedder's one-time ONNX export and int8 quantisation run in a child process.

On a fresh home's first start the export imported torch and transformers in the window's own process
and held the interpreter for up to a second at a time (the window froze). Now the process that embeds
never imports torch, even the first time, and a failed or killed export still says what went wrong.
Uses the real all-MiniLM-L6-v2 with an empty embedder cache of its own (one full export, ~10-20 s).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from assistant.core.knowledge import embedders as E
from assistant.core.knowledge import onnx_export
from assistant.core.knowledge.types import KnowledgeError
from assistant.core.models import embedded

pytestmark = pytest.mark.skipif(embedded.default_embedder_dir() is None, reason="all-MiniLM-L6-v2 is not installed")

SENTENCES = ["The mitochondria is the powerhouse of the cell.",
             "Insulin resistance is associated with type 2 diabetes."]

FIRST_USE = """
import json, sys
from assistant.core.knowledge.embedders import default_embedder
e = default_embedder()
v = e.embed(%r)
heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
print(json.dumps({"name": e.name, "exported": e.exported, "quantized": e.quantized, "heavy": heavy,
                  "vectors": v.tolist()}))
""" % (SENTENCES,)


@pytest.mark.slow
def test_the_first_use_exports_in_a_child_and_never_imports_torch(tmp_path):
    cache = tmp_path / "embedder-cache"  # empty: this process makes the export and the int8 model
    env = {**os.environ, "HEARTH_HOME": str(tmp_path / "home"), "HEARTH_EMBEDDER_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", FIRST_USE], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["name"] == E.MINILM_INT8_NAME and got["exported"] and got["quantized"]
    assert got["heavy"] == []  # the export's torch and transformers stayed in the child
    v = np.asarray(got["vectors"], dtype=np.float32)
    ref = E.SentenceTransformerEmbedder(backend="torch").embed(SENTENCES)  # sentence-transformers on PyTorch
    assert v.shape == ref.shape == (2, 384)
    cos = (v * ref).sum(axis=1)
    assert cos.min() > 0.98, cos
    assert (v[0] * v[1]).sum() < 0.5  # two different sentences, two different vectors
    float_folder = E.onnx_cache_dir(embedded.default_embedder_dir(), E.MINILM, cache)
    assert E._valid_export(float_folder) and E._valid_int8(E.int8_cache_dir(float_folder), float_folder)
    assert not list(cache.rglob("*.part"))  # no leftovers of the child's temporary files


def _broken_model(tmp_path):
    folder = tmp_path / "minilm-broken"
    shutil.copytree(embedded.default_embedder_dir(), folder)
    (folder / "model.safetensors").write_bytes(b"this is not a weights file" * 10)
    return folder


def test_a_failing_export_names_the_model_folder_and_the_reason(tmp_path):
    folder = _broken_model(tmp_path)
    e = E.SentenceTransformerEmbedder(folder, backend="onnx", cache_dir=tmp_path / "cache")
    with pytest.raises(KnowledgeError) as err:
        e.embed(SENTENCES)
    msg = str(err.value)
    assert str(folder) in msg and "ONNX export could not be made" in msg
    # the child's own reason (the weights file could not be read), not just "it failed"
    assert "SafetensorError" in msg and "header" in msg, msg
    assert not E._valid_export(E.onnx_cache_dir(folder, e.name, tmp_path / "cache"))
    # the int8 form, made from that export, says the same
    with pytest.raises(KnowledgeError) as err:
        E.QuantizedMiniLMEmbedder(folder, cache_dir=tmp_path / "cache").embed(SENTENCES)
    msg = str(err.value)
    assert f"could not be made from {folder}: SafetensorError" in msg and err.value.fix, msg


def test_a_killed_export_says_so_in_words(tmp_path, monkeypatch):
    # as the kernel's out-of-memory killer would: the child dies before writing anything
    monkeypatch.setattr(onnx_export, "_child_command", lambda job, paths: [
        sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    model_dir = embedded.default_embedder_dir()
    folder = tmp_path / "export"
    with pytest.raises(KnowledgeError) as err:
        E.export_onnx(model_dir, folder)
    msg = str(err.value)
    assert str(model_dir) in msg and "SIGKILL" in msg and "out of memory" in msg, msg
    assert not E._valid_export(folder)


def test_an_export_that_ends_without_its_files_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_export, "_child_command", lambda job, paths: [sys.executable, "-c", "pass"])
    model_dir = embedded.default_embedder_dir()
    with pytest.raises(KnowledgeError, match="without a complete model"):
        E.export_onnx(model_dir, tmp_path / "export")
