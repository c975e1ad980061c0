"""Editing a question: later turns resend the edited words, not the old question's retrieval prompt."""
from __future__ import annotations

import pytest

from assistant.core.app import Hearth
from tests.ui.fakes import ScriptedEngine


@pytest.fixture
def hearth(paths, tmp_path):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "lease.txt").write_text("The monthly rent is 900 euros, paid on the first day.\n" * 3, encoding="utf-8")
    h = Hearth(engine=ScriptedEngine(), knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    h.knowledge.index("lease", [docs])
    yield h
    h.close()


def answer(hearth, conv_id, text=None, **kw):
    reply = hearth.reply(conv_id, text, **kw)
    for _chunk in reply:
        pass
    return reply


def test_later_turns_resend_the_edited_question_not_the_old_prompt(hearth):
    conv = hearth.store.create("Lease", settings={"collection": "lease"})
    answer(hearth, conv.id, "What is the rent?")
    first_q = hearth.store.thread(conv.id)[0]
    assert "900 euros" in first_q.meta["prompt_content"]  # asked with the passages
    hearth.store.update_settings(conv.id, collection="")  # the user stops using the documents
    answer(hearth, conv.id, "How long is the notice period?", edit_of=first_q.id)
    answer(hearth, conv.id, "And in weeks?")
    sent = [m.content for m in hearth.engine.last_messages if m.role == "user"]
    assert sent == ["How long is the notice period?", "And in weeks?"]
