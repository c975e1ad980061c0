"""Killing the app (SIGKILL) at any moment loses nothing already committed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from assistant.core.conversations import ConversationStore

WRITER = textwrap.dedent("""
    import sys
    from assistant.core.conversations import ConversationStore
    store = ConversationStore(sys.argv[1])
    conv = store.create("killed mid-chat")
    print("CONV", conv.id, flush=True)
    i = 0
    while True:
        store.add_message(conv.id, "user", f"question {i}")
        m = store.add_message(conv.id, "assistant", "", status="streaming")
        text = ""
        for word in range(5):
            text += f"word{word} "
            store.update_message(m.id, content=text)
            print("SHOWN", m.id, text, flush=True)
        store.update_message(m.id, status="complete")
        print("DONE", i, flush=True)
        i += 1
""")


def test_sigkill_during_streaming_loses_nothing_shown(tmp_path):
    db = tmp_path / "conv.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    conv_id, shown, done = "", {}, -1
    for line in proc.stdout:
        kind, _, rest = line.rstrip("\n").partition(" ")
        if kind == "CONV":
            conv_id = rest
        elif kind == "SHOWN":
            mid, _, text = rest.partition(" ")
            shown[mid] = text
        elif kind == "DONE":
            done = int(rest)
        if done >= 20 and len(shown) > done + 1:  # mid-answer of question 21
            break
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no chance to clean up
    proc.wait(timeout=30)
    assert proc.returncode == (-signal.SIGKILL if os.name == "posix" else 1)

    store = ConversationStore(db)
    thread = store.thread(conv_id)
    by_id = {m.id: m for m in thread}
    for mid, text in shown.items():  # every partial answer the user saw is on disk
        assert by_id[mid].content.startswith(text)
    questions = [m.content for m in thread if m.role == "user"]
    assert questions[: done + 2] == [f"question {i}" for i in range(done + 2)]
    answers = [m for m in thread if m.role == "assistant"]
    assert all(m.status == "complete" for m in answers[: done + 1])  # the answers that ended
    assert store.recover_interrupted() <= 1  # at most the answer cut off by the kill
    assert store.thread(conv_id)[-1].status in ("stopped", "complete")
    store.close()
