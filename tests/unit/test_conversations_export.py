"""Export to Markdown and JSON, and import back, refusing bad files in words."""
from __future__ import annotations

import json

import pytest

from assistant.core.conversations import ConversationStore, ImportProblem


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "conv.sqlite3")
    yield s
    s.close()


@pytest.fixture
def branched(store):
    conv = store.create("Budget", settings={"model": "qwen.gguf", "collection": "finance"})
    q = store.add_message(conv.id, "user", "How much did we spend on rent?")
    store.add_message(conv.id, "assistant", "1,200 a month.",
                      citations=[{"source": "bank.pdf", "page": 3, "text": "Rent 1200"}],
                      stats={"tokens_per_s": 90.0}, meta={"model": "qwen.gguf", "template_version": "2"})
    store.add_message(conv.id, "assistant", "About 1,200 per month | see table", parent_id=q.id,
                      status="stopped")
    return conv


def test_markdown_shows_visible_thread_with_sources(store, branched):
    md = store.export_markdown(branched.id)
    assert md.startswith("# Budget\n")
    assert "## You\n\nHow much did we spend on rent?" in md
    assert "About 1,200 per month" in md and "1,200 a month." not in md  # only the active branch
    assert "stopped before the end" in md
    store.switch_branch(store.siblings(store.thread(branched.id)[-1].id)[0].id)
    md = store.export_markdown(branched.id)
    assert "Sources:\n1. bank.pdf, page 3" in md


def test_json_round_trip_keeps_branches_and_everything(store, branched):
    data = json.loads(json.dumps(store.export_json(branched.id)))  # really JSON-serialisable
    copy = store.import_json(data)
    assert copy.id != branched.id
    assert copy.title == "Budget" and copy.settings == {"model": "qwen.gguf", "collection": "finance"}
    orig, new = store.thread(branched.id), store.thread(copy.id)
    assert [(m.role, m.content, m.status) for m in orig] == [(m.role, m.content, m.status) for m in new]
    assert len(store.messages(copy.id)) == 3
    first = store.siblings(new[-1].id)[0]
    assert first.citations == [{"source": "bank.pdf", "page": 3, "text": "Rent 1200"}]
    assert first.meta == {"model": "qwen.gguf", "template_version": "2"} and first.stats == {"tokens_per_s": 90.0}
    store.import_json(data)  # importing twice gives two copies, not a clash
    assert len(store.list("Budget")) == 3


@pytest.mark.parametrize("mutate, problem", [
    (lambda d: d.update(format="something-else"), "not a Hearth conversation"),
    (lambda d: d.update(version=99), "version 99 is not supported"),
    (lambda d: d["messages"][1].update(role="bot"), "message 2: role 'bot'"),
    (lambda d: d["messages"][0].pop("content"), "message 1: the field 'content' is missing"),
    (lambda d: d["messages"][2].update(parent_id="ghost"), "message 3: its parent ghost is not in the file"),
    (lambda d: d["messages"][0].update(parent_id=d["messages"][1]["id"]), "loop"),
    (lambda d: d["conversation"].update(title=5), "'title' should be str"),
    (lambda d: d.update(messages="oops"), "'messages' should be list"),
])
def test_corrupt_import_is_refused_clearly_and_stores_nothing(store, branched, mutate, problem):
    data = store.export_json(branched.id)
    mutate(data)
    before = len(store.list())
    with pytest.raises(ImportProblem, match=problem):
        store.import_json(data)
    assert len(store.list()) == before


def test_import_of_non_object_is_refused(store):
    with pytest.raises(ImportProblem, match="expected a JSON object, found list"):
        store.import_json([1, 2])  # type: ignore[arg-type]
