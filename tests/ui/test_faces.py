"""The three faces share one store: a chat made in the terminal shows in the window."""
from __future__ import annotations

import json

import pytest

from tests.ui.conftest_helpers import close_all, make_window

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


def test_the_window_lists_a_chat_that_hearth_ask_stored(qtbot, capsys, paths, smollm2_path):
    from assistant import cli
    from assistant.core.app import Hearth

    assert cli.main(["ask", "What is the capital of France?", "--json", "--max-tokens", "16"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    hearth = Hearth()
    try:
        w = make_window(qtbot, hearth)
        titles = [w.conversations.list.item(i).text() for i in range(w.conversations.list.count())]
        assert any("What is the capital of France?" in t for t in titles), titles
        thread = hearth.store.thread(out["conversation_id"])
        assert [m.role for m in thread] == ["user", "assistant"] and thread[1].content == out["answer"]
        assert thread[1].status == "complete" and thread[1].meta["model"] == str(smollm2_path)
    finally:
        close_all(hearth)
