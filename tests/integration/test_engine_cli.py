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

    # Ctrl-C as in a terminal: a suite started in the background (nohup, `&` in a script) hands its
    # children SIGINT ignored, and Python then leaves it ignored, so the child restores the default
    start = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
             "sys.argv[0] = 'hearth'; runpy.run_module('assistant', run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-c", start, "chat", "--system", SYSTEM, "--max-tokens", "400",
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


def _last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_chat_is_stored_and_continue_resumes_it(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("What is the capital of France?\n/exit\n"))
    assert cli.main(["chat", "--system", SYSTEM, "--max-tokens", "16", "--temperature", "0"]) == 0
    capsys.readouterr()
    assert cli.main(["conversations", "list", "--json"]) == 0
    convs = json.loads(capsys.readouterr().out)["conversations"]
    assert len(convs) == 1 and "capital of France" in convs[0]["title"]
    monkeypatch.setattr("sys.stdin", io.StringIO("And of Italy?\n/exit\n"))
    assert cli.main(["chat", "--continue", "--max-tokens", "16", "--temperature", "0"]) == 0
    out = capsys.readouterr().out
    assert "you> What is the capital of France?" in out  # the earlier turns are shown again
    from assistant.core.app import Hearth

    h = Hearth()
    try:
        conv = h.store.list()[0]
        thread = h.store.thread(conv.id)
        assert [m.content for m in thread if m.role == "user"] == ["What is the capital of France?", "And of Italy?"]
        assert all(m.status == "complete" for m in thread if m.role == "assistant")
        assert len(h.store.list()) == 1
    finally:
        h.close()


def test_no_log_keeps_nothing(monkeypatch, capsys):
    assert cli.main(["ask", "Hi", "--no-log", "--max-tokens", "4", "--json"]) == 0
    assert _last_json(capsys)["conversation_id"] is None
    monkeypatch.setattr("sys.stdin", io.StringIO("Hello\n/exit\n"))
    assert cli.main(["chat", "--no-log", "--max-tokens", "4"]) == 0
    capsys.readouterr()
    from assistant.core.app import Hearth

    h = Hearth()
    try:
        assert h.store.list() == []
    finally:
        h.close()


def test_conversation_option_resumes_by_id_prefix(monkeypatch, capsys):
    assert cli.main(["ask", "Name a colour.", "--max-tokens", "8", "--json"]) == 0
    cid = _last_json(capsys)["conversation_id"]
    monkeypatch.setattr("sys.stdin", io.StringIO("Another one?\n/exit\n"))
    assert cli.main(["chat", "--conversation", cid[:8], "--max-tokens", "8"]) == 0
    capsys.readouterr()
    from assistant.core.app import Hearth

    h = Hearth()
    try:
        assert [m.content for m in h.store.thread(cid) if m.role == "user"] == ["Name a colour.", "Another one?"]
    finally:
        h.close()
