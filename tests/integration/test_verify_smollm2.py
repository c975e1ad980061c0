"""The model's yes/no support check on the real SmolLM2: the grammar holds it to yes or no."""
from __future__ import annotations

import pytest

from assistant.core.answers.verify import GRAMMAR, PROMPT
from assistant.core.app import ConversationSettings
from assistant.core.engine.process import EngineProcess
from assistant.core.engine.types import LoadOptions, Message, SamplingParams

pytestmark = pytest.mark.slow


def test_the_grammar_holds_the_answer_to_yes_or_no(smollm2_path):
    e = EngineProcess()
    try:
        e.load(str(smollm2_path), LoadOptions(n_ctx=1024, state_cache=False))
        judge = SamplingParams(temperature=0.0, max_tokens=8, grammar=GRAMMAR)
        free = SamplingParams(temperature=0.0, max_tokens=8)
        prompt = PROMPT.format(passage="The Normans gave their name to Normandy, a region in France.",
                               sentence="Normandy is in France.")
        replies = ["".join(e.chat([Message("user", prompt)], judge)) for _ in range(2)]
        assert replies[0] in ("yes", "no") and replies == replies[0:1] * 2
        # without the grammar the same model writes more than one word
        assert "".join(e.chat([Message("user", prompt)], free)).strip() not in ("yes", "no")
    finally:
        e.close()


def test_an_answer_checked_by_the_model_is_stored_with_its_support(normans, smollm2_path):
    cs = ConversationSettings(model=str(smollm2_path), collection="squad", verify=True,
                              sampling={"temperature": 0.0, "seed": 0, "max_tokens": 48})
    conv = normans.new_conversation(settings=cs)
    reply = normans.reply(conv.id, "In what country is Normandy located?")
    reply.run()
    stored = normans.store.thread(conv.id)[-1]
    assert stored.status == "complete" and stored.content == reply.text
    reasons = {s["reason"] for s in stored.meta["support"]}
    assert reasons <= {"supported", "model", "no passage", "number", "name", "url", "instruction", "nothing to check"}
    for s in stored.meta["support"]:
        if s["reason"] == "model":  # a sentence the model vouched for cites the passage it was shown
            assert s["supported"] and s["source"]["source_path"].endswith("Normans.md")
