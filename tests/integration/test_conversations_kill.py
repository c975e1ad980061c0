"""Killing the app (SIGKILL) at any moment loses nothing already committed, and the answer it was
writing shows as "interrupted" (with Regenerate) when Hearth opens again, not "streaming" for ever."""
from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

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
    # opening the store marked the answer cut off by the kill (if it had not ended just before)
    assert store.thread(conv_id)[-1].status in ("interrupted", "complete")
    assert not [m for m in store.messages(conv_id) if m.status == "streaming"]
    assert store.recover_interrupted() == 0
    store.close()


HOLDER = textwrap.dedent("""
    import sys, time
    from assistant.core.conversations import ConversationStore
    store = ConversationStore(sys.argv[1])
    conv = store.create("cut off")
    store.add_message(conv.id, "user", "Tell me about otters")
    m = store.add_message(conv.id, "assistant", "", status="streaming")
    store.update_message(m.id, content="Otters hold hands while they sleep")
    print(conv.id, m.id, flush=True)
    time.sleep(600)
""")


def test_answer_being_written_when_killed_shows_as_interrupted_after_restart(tmp_path):
    db = tmp_path / "conv.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    conv_id, msg_id = proc.stdout.readline().split()
    with ConversationStore(db) as live:  # while it runs, another Hearth leaves its answer alone
        assert live.message(msg_id).status == "streaming"
    proc.kill()
    proc.wait(timeout=30)
    with ConversationStore(db) as store:  # "restart"
        answer = store.thread(conv_id)[-1]
        assert (answer.id, answer.status) == (msg_id, "interrupted")
        assert answer.content == "Otters hold hands while they sleep"
        assert "interrupted" in store.export_markdown(conv_id)


REAL_ANSWER = textwrap.dedent("""
    import sys
    from assistant.core.app import Hearth
    hearth = Hearth()
    conv = hearth.store.create("story", settings={"sampling": {"max_tokens": 2000, "temperature": 0.8}})
    print("CONV", conv.id, flush=True)
    for chunk in hearth.reply(conv.id, "Write a very long story about a lighthouse keeper and his cat."):
        print("TEXT", repr(chunk), flush=True)
    print("DONE", flush=True)
""")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="kills a process group with SIGKILL")
def test_kill_9_during_a_real_answer_then_restart_shows_it_interrupted(paths):
    from assistant.core.models import embedded

    if embedded.default_chat_model() is None:
        pytest.skip("the embedded SmolLM2 model is not installed")
    # the whole app, model worker included, dies at once: its own session, killed as a group
    proc = subprocess.Popen([sys.executable, "-c", REAL_ANSWER], stdout=subprocess.PIPE, text=True,
                            start_new_session=True, env=dict(os.environ))
    assert proc.stdout is not None
    conv_id, shown, first = "", "", None
    try:
        for line in proc.stdout:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "CONV":
                conv_id = rest
            elif kind == "TEXT":
                shown += ast.literal_eval(rest)
                first = first or time.monotonic()
                if time.monotonic() - first > 2.0:  # a few partial saves have happened
                    break
            elif kind == "DONE":
                pytest.fail("the answer ended before it could be interrupted")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert conv_id and shown.strip()
    with ConversationStore(paths.conversations_db) as store:  # the next start of Hearth
        question, answer = store.thread(conv_id)
        assert answer.status == "interrupted"
        # the text saved so far is kept: the last partial save may be behind what was shown, or ahead
        # of it (the answer ran on while this test stopped reading, before the kill landed)
        saved = answer.content
        assert saved.strip() and (shown.startswith(saved) or saved.startswith(shown)), (saved, shown)
        exported = json.loads(json.dumps(store.export_json(conv_id)))
        assert exported["messages"][-1]["status"] == "interrupted"
