"""Feedback round trip on the facade: rate stored answers, export chat-jsonl / dpo-jsonl / csv,
turn complaints into a QA set and evaluate it."""
from __future__ import annotations

import argparse
import csv
import io
import json

import pytest

from assistant.core.app import ConversationSettings, Hearth
from assistant.core.errors import HearthError
from assistant.core.evals.answers import run_answers
from assistant.core.evals.feedback import FeedbackStore, export_lines, file_sha256, to_evalset
from assistant.core.evals.qa_config import parse_config
from tests.ui.fakes import ScriptedEngine


@pytest.fixture
def hearth(paths, tmp_path, smollm2_path):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "lease.md").write_text("# Lease\n\nThe monthly rent is 900 euros, paid on the first day.\n",
                                   encoding="utf-8")
    h = Hearth(engine=ScriptedEngine(delay=0.0, script=["The rent is 700 euros [1].", "The rent is 900 euros [1]."]),
               knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    h.knowledge.index("lease", [docs])
    h.model = str(smollm2_path)
    yield h
    h.close()


def test_round_trip(hearth, paths, tmp_path):
    conv = hearth.new_conversation(settings=ConversationSettings(model=hearth.model))
    bad = hearth.reply(conv.id, "What is the monthly rent?")
    bad.run()
    good = hearth.reply(conv.id, regenerate_of=bad.message_id)
    good.run()
    store = FeedbackStore(paths.data / "feedback.db")
    try:
        fb = store.add(hearth, bad.message_id, "down", "The monthly rent is 900 euros.")
        store.add(hearth, good.message_id, "up")
        ctx = fb.context
        assert ctx["answer"] == "The rent is 700 euros [1]." and ctx["question"] == "What is the monthly rent?"
        assert ctx["messages"] == [{"role": m.role, "content": m.content} for m in bad.messages]  # as sent
        assert ctx["messages"][0]["role"] == "system"
        assert ctx["model"] == hearth.model and ctx["model_sha256"] == file_sha256(hearth.model)
        assert len(ctx["model_sha256"]) == 64 and ctx["sampling"]["temperature"] >= 0
        with pytest.raises(HearthError, match="up or down"):
            store.add(hearth, good.message_id, "meh")
        with pytest.raises(HearthError, match="no message"):
            store.add(hearth, "nope", "up")
        items = store.list()
    finally:
        store.close()
    chat = [json.loads(x) for x in export_lines(items, "chat-jsonl")]
    assert [c["messages"][-1]["content"] for c in chat] == ["The monthly rent is 900 euros.",
                                                            "The rent is 900 euros [1]."]
    assert all(c["messages"][-1]["role"] == "assistant" and c["messages"][0]["role"] == "system" for c in chat)
    (dpo,) = [json.loads(x) for x in export_lines(items, "dpo-jsonl")]
    assert dpo["chosen"] == "The monthly rent is 900 euros." and dpo["rejected"] == "The rent is 700 euros [1]."
    assert dpo["prompt"] == chat[0]["messages"][:-1]
    rows = list(csv.DictReader(io.StringIO("\n".join(export_lines(items, "csv")))))
    assert [r["rating"] for r in rows] == ["down", "up"] and rows[0]["better"] == "The monthly rent is 900 euros."
    folder = tmp_path / "from-feedback"
    assert to_evalset(items, folder) == 1
    (q,) = [json.loads(x) for x in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert q["question"] == "What is the monthly rent?" and q["answers"] == ["The monthly rent is 900 euros."]
    assert (folder / "docs").is_dir()
    hearth.engine.script = ["The monthly rent is 900 euros [1]."]
    hearth.engine.answers = 0
    run = run_answers(folder, [parse_config([f"model={hearth.model}", "docs=off"], "a")], hearth=hearth)
    assert run.summary()["a"]["f1"] == 1.0  # today's complaint is tomorrow's regression test


def test_cli_add_and_export(hearth, tmp_path, monkeypatch, capsys):
    import assistant.core.app as app
    from assistant.commands import feedback

    conv = hearth.new_conversation(settings=ConversationSettings(model=hearth.model))
    reply = hearth.reply(conv.id, "Hello?")
    reply.run()
    monkeypatch.setattr(app, "Hearth", lambda *a, **k: hearth)
    monkeypatch.setattr(hearth, "close", lambda: None)
    parser = argparse.ArgumentParser()
    feedback.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["feedback", "add", reply.message_id, "down", "--better", "Hi!"])
    assert args.func(args) == 0 and "recorded" in capsys.readouterr().out
    args = parser.parse_args(["feedback", "export", "--format", "chat-jsonl", "--since", "2000-01-01"])
    assert args.func(args) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["messages"][-1] == {"role": "assistant", "content": "Hi!"}


def test_a_rating_can_be_read_changed_and_taken_back(hearth):
    from assistant.core.evals.feedback import open_store

    conv = hearth.new_conversation(settings=ConversationSettings(model=hearth.model))
    reply = hearth.reply(conv.id, "What is the monthly rent?")
    reply.run()
    with open_store(hearth) as store:
        assert store.get(reply.message_id) is None and store.ratings(conv.id) == {}
        store.add(hearth, reply.message_id, "down", "900 euros.")
    with open_store(hearth) as store:  # kept on disk
        assert store.ratings(conv.id) == {reply.message_id: ("down", "900 euros.")}
        store.add(hearth, reply.message_id, "up")  # changed: replaces the earlier rating
        fb = store.get(reply.message_id)
        assert fb is not None and fb.rating == "up" and fb.better == "" and len(store.list()) == 1
        assert store.remove(reply.message_id) and not store.remove(reply.message_id)
        assert store.get(reply.message_id) is None
