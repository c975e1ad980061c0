"""`hearth templates ...`: list, show, history, export/import and render, in a fresh home."""
from __future__ import annotations

import json

from assistant import cli


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_and_show(capsys):
    code, out, _ = run(capsys, "templates", "list", "--json")
    data = {t["name"]: t for t in json.loads(out)["templates"]}
    assert code == 0 and data["summarise"]["builtin"] and "input" in data["summarise"]["variables"]
    code, out, _ = run(capsys, "templates", "show", "code-review")
    assert code == 0 and out.startswith("---\nname: code-review\n") and "{{input}}" in out
    code, _, err = run(capsys, "templates", "show", "no-such")
    assert code == 1 and "no-such" in err


def test_run_render_only_and_missing_variable(capsys, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("Paris is the capital of France.", encoding="utf-8")
    code, out, _ = run(capsys, "templates", "run", "answer-from-documents", "--var", "input=Capital?",
                       "--var", f"document=@{doc}", "--render-only", "--json")
    r = json.loads(out)
    assert code == 0 and "Paris is the capital" in r["user_text"] and r["template_version"] == 1
    code, _, err = run(capsys, "templates", "run", "answer-from-documents", "--var", "input=x", "--render-only")
    assert code == 1 and "document" in err and "answer-from-documents" in err


def test_export_import_history_diff(capsys, tmp_path, monkeypatch):
    out_file = tmp_path / "pack.md"
    code, out, _ = run(capsys, "templates", "export", "summarise", "rewrite", "-o", str(out_file))
    assert code == 0 and out_file.exists()
    renamed = out_file.read_text(encoding="utf-8").replace("name: summarise", "name: sum2").replace(
        "name: rewrite", "name: rw2")
    out_file.write_text(renamed, encoding="utf-8")
    code, out, _ = run(capsys, "templates", "import", str(out_file))
    assert code == 0 and "sum2" in out and "rw2" in out
    code, _, err = run(capsys, "templates", "import", str(out_file))
    assert code == 1 and "--overwrite" in err
    out_file.write_text(renamed.replace("at most {{points}}", "exactly {{points}}"), encoding="utf-8")
    code, _, _ = run(capsys, "templates", "import", str(out_file), "--overwrite")
    assert code == 0
    code, out, _ = run(capsys, "templates", "history", "sum2")
    assert out.count("\n") == 2 and out.startswith("v1")
    code, out, _ = run(capsys, "templates", "diff", "sum2", "1", "2")
    assert "-Summarise the text below in at most" in out and "+Summarise the text below in exactly" in out
