"""The window's embedder runs in a child process (real all-MiniLM-L6-v2, int8, on ONNX Runtime).

Importing ONNX Runtime and making its session each held the interpreter 50-90 ms at once in the
window's process (GUI stalls at every start). ``hearth gui`` now runs the encoder in a child: same
vectors, no ONNX Runtime in the window's process, and a child that dies is started again.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from assistant.core.knowledge import embedders as E
from assistant.core.knowledge.encoder_process import EncoderProcess
from assistant.core.knowledge.types import KnowledgeError
from assistant.core.models import embedded

pytestmark = pytest.mark.skipif(embedded.default_embedder_dir() is None, reason="all-MiniLM-L6-v2 is not installed")

SENTENCES = ["The 2021 census of Dovra counted 18,245 residents.", "Dovra lies on the river Mell.",
             "Insulin resistance is associated with type 2 diabetes."]

AS_THE_WINDOW = """
import json, sys
from assistant.ui.app import use_window_processes
from assistant.core.knowledge.embedders import default_embedder
use_window_processes()
e = default_embedder()
v = e.embed(%r)
print(json.dumps({"name": e.name, "in_window": [m for m in ("onnxruntime", "tokenizers") if m in sys.modules],
                  "tokens": e.count_tokens_batch(%r), "vectors": v.tolist()}))
""" % (SENTENCES, SENTENCES)


def test_the_window_embeds_in_a_child_process_with_the_same_vectors(tmp_path):
    env = {**os.environ, "HEARTH_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", AS_THE_WINDOW], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["in_window"] == []  # ONNX Runtime and the tokenizer stayed in the child
    here = E.make_embedder(got["name"])
    assert here.backend == "onnx" and not isinstance(here._onnx(), EncoderProcess)
    np.testing.assert_allclose(np.asarray(got["vectors"], dtype=np.float32), here.embed(SENTENCES), atol=1e-6)
    assert got["tokens"] == here.count_tokens_batch(SENTENCES)


def _int8_files() -> tuple:
    e = E.make_embedder(E.MINILM_INT8)
    e.warm()  # made (once) and cached by the suite's shared embedder cache
    float_folder = E.onnx_cache_dir(e.model_dir, E.MINILM, e._cache_root())
    return E.int8_cache_dir(float_folder) / "model.onnx", e.model_dir, e


def test_a_killed_embedding_process_says_so_and_starts_again():
    onnx_file, model_dir, here = _int8_files()
    enc = EncoderProcess(onnx_file, model_dir)
    try:
        ref = here.embed(SENTENCES[:2])
        ids = enc.tokenize(SENTENCES[:2])
        np.testing.assert_allclose(enc.run(ids), ref, atol=1e-6)
        if hasattr(os, "getpriority"):  # it yields the CPU to the window, as its background jobs do
            assert os.getpriority(os.PRIO_PROCESS, enc.pid) >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + 1)
        first = enc.pid
        os.kill(first, signal.SIGKILL)
        enc._proc.join(10)
        # the next use starts a new child and answers as before
        np.testing.assert_allclose(enc.run(enc.tokenize(SENTENCES[:2])), ref, atol=1e-6)
        assert enc.pid != first and enc.starts == 2
        # a child that dies during a call: the caller gets an error naming the model, not a hang
        os.kill(enc.pid, signal.SIGSTOP)
        try:
            enc._conn.send(("count", (SENTENCES,), {}))
            os.kill(enc.pid, signal.SIGKILL)
            with pytest.raises(KnowledgeError, match="SIGKILL") as err:
                enc._reply()
            assert str(model_dir) in str(err.value)
        finally:
            enc._proc.join(10)
        assert enc.count(SENTENCES) == here.count_tokens_batch(SENTENCES)  # and then starts again
    finally:
        enc.close()
    assert not enc._proc.is_alive()


def test_a_broken_model_file_names_the_folder(tmp_path):
    onnx_file, model_dir, _ = _int8_files()
    broken = tmp_path / "model.onnx"
    broken.write_bytes(onnx_file.read_bytes()[: 4096])
    with pytest.raises(KnowledgeError) as err:
        EncoderProcess(broken, model_dir)
    assert str(model_dir) in str(err.value) and "failed" in str(err.value)
