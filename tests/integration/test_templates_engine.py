"""A real answer from SmolLM2 through a template, with the template's name and version recorded."""
from __future__ import annotations

import json

import pytest

from assistant import cli
from assistant.core.prompts import PromptTemplate, TemplateLibrary


@pytest.mark.slow
def test_run_answers_through_the_engine_and_records_the_version(capsys, paths, smollm2_path):
    lib = TemplateLibrary(paths)
    lib.save(PromptTemplate(name="capital", body="What is the capital of {{country}}? One word.",
                            sampling={"temperature": 0.0, "seed": 1}))
    lib.save(PromptTemplate(name="capital", body="Name the capital city of {{country}}. One word.",
                            sampling={"temperature": 0.0, "seed": 1}))
    code = cli.main(["templates", "run", "capital", "--var", "country=France", "--json",
                     "--max-tokens", "12", "--model", str(smollm2_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    r = json.loads(out.strip().splitlines()[-1])
    assert r["template"] == "capital" and r["template_version"] == 2
    assert "Name the capital city of France" in r["prompt"]
    assert r["answer"].strip() and "paris" in r["answer"].lower()
    assert r["stats"]["generated_tokens"] > 0
