"""`hearth adapters ...` on the real LoRA fixtures, the real Gemma 3 270M and SmolLM2 files."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import cli

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def fixtures(shared_eval):
    return shared_eval / "lora" / "fixtures"


def test_check_exit_codes_for_every_fixture(capsys, fixtures, gemma_path):
    for f in sorted(fixtures.glob("*.gguf")):
        code, out, err = run(capsys, "adapters", "check", str(f), "--model", str(gemma_path))
        if f.name.startswith("NEG_"):
            assert code == 1, f.name
            assert out.startswith("refused: ") and out.count("\n") == 1 and f.name in out
        else:
            assert code == 0 and out.startswith("compatible: "), (f.name, out, err)


def test_check_without_model_uses_the_default_chat_model(capsys, fixtures, smollm2_path):
    code, out, _ = run(capsys, "adapters", "check", str(fixtures / "gemma3_r4_L0-1_q-v_random.gguf"))
    assert code == 1 and "arch mismatch" in out and smollm2_path.name in out


def test_add_list_remove(capsys, fixtures, gemma_path):
    code, out, _ = run(capsys, "adapters", "add", str(fixtures / "gemma3_r4_L0-1_q-v_random.gguf"))
    assert code == 0 and "gemma3, rank 4" in out
    code, out, err = run(capsys, "adapters", "add", str(fixtures / "NEG_gemma3_no_general_type.gguf"))
    assert code == 1 and "general.type" in err
    code, out, _ = run(capsys, "adapters", "list", "--json", "--model", str(gemma_path))
    data = json.loads(out)
    assert [a["name"] for a in data["adapters"]] == ["gemma3_r4_L0-1_q-v_random"]
    a = data["adapters"][0]
    assert a["compatible"] is True and a["rank"] == 4 and sorted(a["targets"]) == ["attn_q", "attn_v"]
    code, out, _ = run(capsys, "adapters", "remove", a["id"])
    assert code == 0 and "file kept" in out
    assert (fixtures / "gemma3_r4_L0-1_q-v_random.gguf").exists()
    code, out, _ = run(capsys, "adapters", "list")
    assert "No adapters yet" in out


def test_check_as_a_real_command(tmp_path, fixtures, gemma_path):
    env = dict(os.environ, HEARTH_HOME=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "assistant", "adapters", "check",
                        str(fixtures / "NEG_gemma3_lora_a_transposed.gguf"), "--model", str(gemma_path)],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 1 and "incorrect shape" in r.stdout and "Traceback" not in r.stderr
