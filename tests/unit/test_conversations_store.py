"""The conversation store: conversations, messages, branches, search, bin, migrations."""
from __future__ import annotations

import sqlite3

import pytest

from assistant.core.conversations import ConversationNotFound, ConversationStore, schema


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "conv.sqlite3")
    yield s
    s.close()


def chat(store, conv, *turns):
    for q, a in turns:
        store.add_message(conv.id, "user", q)
        store.add_message(conv.id, "assistant", a)


def texts(store, conv_id):
    return [m.content for m in store.thread(conv_id)]


def test_database_is_wal_and_survives_reopen(tmp_path):
    s = ConversationStore(tmp_path / "c.db")
    conv = s.create("Trip to Lisbon", settings={"model": "smollm2.gguf", "sampling": {"temperature": 0.2}})
    chat(s, conv, ("Where to eat?", "Try the Time Out Market."))
    mode = s._db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = s._db.execute("PRAGMA synchronous").fetchone()[0]
    s.close()
    assert mode == "wal" and sync == 1  # NORMAL
    s2 = ConversationStore(tmp_path / "c.db")
    got = s2.get(conv.id)
    assert got.title == "Trip to Lisbon" and got.settings["sampling"] == {"temperature": 0.2}
    assert texts(s2, conv.id) == ["Where to eat?", "Try the Time Out Market."]
    s2.close()


def test_list_pinned_first_then_recent_and_rename(store):
    a = store.create("first")
    b = store.create("second")
    c = store.create("third")
    store.add_message(a.id, "user", "bump a")  # a becomes the most recent
    store.set_pinned(c.id, True)
    assert [x.title for x in store.list()] == ["third", "first", "second"]
    store.rename(b.id, "Renamed")
    assert store.get(b.id).title == "Renamed"
    store.set_pinned(c.id, False)
    assert store.list()[0].id == b.id  # renaming counts as a change


def test_search_titles_and_message_text(store):
    a = store.create("Tax return 2025")
    b = store.create("Recipes")
    c = store.create("中文对话")
    chat(store, b, ("How long to bake sourdough?", "About 45 minutes at 230°C."))
    chat(store, c, ("你好", "你好！有什么可以帮你的吗？"))
    assert [x.id for x in store.list("tax")] == [a.id]
    assert [x.id for x in store.list("SOURDOUGH")] == [b.id]  # case-insensitive, in message text
    assert [x.id for x in store.list("45 min")] == [b.id]
    assert [x.id for x in store.list("帮你")] == [c.id]  # Chinese, two characters
    assert [x.id for x in store.list("可以帮你的")] == [c.id]
    assert store.list("nothing like this") == []
    assert store.list('quote " and % signs') == []  # no syntax error from search operators


def test_search_sees_streamed_answer_once_finished(store):
    conv = store.create("x")
    store.add_message(conv.id, "user", "hi")
    m = store.add_message(conv.id, "assistant", "", status="streaming")
    store.update_message(m.id, content="The capital is Ouagadougou")
    store.update_message(m.id, content="The capital is Ouagadougou.", status="complete")
    assert [x.id for x in store.list("ouagadougou")] == [conv.id]
    store.update_message(m.id, content="Edited answer")
    assert store.list("ouagadougou") == []


def test_delete_undo_and_purge(store):
    conv = store.create("keep me")
    chat(store, conv, ("q", "a"))
    store.delete(conv.id)
    assert store.list() == [] and store.list("keep") == []
    store.restore(conv.id)
    assert [c.id for c in store.list()] == [conv.id]
    assert texts(store, conv.id) == ["q", "a"]
    store.delete(conv.id)
    assert store.purge_deleted() == 0  # in the bin for less than 30 days
    assert store.purge_deleted(older_than_days=0) == 1
    with pytest.raises(ConversationNotFound):
        store.get(conv.id)
    assert store._db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_update_settings_merges(store):
    conv = store.create(settings={"model": "a.gguf", "system_prompt": "Be brief."})
    store.update_settings(conv.id, model="b.gguf", adapters=[{"path": "x.gguf", "scale": 0.5}])
    assert store.get(conv.id).settings == {"model": "b.gguf", "system_prompt": "Be brief.",
                                           "adapters": [{"path": "x.gguf", "scale": 0.5}]}


def test_message_fields_round_trip(store):
    conv = store.create()
    store.add_message(conv.id, "user", "What does the contract say about notice?")
    m = store.add_message(conv.id, "assistant", "", status="streaming",
                          meta={"model": "smollm2.gguf", "template": "chatml", "template_version": "3",
                                "adapters": [{"path": "lora.gguf", "scale": 0.8}]})
    store.update_message(m.id, content="Thirty days' notice.", status="complete",
                         stats={"tokens_per_s": 98.5, "ttft_s": 0.12},
                         citations=[{"source": "contract.pdf", "page": 4, "text": "30 days"}])
    got = store.thread(conv.id)[-1]
    assert got.content == "Thirty days' notice." and got.status == "complete"
    assert got.stats["tokens_per_s"] == 98.5
    assert got.citations == [{"source": "contract.pdf", "page": 4, "text": "30 days"}]
    assert got.meta == {"model": "smollm2.gguf", "template": "chatml", "template_version": "3",
                        "adapters": [{"path": "lora.gguf", "scale": 0.8}]}


def test_stopped_answer_is_kept_and_marked(store):
    conv = store.create()
    store.add_message(conv.id, "user", "Write a long poem")
    m = store.add_message(conv.id, "assistant", "", status="streaming")
    store.update_message(m.id, content="Roses are")
    store.update_message(m.id, content="Roses are red,", status="stopped", stats={"stopped": True})
    last = store.thread(conv.id)[-1]
    assert (last.content, last.status) == ("Roses are red,", "stopped")
    assert "stopped before the end" in store.export_markdown(conv.id)


def test_answer_cut_off_by_the_end_of_a_run_shows_as_interrupted_when_reopened(tmp_path):
    path = tmp_path / "c.sqlite3"
    s = ConversationStore(path)
    conv = s.create()
    s.add_message(conv.id, "user", "Tell me about otters")
    m = s.add_message(conv.id, "assistant", "", status="streaming")
    s.update_message(m.id, content="Otters hold hands")
    s.close()  # the run ends before the answer does (the kill -9 case is in the integration tests)
    s = ConversationStore(path)
    got = s.message(m.id)
    assert (got.status, got.content) == ("interrupted", "Otters hold hands")
    assert [c.id for c in s.list("hold hands")] == [conv.id]  # searchable like any finished answer
    assert "interrupted" in s.export_markdown(conv.id)
    assert s.recover_interrupted() == 0
    s.close()


def test_answer_still_being_written_by_an_open_store_is_left_alone(tmp_path):
    path = tmp_path / "c.sqlite3"
    writer = ConversationStore(path)  # e.g. the window, answering
    conv = writer.create()
    m = writer.add_message(conv.id, "assistant", "so far", status="streaming")
    reader = ConversationStore(path)  # e.g. `hearth conversations list` meanwhile
    assert reader.recover_interrupted() == 0 and reader.message(m.id).status == "streaming"
    writer.update_message(m.id, content="so far, so good", status="complete")
    assert reader.message(m.id).status == "complete"
    reader.close()
    writer.close()


def test_regenerate_keeps_old_answer_and_branches_flip(store):
    conv = store.create()
    q = store.add_message(conv.id, "user", "Name a colour")
    a1 = store.add_message(conv.id, "assistant", "Blue")
    follow = store.add_message(conv.id, "user", "Why?")
    store.add_message(conv.id, "assistant", "Calm.")
    parent = store.regenerate_point(a1.id)
    assert parent == q.id
    a2 = store.add_message(conv.id, "assistant", "Green", parent_id=parent)
    assert texts(store, conv.id) == ["Name a colour", "Green"]
    assert [s.content for s in store.siblings(a2.id)] == ["Blue", "Green"]
    store.switch_branch(a1.id)  # back to the old answer, and its follow-up
    assert texts(store, conv.id) == ["Name a colour", "Blue", "Why?", "Calm."]
    store.switch_branch(a2.id)
    assert texts(store, conv.id) == ["Name a colour", "Green"]
    store.add_message(conv.id, "user", "Nice")  # continues the active branch
    assert texts(store, conv.id)[-2:] == ["Green", "Nice"]
    assert store.message(follow.id).parent_id == a1.id
    with pytest.raises(ValueError, match="not an answer"):
        store.regenerate_point(q.id)


def test_edited_question_does_not_carry_the_old_retrieval_prompt(store):
    conv = store.create()
    q = store.add_message(conv.id, "user", "What is the rent?",
                          meta={"prompt_content": "[1] Rent is 900.\n\nQuestion: What is the rent?"})
    store.add_message(conv.id, "assistant", "900 [1]")
    edited = store.edit_user_message(q.id, "What is the deposit?")
    assert "prompt_content" not in edited.meta
    assert store.message(q.id).meta["prompt_content"].endswith("What is the rent?")  # the original keeps its own


def test_edit_user_message_forks_sibling(store):
    conv = store.create()
    chat(store, conv, ("Hi", "Hello!"))
    q = store.add_message(conv.id, "user", "What is 2+2?")
    store.add_message(conv.id, "assistant", "4")
    edited = store.edit_user_message(q.id, "What is 3+3?")
    assert texts(store, conv.id) == ["Hi", "Hello!", "What is 3+3?"]
    store.add_message(conv.id, "assistant", "6")
    assert [s.content for s in store.siblings(edited.id)] == ["What is 2+2?", "What is 3+3?"]
    store.switch_branch(q.id)
    assert texts(store, conv.id)[-2:] == ["What is 2+2?", "4"]


def test_delete_message_keeps_the_rest(store):
    conv = store.create()
    q = store.add_message(conv.id, "user", "q1")
    a = store.add_message(conv.id, "assistant", "a1")
    store.add_message(conv.id, "user", "q2")
    store.delete_message(a.id)
    assert texts(store, conv.id) == ["q1", "q2"]
    regen = store.add_message(conv.id, "assistant", "b", parent_id=q.id)
    alt = store.add_message(conv.id, "assistant", "c", parent_id=q.id)
    store.delete_message(alt.id)  # the active leaf: the newest remaining branch shows
    assert texts(store, conv.id) == ["q1", "b"] and store.get(conv.id).active_leaf == regen.id


def test_unknown_ids_and_bad_values_are_refused(store):
    conv = store.create()
    with pytest.raises(ConversationNotFound):
        store.get("nope")
    with pytest.raises(ConversationNotFound):
        store.update_message("nope", content="x")
    with pytest.raises(ValueError, match="role 'bot'"):
        store.add_message(conv.id, "bot", "x")
    other = store.create()
    m = store.add_message(other.id, "user", "elsewhere")
    with pytest.raises(ConversationNotFound):
        store.add_message(conv.id, "assistant", "x", parent_id=m.id)


def test_append_cost_does_not_grow_with_thread_length(store):
    """Adding a message runs the same statements whether the thread has 10 or 1,000 messages."""
    short, long_ = store.create(), store.create()
    for i in range(10):
        store.add_message(short.id, "user" if i % 2 == 0 else "assistant", f"m{i}")
    with store._tx() as db:  # fill the long one quickly, in one transaction
        parent = None
        for i in range(1000):
            db.execute("INSERT INTO messages (id, conversation_id, parent_id, role, content, created) "
                       "VALUES (?, ?, ?, 'user', ?, ?)", (f"x{i}", long_.id, parent, f"m{i}", float(i)))
            parent = f"x{i}"
        db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?", (parent, long_.id))

    def statements(conv_id):
        seen: list[str] = []
        store._db.set_trace_callback(seen.append)
        try:
            store.add_message(conv_id, "user", "one more")
        finally:
            store._db.set_trace_callback(None)
        return seen

    def rows_changed(conv_id):
        before = store._db.total_changes
        store.add_message(conv_id, "assistant", "reply")
        return store._db.total_changes - before

    assert len(statements(short.id)) == len(statements(long_.id))
    assert rows_changed(short.id) == rows_changed(long_.id)
    assert len(store.thread(long_.id)) == 1002


def test_migrates_a_database_from_an_older_version(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(str(path), isolation_level=None)
    schema.migrate(db, schema.MIGRATIONS[:1])  # what the first release wrote
    db.execute("INSERT INTO conversations (id, title, created, updated, settings, active_leaf) "
               "VALUES ('c1', 'Old chat', 1, 2, '{\"model\": \"old.gguf\"}', 'm2')")
    db.execute("INSERT INTO messages (id, conversation_id, parent_id, role, content, created) "
               "VALUES ('m1', 'c1', NULL, 'user', 'remember the aardvark', 1)")
    db.execute("INSERT INTO messages (id, conversation_id, parent_id, role, content, created) "
               "VALUES ('m2', 'c1', 'm1', 'assistant', 'Aardvarks eat ants.', 2)")
    db.close()
    s = ConversationStore(path)
    names = [r[0] for r in s._db.execute("SELECT name FROM _migrations ORDER BY applied")]
    assert names == [fn.__name__ for fn in schema.MIGRATIONS]
    assert texts(s, "c1") == ["remember the aardvark", "Aardvarks eat ants."]
    assert [c.id for c in s.list("aardvark")] == ["c1"]  # old messages are searchable
    s.delete("c1")  # a column the old schema did not have
    assert s.list() == []
    s.close()
    s = ConversationStore(path)  # reopening applies nothing twice
    assert s._db.execute("SELECT count(*) FROM _migrations").fetchone()[0] == len(schema.MIGRATIONS)
    s.close()
