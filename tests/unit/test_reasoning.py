"""Reasoning split from the answer: streamed chunks cut anywhere, every format, history rules."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.answers.reasoning import (ReasoningSplitter, split_reasoning, split_stream, strip_reasoning,
                                              template_drops_reasoning)

TEMPLATES = Path(__file__).resolve().parents[2].parent / "shared/eval/chat_templates/templates"


def _joined(pieces):
    out = {"reasoning": "", "answer": ""}
    for kind, text in pieces:
        out[kind] += text
    return out


@pytest.mark.parametrize("opener,closer", [("<think>", "</think>"), ("<seed:think>", "</seed:think>"),
                                           ("[THINK]", "[/THINK]"), ("<thinking>", "</thinking>"),
                                           ("<|channel|>analysis<|message|>", "<|end|>")])
def test_every_cut_of_the_stream_gives_the_same_split(opener, closer):
    final = "<|start|>assistant<|channel|>final<|message|>" if "channel" in opener else "\n\n"
    text = f"{opener}The user asks 2+2. That is 4.{closer}{final}It is **4**."
    for cut in range(1, len(text)):
        for size in (1, 3, 7):
            chunks = [text[:cut]] + [text[i:i + size] for i in range(cut, len(text), size)]
            got = _joined(split_stream(chunks))
            assert got == {"reasoning": "The user asks 2+2. That is 4.", "answer": "It is **4**."}, (cut, size)


def test_reasoning_is_streamed_before_the_closing_tag_arrives():
    sp = ReasoningSplitter()
    assert sp.feed("<thi") == []  # could be a tag: held back
    assert sp.feed("nk>Let me") == [("reasoning", "Let me")]
    assert sp.feed(" see</th") == [("reasoning", " see")]
    assert sp.in_reasoning
    assert sp.feed("ink>Four.") == [("answer", "Four.")]
    assert not sp.in_reasoning and sp.flush() == []


def test_text_that_only_looks_like_a_tag_is_answer():
    assert _joined(split_stream(["a < b and <thin", "g> x"])) == {"reasoning": "", "answer": "a < b and <thing> x"}


def test_prompt_opened_reasoning_and_unclosed_reasoning():
    # DeepSeek-R1's template opens <think> in the prompt: the text holds only the closing tag
    assert split_reasoning("step 1, step 2</think>\n\nThe answer.") .answer == "The answer."
    assert split_reasoning("step 1, step 2</think>\n\nThe answer.").reasoning == "step 1, step 2"
    s = split_reasoning("<think>still thinking when stopped")
    assert s.reasoning == "still thinking when stopped" and s.answer == ""
    assert strip_reasoning("No reasoning here.") == "No reasoning here."


def test_which_templates_drop_earlier_reasoning():
    read = lambda n: (TEMPLATES / n).read_text(encoding="utf-8")  # noqa: E731
    assert template_drops_reasoning(read("Qwen-Qwen3-0.6B.jinja"))
    assert template_drops_reasoning(read("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"))
    assert not template_drops_reasoning(read("mistralai-Ministral-3-14B-Reasoning-2512.jinja"))
    assert template_drops_reasoning(read("openai-gpt-oss-120b.jinja"))
    assert template_drops_reasoning(None)
