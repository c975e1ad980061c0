"""The bin: deleted chats are kept 30 days, can be restored, then are erased for good on opening."""
from __future__ import annotations

import time

import pytest

from assistant.core.conversations import ConversationNotFound, ConversationStore
from assistant.core.conversations.store import BIN_DAYS

SECRET = "my passport number is XK-4417-QZ"


def open_store(path, state_dir=None):
    return ConversationStore(path, state_dir=state_dir)


def age(store, conv_id, days):
    """Pretend the chat was deleted ``days`` days ago."""
    store._db.execute("UPDATE conversations SET deleted = ? WHERE id = ?", (time.time() - days * 86400, conv_id))


def last_purge_days_ago(store, days):
    store._db.execute("UPDATE housekeeping SET value = ? WHERE key = 'last_purge'",
                      (repr(time.time() - days * 86400),))


def file_bytes(path):
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_bin_lists_deleted_chats_and_restores_them(tmp_path):
    s = open_store(tmp_path / "c.sqlite3")
    a, b, c = s.create("a"), s.create("b"), s.create("c")
    s.add_message(b.id, "user", "hello")
    s.delete(a.id)
    s.delete(b.id)
    assert [x.id for x in s.deleted()] == [b.id, a.id]  # most recently deleted first
    assert [x.id for x in s.list()] == [c.id]
    s.restore(b.id)
    assert [x.id for x in s.deleted()] == [a.id]
    assert {x.id for x in s.list()} == {b.id, c.id} and s.thread(b.id)[0].content == "hello"
    s.close()


def test_chats_in_the_bin_over_30_days_are_erased_when_the_store_opens(tmp_path):
    path = tmp_path / "c.sqlite3"
    states = tmp_path / "llama-state"
    states.mkdir()
    (states / "0123abcd.state").write_bytes(b"HEARTH-STATE-1\nKV cache holding " + SECRET.encode())
    s = open_store(path, states)
    old, recent, kept = s.create("old secret"), s.create("recent"), s.create("kept")
    for conv in (old, recent, kept):
        s.add_message(conv.id, "user", f"{SECRET} ({conv.title})")
        s.add_message(conv.id, "assistant", "Noted.")
    s.delete(old.id)
    s.delete(recent.id)
    age(s, old.id, BIN_DAYS + 1)
    age(s, recent.id, BIN_DAYS - 1)
    last_purge_days_ago(s, 2)
    s.close()

    s = open_store(path, states)  # opening empties the bin of what is over 30 days old
    with pytest.raises(ConversationNotFound):
        s.get(old.id)
    assert [x.id for x in s.deleted()] == [recent.id]
    assert [x.id for x in s.list()] == [kept.id]
    assert s._db.execute("SELECT count(*) FROM messages").fetchone()[0] == 4
    assert [x.id for x in s.list("passport")] == [kept.id]  # the search rows went with it
    assert not list(states.glob("*.state"))  # saved model states hold a chat's text too
    s.close()
    assert b"(old secret)" not in file_bytes(path)  # secure_delete: not readable in the file either


def test_purge_on_open_runs_at_most_once_a_day(tmp_path):
    path = tmp_path / "c.sqlite3"
    s = open_store(path)
    conv = s.create("old")
    s.delete(conv.id)
    age(s, conv.id, BIN_DAYS + 5)  # deleted long ago, but the bin was emptied an hour ago
    last_purge_days_ago(s, 1 / 24)
    s.close()
    s = open_store(path)
    assert [x.id for x in s.deleted()] == [conv.id]
    last_purge_days_ago(s, 1.5)
    assert s.housekeeping() == {"interrupted": 0, "purged": 1}
    assert s.deleted() == []
    assert s.housekeeping() == {"interrupted": 0, "purged": 0}
    s.close()


def test_delete_forever_erases_one_chat_now(tmp_path):
    path = tmp_path / "c.sqlite3"
    s = open_store(path)
    gone, other = s.create("gone"), s.create("other")
    s.add_message(gone.id, "user", SECRET)
    s.delete(gone.id)
    s.delete(other.id)
    with pytest.raises(ValueError, match="not in the bin"):
        s.delete_forever(s.create("live").id)
    s.delete_forever(gone.id)
    assert [x.id for x in s.deleted()] == [other.id]
    s.close()
    assert SECRET.encode() not in file_bytes(path)


def test_unique_id_prefixes_name_a_chat(tmp_path):
    s = open_store(tmp_path / "c.sqlite3")
    convs = [s.create(f"chat {i}") for i in range(40)]
    target = convs[7]
    assert s.resolve_id(target.id) == target.id
    n = next(n for n in range(4, 36) if sum(c.id.startswith(target.id[:n]) for c in convs) == 1)
    assert s.resolve_id(target.id[:n].upper()) == target.id
    shared = next(c.id[0] for c in convs if sum(d.id[0] == c.id[0] for d in convs) > 1)  # 40 ids, 16 digits
    with pytest.raises(ConversationNotFound, match="several conversations"):
        s.resolve_id(shared)
    with pytest.raises(ConversationNotFound, match="starting with 'zzz'"):
        s.resolve_id("zzz")
    s.close()
