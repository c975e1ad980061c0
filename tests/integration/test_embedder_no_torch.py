"""Once the embedder's ONNX export exists, searching documents never imports torch in Hearth's process.

Importing torch, transformers and sentence-transformers held the interpreter for up to 0.4 s at a
time while the window warmed up (the window froze); the default MiniLM now runs on ONNX Runtime.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

SCRIPT = """
import json, sys
from assistant.core.app import Hearth
h = Hearth()
kb = h.knowledge
if not kb.list_collections():
    kb.create_collection("notes")
kb.embedder.warm()
kb.search("notes", "what did the census count", 4)
heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
print(json.dumps({"backend": kb.embedder.backend, "heavy": heavy}))
h.close()
"""


def _run(env_home):
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "HEARTH_HOME": str(env_home)})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_returning_user_searches_without_torch(tmp_path):
    first = _run(tmp_path / "home")  # the first start makes the export (if this run has none yet)
    assert first["backend"] == "onnx"
    again = _run(tmp_path / "home")
    assert again == {"backend": "onnx", "heavy": []}
