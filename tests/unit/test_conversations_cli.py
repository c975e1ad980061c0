"""`hearth conversations list|show|export|delete|restore`: the same store and export code as the window."""
from __future__ import annotations

import argparse
import json

import pytest

from assistant.commands import conversations as cmd
from assistant.core.conversations import ConversationNotFound, ConversationStore


def run(capsys, *argv: str) -> str:
    parser = argparse.ArgumentParser(prog="hearth")
    cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["conversations", *argv])
    assert args.func(args) == 0
    return capsys.readouterr().out


@pytest.fixture
def chats(paths):
    with ConversationStore(paths.conversations_db) as s:
        trip = s.create("去里斯本旅行")
        q = s.add_message(trip.id, "user", "What should I pack?")
        s.add_message(trip.id, "assistant", "A light jacket [1].",
                      citations=[{"source_path": "/home/u/docs/lisbon-guide.pdf", "page": 4, "start": 0,
                                  "end": 9, "snippet": "jacket", "number": 1, "cited": True}],
                      stats={"tokens_per_s": 91.0})
        s.add_message(trip.id, "assistant", "Sunscreen.", parent_id=q.id)
        other = s.create("Budget")
        s.add_message(other.id, "user", "rent?")
    return trip, other


def test_list_and_show(capsys, chats):
    trip, other = chats
    out = json.loads(run(capsys, "list", "--json"))
    assert [(c["id"], c["title"], c["messages"]) for c in out["conversations"]] == \
        [(other.id, "Budget", 1), (trip.id, "去里斯本旅行", 3)]
    text = run(capsys, "list")
    assert f"{trip.id[:8]}" in text and "去里斯本旅行" in text
    md = run(capsys, "show", trip.id[:8])
    assert md.startswith("# 去里斯本旅行") and "Sunscreen." in md  # the visible branch
    whole = json.loads(run(capsys, "show", trip.id, "--json"))
    assert len(whole["messages"]) == 3


def test_export_json_is_what_import_reads(capsys, chats, tmp_path, paths):
    trip, _ = chats
    out = tmp_path / "out" / "trip.json"
    info = json.loads(run(capsys, "export", trip.id[:10], "--format", "json", "--output", str(out), "--json"))
    assert info == {"id": trip.id, "format": "json", "output": str(out.resolve())}
    with ConversationStore(paths.conversations_db) as s:
        copy = s.import_json(json.loads(out.read_text(encoding="utf-8")))
        assert [m.content for m in s.messages(copy.id)] == [m.content for m in s.messages(trip.id)]
    md = run(capsys, "export", trip.id, "--format", "md")
    assert "## You\n\nWhat should I pack?" in md


def test_export_markdown_names_the_cited_file(capsys, chats, paths):
    trip, _ = chats
    with ConversationStore(paths.conversations_db) as s:
        s.switch_branch(s.messages(trip.id)[1].id)
    md = run(capsys, "export", trip.id)
    assert "Sources:\n1. lisbon-guide.pdf, page 4" in md


def test_delete_then_restore(capsys, chats):
    trip, other = chats
    assert json.loads(run(capsys, "delete", trip.id[:8], "--json")) == \
        {"id": trip.id, "title": "去里斯本旅行", "deleted": True}
    assert [c["id"] for c in json.loads(run(capsys, "list", "--json"))["conversations"]] == [other.id]
    binned = json.loads(run(capsys, "list", "--deleted", "--json"))["conversations"]
    assert [c["id"] for c in binned] == [trip.id] and binned[0]["deleted"]
    with pytest.raises(ConversationNotFound, match="is in the bin"):
        run(capsys, "delete", trip.id)
    assert "Restored" in run(capsys, "restore", trip.id[:8])
    assert len(json.loads(run(capsys, "list", "--json"))["conversations"]) == 2
    with pytest.raises(ConversationNotFound, match="not in the bin"):
        run(capsys, "restore", trip.id)


def test_unknown_or_ambiguous_ids_are_refused_in_words(capsys, paths):
    with ConversationStore(paths.conversations_db) as s:
        ids = [s.create(f"c{i}").id for i in range(40)]
    shared = next(i[0] for i in ids if sum(j[0] == i[0] for j in ids) > 1)
    with pytest.raises(ConversationNotFound, match="several conversations") as e:
        run(capsys, "show", shared)
    assert e.value.fix and "hearth conversations list" in e.value.fix
    with pytest.raises(ConversationNotFound, match="no conversation with an id starting with 'nope'"):
        run(capsys, "export", "nope")


def test_markdown_export_leaves_out_the_models_thinking_unless_asked(capsys, paths):
    from assistant import cli
    from assistant.core.conversations import ConversationStore

    with ConversationStore(paths.conversations_db) as store:
        conv = store.create("Thinking chat")
        q = store.add_message(conv.id, "user", "What is 2+2?")
        store.add_message(conv.id, "assistant", "<think>two and two make four</think>It is 4.", parent_id=q.id)
    assert cli.main(["conversations", "show", conv.id[:8]]) == 0
    out = capsys.readouterr().out
    assert "It is 4." in out and "two and two" not in out
    assert cli.main(["conversations", "show", conv.id[:8], "--with-reasoning"]) == 0
    assert "two and two make four" in capsys.readouterr().out
