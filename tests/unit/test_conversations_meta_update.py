"""update_message merges meta (the exact prompt a turn was sent with, for the warm cache)."""
from assistant.core.conversations.store import ConversationStore


def test_update_message_merges_meta(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    conv = store.create()
    m = store.add_message(conv.id, "user", "question", meta={"model": "m.gguf", "note": 1})
    store.update_message(m.id, meta={"prompt_content": "[1] passage\n\nQuestion: question", "template": "t"})
    got = store.message(m.id).meta
    assert got == {"model": "m.gguf", "note": 1, "template": "t",
                   "prompt_content": "[1] passage\n\nQuestion: question"}
    store.close()
