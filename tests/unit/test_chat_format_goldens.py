"""The formatter against llama.cpp's own expected outputs (``shared_eval/chat_templates``).

Known differences, asserted as such so a change in either direction is noticed:

* ``tct-27`` (GigaChat): llama.cpp itself marks it unsupported with Jinja (the template needs
  ``additional_special_tokens``); it has no expected output.
* The 26 ``tool_use`` goldens whose ``expected_kind`` is "llama.cpp-polyfilled": llama.cpp writes
  an assistant's tool calls as JSON text into templates that have no tool support, and fixes up
  role alternation for them. Hearth sends no tool calls, so it does not implement that polyfill;
  these render differently or raise "roles must alternate".
"""
from __future__ import annotations

import datetime
import json

import pytest

from assistant.core.engine.chat_format import ChatTemplate
from assistant.core.engine.types import ModelError

GOLDEN_DAY = datetime.datetime(2024, 7, 26)  # the date the upstream goldens were rendered with


def _load(shared_eval, name):
    return json.loads((shared_eval / "chat_templates" / name).read_text(encoding="utf-8"))


def _render(case):
    t = ChatTemplate("case", case["template"], case["bos_token"], case["eos_token"])
    extra = dict(case.get("extra_context") or {})
    if case.get("tools") is not None:
        extra["tools"] = case["tools"]
    try:
        return t.render(case["messages"], case["add_generation_prompt"], now=GOLDEN_DAY, **extra)
    except ModelError as e:
        return f"error: {e}"


def _expected_to_differ(case) -> bool:
    return case["id"].endswith("-tool_use") and case["expected_kind"].startswith("llama.cpp-polyfilled")


def test_test_chat_template_cpp_cases(shared_eval):
    cases = _load(shared_eval, "cases_test_chat_template_cpp.json")
    assert len(cases) == 36
    unsupported = [c["id"] for c in cases if c["expected"] is None]
    assert unsupported == ["tct-27"]
    wrong = [c["id"] for c in cases if c["expected"] is not None and _render(c) != c["expected"]]
    assert wrong == []


def test_system_merged_where_template_rejects_or_drops_it(shared_eval):
    # gemma-7b-it raises on system; Orion, Phi-3-mini/medium, YandexGPT drop it silently;
    # Mistral v0.2 pre-v1 rejects it: all must carry the system text in the first user turn.
    cases = {c["id"]: c for c in _load(shared_eval, "cases_test_chat_template_cpp.json")}
    for cid in ("tct-01", "tct-05", "tct-06", "tct-13", "tct-15", "tct-30"):
        out = _render(cases[cid])
        assert "You are a helpful assistant" in out, cid
        assert out == cases[cid]["expected"], cid


def test_goldens_2024(shared_eval):
    cases = _load(shared_eval, "cases_goldens_2024.json")
    assert len(cases) == 114
    matched = [c["id"] for c in cases if _render(c) == c["expected"]]
    should_match = [c["id"] for c in cases if not _expected_to_differ(c)]
    assert sorted(set(should_match) - set(matched)) == []
    differing = sorted(set(c["id"] for c in cases) - set(matched))
    assert len(differing) == 26 and all(d.endswith("-tool_use") for d in differing)
    assert len(matched) == 88


@pytest.mark.parametrize("context", ["simple", "system"])
def test_every_non_tool_golden_matches(shared_eval, context):
    cases = [c for c in _load(shared_eval, "cases_goldens_2024.json") if c["context"] == context]
    assert cases
    assert [c["id"] for c in cases if _render(c) != c["expected"]] == []
