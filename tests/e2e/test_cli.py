"""The terminal face, run as a user would: the `hearth` command in a fresh home."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def hearth(*args: str, home: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, HEARTH_HOME=str(home), HEARTH_BLOCK_NETWORK="1")
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


@pytest.mark.slow
def test_doctor_json_reports_model_embedder_and_chroma_ok(tmp_path):
    r = hearth("doctor", "--json", home=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    for name in ("default model", "embedder", "chroma", "offline"):
        assert checks[name]["ok"], checks[name]
    assert "SmolLM2" in checks["default model"]["detail"]
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_doctor_fails_with_a_fix_line_when_the_model_is_broken(tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"this is not a model\n" * 10)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.json").write_text(json.dumps({"schema_version": 2, "default_model": str(bad)}))
    r = hearth("doctor", "--quick", home=tmp_path)
    assert r.returncode == 1
    assert "broken.gguf" in r.stdout and "fix:" in r.stdout


@pytest.mark.slow
def test_ask_answers_paris(tmp_path):
    r = hearth("ask", "What is the capital of France?", "--json", home=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert "paris" in out["answer"].lower()


@pytest.mark.slow
def test_ask_with_a_corrupt_model_says_why_without_traceback(tmp_path):
    bad = tmp_path / "truncated.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00")
    r = hearth("ask", "hello", "--model", str(bad), home=tmp_path)
    assert r.returncode != 0
    assert "truncated.gguf" in (r.stdout + r.stderr)
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_index_then_ask_with_a_collection_cites_the_document(tmp_path, shared_eval):
    doc = tmp_path / "docs" / "volcano-notes.md"
    doc.parent.mkdir()
    doc.write_text("# Field notes\n\nThe Kestrel volcano last erupted in 1987 and its crater lake is "
                   "called Lake Ombra.\n\n# Other\n\nThe expedition ate porridge every morning.\n",
                   encoding="utf-8")
    r = hearth("index", str(doc.parent), str(shared_eval / "pdfs" / "clean" /
                                             "samplefiles__001-trivial__minimal-document.pdf"),
               "--collection", "notes", "--json", home=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    statuses = {Path(f["path"]).name: f["status"] for f in json.loads(r.stdout)}
    assert statuses["volcano-notes.md"] == "indexed"
    r = hearth("ask", "What is the crater lake of the Kestrel volcano called?", "--collection", "notes",
               "--json", home=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["citations"], out
    assert Path(out["citations"][0]["source_path"]).name == "volcano-notes.md"


@pytest.mark.slow
def test_ask_with_an_unknown_collection_says_so(tmp_path):
    r = hearth("ask", "anything", "--collection", "nope", home=tmp_path)
    assert r.returncode == 1  # a user error (documented in `hearth --help`), not a model error
    assert "nope" in r.stderr and "Traceback" not in r.stderr
