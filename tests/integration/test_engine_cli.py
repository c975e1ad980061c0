"""`hearth ask` and `hearth chat` with the real SmolLM2, as a user runs them."""
from __future__ import annotations

import io
import json

import pytest

from assistant import cli

pytestmark = pytest.mark.slow

SYSTEM = "You are a helpful assistant named Hearth."


def test_ask_json_says_paris(capsys, smollm2_path):
    rc = cli.main(["ask", "What is the capital of France?", "--json", "--system", SYSTEM, "--max-tokens", "24"])
    out = capsys.readouterr().out.strip().splitlines()[-1]
    data = json.loads(out)
    assert rc == 0
    assert "Paris" in data["answer"]
    assert data["model"] == str(smollm2_path)
    assert data["stats"]["generated_tokens"] > 0 and data["stats"]["prompt_tokens"] > 0


def test_ask_with_bad_model_prints_reason_and_exits_2(capsys, tmp_path):
    bad = tmp_path / "notes.gguf"
    bad.write_text("just some notes", encoding="utf-8")
    rc = cli.main(["ask", "Hi", "--model", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "notes.gguf" in err and "not a GGUF model file" in err
    assert "Traceback" not in err


def test_ask_with_refused_adapter_exits_2(capsys, shared_eval, gemma_path):
    neg = shared_eval / "lora/fixtures/NEG_gemma3_missing_lora_b.gguf"
    rc = cli.main(["ask", "Hi", "--model", str(gemma_path), "--adapter", f"{neg}:0.5", "--max-tokens", "4"])
    err = capsys.readouterr().err
    assert rc == 2 and "missing one component" in err


def test_chat_in_terminal(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("What is the capital of France?\n/exit\n"))
    rc = cli.main(["chat", "--system", SYSTEM, "--max-tokens", "24", "--temperature", "0", "--seed", "1"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "hearth> " in out and "Paris" in out


def test_ctrl_c_stops_the_answer_not_the_program(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "assistant", "chat", "--system", SYSTEM, "--max-tokens", "400",
                             "--temperature", "0.8", "--seed", "3"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        proc.stdin.write("Write a very long story about a lighthouse keeper.\n")
        proc.stdin.flush()
        seen = ""
        deadline = time.monotonic() + 120
        while "hearth> " not in seen and time.monotonic() < deadline:
            seen += proc.stdout.read(1)
        seen += proc.stdout.read(20)  # a few words of the answer
        proc.send_signal(signal.SIGINT)
        time.sleep(0.5)
        proc.stdin.write("/exit\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "[stopped]" in out
    assert "Traceback" not in err
