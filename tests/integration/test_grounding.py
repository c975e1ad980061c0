"""Grounded answers on the real parts: SmolLM2, MiniLM, Chroma, a SQuAD 2.0 article."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.core.answers.grounding import NOT_FOUND_EN
from assistant.core.app import ConversationSettings

GREEDY = {"temperature": 0.0, "seed": 0, "max_tokens": 48}


def _ask(h, smollm2_path, question, mode="balanced"):
    cs = ConversationSettings(model=str(smollm2_path), collection="squad", sampling=GREEDY, grounding=mode)
    conv = h.new_conversation(settings=cs)
    reply = h.reply(conv.id, question)
    reply.run()
    return reply, h.store.thread(conv.id)[-1]


@pytest.mark.slow
def test_a_planted_question_the_article_cannot_answer_ends_in_not_found(normans, smollm2_path):
    reply, stored = _ask(normans, smollm2_path, "Who won the 2018 FIFA World Cup final in Moscow?")
    assert reply.text == NOT_FOUND_EN and reply.not_found
    assert stored.content == NOT_FOUND_EN and stored.stats["support"]["not_found"]
    # the closest passages are shown, none presented as a source of the answer
    assert reply.citations and not any(c["cited"] for c in reply.citations)
    assert all(c["source_path"].endswith("Normans.md") for c in reply.citations)


@pytest.mark.slow
def test_answers_from_the_article_are_shown_only_with_true_support(normans, smollm2_path):
    questions = ["In what country is Normandy located?",
                 "Who did King Charles III swear fealty to?"]  # the second is one of SQuAD's unanswerable ones
    article = (normans.knowledge.files("squad")[0].path)
    text = open(article, encoding="utf-8").read()
    for q in questions:
        strict, _ = _ask(normans, smollm2_path, q, mode="strict")
        # strict shows only sentences a passage supports, each with a quote taken from the article
        assert strict.not_found or (strict.support["sentences"] >= 1
                                    and strict.support["supported"] == strict.support["sentences"])
        for s in strict.sentences:
            if s["checked"]:
                assert s["source"]["quote"].rstrip("…") in " ".join(text.split())
        cited = [c for c in strict.citations if c["cited"]]
        assert all(c.get("quotes") for c in cited)
        if q != questions[0]:
            continue
        off, stored = _ask(normans, smollm2_path, q, mode="off")
        # off keeps the model's words, and the stored message still says which sentences are supported
        assert stored.content == off.text == off.raw_text
        assert len(stored.meta["support"]) == len(off.sentences) >= 1
        assert stored.stats["support"]["sentences"] == off.support["sentences"]


@pytest.mark.slow
def test_ask_json_reports_support_per_sentence(normans, smollm2_path, tmp_path):
    normans.close()
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "--collection", "squad",
                          "--max-tokens", "60", "Who won the 2018 FIFA World Cup final in Moscow?"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["answer"] == NOT_FOUND_EN and got["grounding"]["not_found"] is True
    assert got["support"] == [] and got["citations"] and not any(c["cited"] for c in got["citations"])
    shown = subprocess.run([sys.executable, "-m", "assistant", "ask", "--collection", "squad", "--max-tokens", "60",
                            "In what country is Normandy located?"], capture_output=True, text=True, timeout=600)
    assert shown.returncode == 0, shown.stderr
    assert "support: " in shown.stdout and "(grounding balanced)" in shown.stdout
