"""MiniLM in the installer bundle: the exports made at build time are used, checked, never made again.

A frozen app is imitated in-process (``sys.frozen`` and ``sys._MEIPASS`` pointing at a folder laid out
as the bundle ships it); the exports in it are copies of the real ones the test run shares
(HEARTH_EMBEDDER_CACHE), made once. ``tests/e2e/test_bundle.py`` runs the real frozen app.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.core.knowledge import embedders as E
from assistant.core.knowledge.types import KnowledgeError
from assistant.core.models import embedded

pytestmark = pytest.mark.skipif(embedded.default_embedder_dir() is None, reason="all-MiniLM-L6-v2 is not installed")

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["The lighthouse keeper feeds three cats.", "Bake the dough in a hot covered pot.", "灯塔"]


@pytest.fixture(scope="module")
def source_vectors():
    """Vectors and export folders as a source install makes them (the shared cache)."""
    flt, int8 = E.SentenceTransformerEmbedder(backend="onnx"), E.QuantizedMiniLMEmbedder()
    vectors = {"float": flt.embed(TEXTS), "int8": int8.embed(TEXTS)}
    float_folder = E.onnx_cache_dir(flt.model_dir, E.MINILM, flt._cache_root())
    return vectors, float_folder, E.int8_cache_dir(float_folder)


@pytest.fixture
def frozen(source_vectors, tmp_path, monkeypatch):
    """A frozen app whose ``_internal`` holds the shipped exports; exporting or quantising fails the test."""
    _, float_folder, int8_folder = source_vectors
    internal = tmp_path / "_internal"
    for src, name in ((float_folder, E.SHIPPED_FLOAT), (int8_folder, E.SHIPPED_INT8)):
        shutil.copytree(src, internal / E.SHIPPED_EXPORTS / name)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    monkeypatch.setattr(E, "_ENCODERS", {})

    def never(*a, **k):
        raise AssertionError("a frozen app must not make an export at run time")

    monkeypatch.setattr(E, "export_onnx", never)
    monkeypatch.setattr(E, "quantize_onnx", never)
    cache = tmp_path / "cache"
    monkeypatch.setenv("HEARTH_EMBEDDER_CACHE", str(cache))  # empty: nothing may come from a cache
    return internal / E.SHIPPED_EXPORTS


@pytest.mark.parametrize("choice,kind", [("all-MiniLM-L6-v2", "float"), ("minilm-int8", "int8")])
def test_a_frozen_app_embeds_with_the_shipped_export(frozen, source_vectors, tmp_path, choice, kind):
    e = E.make_embedder(choice)
    got = e.embed(TEXTS)
    assert e.backend == "onnx"
    # the same model as from source: the same vectors (so search finds the same passages)
    assert np.allclose(got, source_vectors[0][kind], atol=1e-5)
    assert not (tmp_path / "cache" / "embedders").exists()


def test_without_pytorch_the_frozen_default_is_onnx_runtime_only(frozen, monkeypatch):
    monkeypatch.setattr(E, "pytorch_missing", lambda: True)
    e = E.make_embedder("all-MiniLM-L6-v2")
    assert e.requested_backend == "onnx"
    assert e.embed(TEXTS[:1]).shape == (1, 384)


@pytest.mark.parametrize("choice,name", [("all-MiniLM-L6-v2", E.SHIPPED_FLOAT), ("minilm-int8", E.SHIPPED_INT8)])
@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_a_damaged_shipped_export_is_an_error_naming_it_never_remade(frozen, monkeypatch, choice, name, damage):
    monkeypatch.setattr(E, "pytorch_missing", lambda: True)
    model = frozen / name / "model.onnx"
    if damage == "altered":
        data = bytearray(model.read_bytes())
        data[len(data) // 2] ^= 0xFF
        model.chmod(0o644)
        model.write_bytes(bytes(data))
    else:
        model.unlink()
    with pytest.raises(KnowledgeError) as err:
        E.make_embedder(choice).embed(TEXTS[:1])
    assert str(frozen / name) in str(err.value)
    assert ("damaged" if damage == "altered" else "missing") in str(err.value)


def test_a_users_model_folder_without_pytorch_says_what_is_missing(tmp_path, monkeypatch):
    folder = tmp_path / "my-embedder"
    shutil.copytree(embedded.default_embedder_dir(), folder)
    monkeypatch.setattr(E, "pytorch_missing", lambda: True)
    with pytest.raises(KnowledgeError) as err:
        E.make_embedder(str(folder))
    assert str(folder) in str(err.value) and "PyTorch" in str(err.value)
    assert "Settings" in (err.value.fix or "")
    # asking for PyTorch itself for the built-in model gets the same clear answer
    monkeypatch.setenv("HEARTH_EMBEDDER_BACKEND", "torch")
    with pytest.raises(KnowledgeError, match="PyTorch"):
        E.make_embedder("all-MiniLM-L6-v2")


def test_from_source_there_is_no_shipped_export():
    assert E.shipped_exports_dir() is None
    assert E.shipped_export(embedded.default_embedder_dir()) is None


BLOCK_TORCH = """
import importlib.abc, sys
class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "transformers", "sentence_transformers"):
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, NoTorch())
from assistant.cli import main
sys.exit(main(["doctor", "--json"]))
"""


@pytest.mark.slow
def test_doctor_checks_the_embedder_without_pytorch(source_vectors, tmp_path):
    # The exports exist in the shared cache (made above); with PyTorch unimportable, as in the bundle,
    # the doctor still loads and runs the embedder the settings choose.
    import json

    script = tmp_path / "doctor_without_torch.py"
    script.write_text(BLOCK_TORCH)
    env = dict(os.environ, HEARTH_HOME=str(tmp_path / "home"), HEARTH_BLOCK_NETWORK="1")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=300)
    report = json.loads(r.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["embedder"]["ok"], checks["embedder"]
    assert "MiniLM" in checks["embedder"]["detail"] and "ONNX Runtime" in checks["embedder"]["detail"]
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
