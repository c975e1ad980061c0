"""Gemma 3 270M repeats its prompt when given passages: the window and the CLI never show Hearth's instructions."""
from __future__ import annotations

import shutil

import pytest

from assistant.core.app import ConversationSettings, Hearth
from assistant.core.knowledge.citations import OPEN

pytestmark = pytest.mark.slow


def test_instructions_the_model_repeats_are_not_shown(tmp_path, shared_eval, gemma_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(shared_eval / "qa" / "cmrc2018_trial" / "docs" / "TRIAL_800.md", docs)
    h = Hearth()
    try:
        (rep,) = h.knowledge.index("zh", [docs])
        assert rep.status == "indexed"
        cs = ConversationSettings(model=str(gemma_path), collection="zh", grounding="off",
                                  sampling={"temperature": 0.0, "seed": 0, "max_tokens": 120})
        conv = h.new_conversation(settings=cs)
        reply = h.reply(conv.id, "若游戏中离，则多少分钟内不得进行配对？")
        reply.run()
        system = reply.messages[0].content
        for shown in (reply.text, h.store.thread(conv.id)[-1].content):
            assert shown.strip()
            assert system not in shown and "Answer using only" not in shown and OPEN not in shown, shown
        # what the model wrote is kept for the record (the sources view, the evaluations)
        stored = h.store.thread(conv.id)[-1]
        if reply.raw_text != reply.text:
            assert stored.meta["raw_text"] == reply.raw_text
    finally:
        h.close()
