"""Compressed passages on the real parts: SmolLM2, MiniLM, Chroma, a SQuAD 2.0 article."""
from __future__ import annotations

import pytest

from assistant.core.app import ConversationSettings

GREEDY = {"temperature": 0.0, "seed": 0, "max_tokens": 40}


def _ask(h, smollm2_path, question, compress):
    cs = ConversationSettings(model=str(smollm2_path), collection="squad", sampling=GREEDY, grounding="off",
                              compress=compress)
    conv = h.new_conversation(settings=cs)
    reply = h.reply(conv.id, question)
    reply.run()
    return reply, h.store.thread(conv.id)


@pytest.mark.slow
def test_a_compressed_prompt_is_shorter_with_the_same_passages_and_numbers(normans, smollm2_path):
    question = "In what country is Normandy located?"
    full, full_thread = _ask(normans, smollm2_path, question, compress=False)
    short, short_thread = _ask(normans, smollm2_path, question, compress=True)
    # the same passages, numbered alike, were retrieved; the model read far fewer tokens of them
    assert [p.chunk_id for p in short.passages] == [p.chunk_id for p in full.passages]
    assert short.stats.prompt_tokens < 0.6 * full.stats.prompt_tokens
    prompt = short_thread[-2].meta["prompt_content"]
    assert len(prompt) < 0.6 * len(full_thread[-2].meta["prompt_content"])
    for n in range(1, len(short.passages) + 1):
        assert f"[{n}] (Normans.md" in prompt
    assert short.text and short.error is None
    # Not asserted: that the answer cites the passage holding "France". SmolLM2 answered "Normandy,
    # France [1]" citing a passage without it, and the compressed prompt had dropped the sentence of
    # passage 2 that names France.
