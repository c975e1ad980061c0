"""`hearth models ...` end to end, in-process, on a fresh Hearth home."""
from __future__ import annotations

import json
import shutil

from assistant import cli


def run(capsys, *argv):
    code = cli.main(["models", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_the_embedded_model_with_facts_and_fit(capsys):
    code, out, _ = run(capsys, "list", "--json")
    data = json.loads(out)
    assert code == 0 and data["models"][0]["source"] == "embedded"
    assert data["models"][0]["facts"]["quantization"] == "Q4_1"
    assert data["models"][0]["fit"]["verdict"] in ("fits", "tight", "too big")
    code, out, _ = run(capsys, "list")
    assert "Q4_1" in out and "context 8192" in out


def test_add_good_and_bad_files_then_remove(capsys, smollm2_path, tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"this is not a model")
    code, _, err = run(capsys, "add", str(bad))
    assert code == 1 and "Not added" in err and "bad.gguf" in err
    good = tmp_path / "good.gguf"
    shutil.copyfile(smollm2_path, good)
    code, out, _ = run(capsys, "add", str(good))
    assert code == 0 and "Added" in out
    code, out, _ = run(capsys, "list", "--json")
    assert [m["source"] for m in json.loads(out)["models"]] == ["embedded", "added"]
    code, out, _ = run(capsys, "remove", str(good))
    assert code == 0 and "left in place" in out and good.exists()
    code, _, err = run(capsys, "remove", str(good))
    assert code == 1 and "not one of Hearth's models" in err


def test_catalog_lists_models_with_fit(capsys):
    code, out, _ = run(capsys, "catalog", "--json")
    data = json.loads(out)["models"]
    assert code == 0 and any(m["gated"] for m in data) and all("fit" in m for m in data)
    code, out, _ = run(capsys, "catalog")
    assert "qwen2.5-1.5b-instruct-q4_k_m" in out and "needs a Hugging Face token" in out


def test_download_of_unknown_name_lists_choices_and_offline_failure_is_in_words(capsys):
    code, _, err = run(capsys, "download", "no-such-model")
    assert code == 2 and "choose one of" in err
    # the test suite blocks the internet (strictly: not even the hub a download opens): the
    # download fails in words, nothing is installed
    from assistant.core import netguard

    with netguard.guard(block=True, allow_loopback=True, strict=True) as log:
        code, _, err = run(capsys, "download", "smollm2-360m-instruct-q8_0")
    assert code == 1 and "Download failed" in err and "offline mode" in err.lower()
    assert log.attempts and "huggingface.co" in log.attempts[0]


def test_list_estimates_fit_at_the_users_context_length(capsys):
    from assistant.core import paths, settings

    _, out, _ = run(capsys, "list", "--json")
    default_need = json.loads(out)["models"][0]["fit"]["ram_needed_mb"]
    p = paths.resolve().ensure()
    s = settings.load(p.settings_file)
    s.context_length = 8192  # the model's whole context: a bigger KV cache than the 4,096 default
    settings.save(s, p.settings_file)
    _, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)["models"][0]["fit"]["ram_needed_mb"] > default_need
