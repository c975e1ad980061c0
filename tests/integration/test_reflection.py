"""Self-reflection on the real parts: SmolLM2, MiniLM, Chroma, SQuAD 2.0's Normans article."""
from __future__ import annotations

import pytest

from assistant.core.app import ConversationSettings

GREEDY = {"temperature": 0.0, "seed": 0, "max_tokens": 64}
QUESTIONS = ["When were the Normans in Normandy?",
             "From which countries did the Norse originate?",
             "Who was the duke in the battle of Hastings?"]


@pytest.mark.slow
def test_reflection_keeps_the_better_supported_answer_and_stores_both(normans, smollm2_path):
    ran = 0
    for q in QUESTIONS:
        cs = ConversationSettings(model=str(smollm2_path), collection="squad", sampling=GREEDY, reflect=True,
                                  grounding="off")  # every unsupported answer is re-answered
        conv = normans.new_conversation(settings=cs)
        reply = normans.reply(conv.id, q)
        streamed = "".join(reply)
        r = reply.reflection
        assert r is not None
        if not r["ran"]:
            assert r["why"] and len(normans.store.siblings(reply.message_id)) == 1
            continue
        ran += 1
        first, second = r["first"], r["reflected"]
        assert first["text"] == streamed
        kept, other = (second, first) if r["kept"] == "reflected" else (first, second)
        share = lambda c: c["supported"] / c["sentences"] if c["sentences"] else 0.0  # noqa: E731
        assert share(kept) >= share(other)
        assert f"{kept['supported']} of {kept['sentences']}" in r["why"] or "no claim" in r["why"]
        # the re-answer was asked from passage sentences of the article only
        assert r["sentences_used"] and all(s in r["prompt_content"] for s in r["sentences_used"])
        shown = normans.store.thread(conv.id)[-1]
        assert shown.id == reply.message_id and shown.meta["reflection"]["kept"]
        siblings = normans.store.siblings(reply.message_id)
        assert len(siblings) == 2
        discarded = next(m for m in siblings if m.id != reply.message_id)
        assert discarded.meta["reflection"] == {"kept": False, "answer": "first" if r["kept"] == "reflected"
                                                else "reflected", "why": r["why"],
                                                "kept_message_id": reply.message_id}
    assert ran >= 1, "SmolLM2 answered every question with supported sentences only: no reflection to test"
