"""The real `hearth` command: a chat stored by `ask` (real SmolLM2) is listed, exported, deleted,
restored by `hearth conversations`, and its JSON export imports back."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.core.conversations import ConversationStore

pytestmark = pytest.mark.slow


def hearth(*argv: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", *argv], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ))
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_a_chat_from_ask_is_listed_exported_and_imported(paths, tmp_path):
    from assistant.core.models import embedded

    if embedded.default_chat_model() is None:
        pytest.skip("the embedded SmolLM2 model is not installed")
    asked = json.loads(hearth("ask", "What is the capital of France? 用一个词回答。", "--max-tokens", "16",
                              "--json").stdout)
    conv_id = asked["conversation_id"]
    listed = json.loads(hearth("conversations", "list", "--json").stdout)["conversations"]
    assert [c["id"] for c in listed] == [conv_id] and listed[0]["messages"] == 2
    md = hearth("conversations", "show", conv_id[:8]).stdout
    assert "用一个词回答" in md and asked["answer"].strip()[:10] in md
    out = tmp_path / "chat.json"
    hearth("conversations", "export", conv_id[:8], "--format", "json", "--output", str(out))
    with ConversationStore(paths.conversations_db) as store:
        copy = store.import_json(json.loads(out.read_text(encoding="utf-8")))
        assert [(m.role, m.content) for m in store.thread(copy.id)] == \
            [(m.role, m.content) for m in store.thread(conv_id)]
    hearth("conversations", "delete", conv_id[:8])
    gone = hearth("conversations", "show", "nope", ok=False)
    assert gone.returncode == 1 and "no conversation with an id starting with 'nope'" in gone.stderr
    binned = json.loads(hearth("conversations", "list", "--deleted", "--json").stdout)["conversations"]
    assert [c["id"] for c in binned] == [conv_id]
    hearth("conversations", "restore", conv_id[:8])
    assert conv_id[:8] in hearth("conversations", "list").stdout
