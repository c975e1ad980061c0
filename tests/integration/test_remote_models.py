"""Remote models on real servers started here on loopback: llama-cpp-python's own OpenAI-compatible
server (``python -m llama_cpp.server``) with SmolLM2, and a second Hearth (``hearth serve``).

Ask, stream, Stop, a wrong key, a server killed mid-answer; the server gets the very messages Hearth
built (the same answer as the openai client sending them itself).
"""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.integration.serve_process import start_hearth_serve

from assistant.core.app import ConversationSettings, Hearth
from assistant.core.engine.remote import RemoteError
from assistant.core.engine.types import Message

pytestmark = [pytest.mark.slow, pytest.mark.network_loopback]

QUESTION = [Message("system", "You are a helpful assistant named Hearth."),
            Message("user", "What is the capital of France?")]
STORY = [Message("user", "Write a long story about a lighthouse keeper and the sea.")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(model, tmp_path, api_key: str | None = None) -> tuple[subprocess.Popen, str]:
    """``python -m llama_cpp.server`` on a free loopback port; returns (process, base URL) once it answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"]
    if api_key:
        cmd += ["--api_key", api_key]
    logf = open(tmp_path / f"llama-server-{port}.log", "wb")
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
    logf.close()
    url = f"http://127.0.0.1:{port}/v1"
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {(tmp_path / f'llama-server-{port}.log').read_text()[-2000:]}")
        try:
            httpx.get(f"{url}/models", timeout=2, headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
            return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("llama_cpp.server did not start within 120 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def llama_server(smollm2_path, tmp_path_factory):
    proc, url = start_llama_server(smollm2_path, tmp_path_factory.mktemp("llama-server"))
    yield url
    stop(proc)


@pytest.fixture
def hearth(hearth_home):
    h = Hearth(hearth_home)
    yield h
    h.close()


def test_ask_a_remote_model_gets_the_same_answer_as_the_openai_client(hearth, llama_server):
    import openai

    hearth.remote_servers.add("box", llama_server)
    reply = hearth.answer(QUESTION, settings=ConversationSettings(model="remote:box"),
                          sampling={"temperature": 0.0, "max_tokens": 24})
    text = reply.run()
    assert "Paris" in text
    assert reply.stats.generated_tokens > 0 and reply.stats.finish_reason in ("stop", "length")
    assert hearth.engine_if_started() is None  # nothing ran locally
    with openai.OpenAI(base_url=llama_server, api_key="unused", max_retries=0, timeout=120) as c:
        direct = c.chat.completions.create(model="any", temperature=0.0, top_p=0.95, max_tokens=24,
                                           messages=[{"role": m.role, "content": m.content} for m in QUESTION])
    assert text == direct.choices[0].message.content  # the server got exactly Hearth's messages


def test_a_stored_chat_streams_in_pieces_and_is_kept(hearth, llama_server):
    hearth.remote_servers.add("box", llama_server)
    conv = hearth.new_conversation(settings=ConversationSettings(model="remote:box", sampling={"max_tokens": 48}))
    reply = hearth.reply(conv.id, "Tell me about the sea in three sentences.")
    arrivals = []
    t0 = time.monotonic()
    for chunk in reply:
        arrivals.append((time.monotonic() - t0, chunk))
    assert len(arrivals) > 5
    assert arrivals[0][0] < arrivals[-1][0] - 0.05  # the first words came before the last: streamed
    stored = [m for m in hearth.store.thread(conv.id) if m.role == "assistant"][-1]
    assert stored.status == "complete" and stored.content == reply.text and len(reply.text) > 20
    assert stored.meta["model"] == "remote:box"


def test_stop_ends_the_answer_at_once_and_the_server_is_free_for_the_next(hearth, llama_server):
    hearth.remote_servers.add("box", llama_server)
    conv = hearth.new_conversation(settings=ConversationSettings(model="remote:box", sampling={"max_tokens": 400}))
    reply = hearth.reply(conv.id, STORY[0].content)
    t_stop = None
    for i, _ in enumerate(reply):
        if i == 5:
            t_stop = time.monotonic()
            reply.cancel()
    assert time.monotonic() - t_stop < 1.0
    assert reply.stats.stopped and reply.stats.generated_tokens < 20
    stored = [m for m in hearth.store.thread(conv.id) if m.role == "assistant"][-1]
    assert stored.status == "stopped" and stored.content == reply.text
    # the server stopped generating the story: the next question is answered promptly
    t0 = time.monotonic()
    nxt = hearth.answer(QUESTION, settings=ConversationSettings(model="remote:box"),
                        sampling={"temperature": 0.0, "max_tokens": 24}).run()
    assert "Paris" in nxt and time.monotonic() - t0 < 30


def test_a_wrong_key_is_said_in_words(hearth, smollm2_path, tmp_path, capsys):
    from assistant.cli import main

    proc, url = start_llama_server(smollm2_path, tmp_path, api_key="the-right-key")
    try:
        hearth.remote_servers.add("locked", url, key="a-wrong-key")
        with pytest.raises(RemoteError) as e:
            hearth.answer(QUESTION, settings=ConversationSettings(model="remote:locked")).run()
        host = url.split("//")[1].split("/")[0]
        assert str(e.value) == f"the server at {host} refused the key"
        assert main(["remote", "check", "locked"]) == 2
        err = capsys.readouterr().err
        assert "refused the key" in err and "--key" in err and "Traceback" not in err
        hearth.remote_servers.add("locked", url, key="the-right-key")
        text = hearth.answer(QUESTION, settings=ConversationSettings(model="remote:locked"),
                             sampling={"temperature": 0.0, "max_tokens": 24}).run()
        assert "Paris" in text
    finally:
        stop(proc)


def test_a_server_killed_mid_answer_is_a_clear_error_without_a_hang(hearth, smollm2_path, tmp_path):
    proc, url = start_llama_server(smollm2_path, tmp_path)
    try:
        hearth.remote_servers.add("fragile", url)
        conv = hearth.new_conversation(settings=ConversationSettings(model="remote:fragile",
                                                                     sampling={"max_tokens": 400}))
        reply = hearth.reply(conv.id, STORY[0].content)
        got = 0
        t_kill = None
        with pytest.raises(RemoteError) as e:
            for _ in reply:
                got += 1
                if got == 3:
                    proc.kill()
                    t_kill = time.monotonic()
        assert time.monotonic() - t_kill < 10
        assert "closed the connection in the middle of the answer" in str(e.value) or \
               "before it was complete" in str(e.value)
        stored = [m for m in hearth.store.thread(conv.id) if m.role == "assistant"][-1]
        assert stored.status == "error" and stored.content.startswith(reply.text[:5])
        # the next question says the server is down, in words, after the retries
        with pytest.raises(RemoteError, match="could not reach the server at .* \\(connection refused\\)"):
            hearth.reply(conv.id, "Are you there?").run()
    finally:
        stop(proc)


def test_a_second_hearth_serves_as_the_remote(hearth, tmp_path, smollm2_path):
    proc, url = start_hearth_serve(tmp_path / "other-home")
    try:
        hearth.remote_servers.add("hearth2", url)
        assert smollm2_path.stem in hearth.engine_for("remote:hearth2").list_models()
        reply = hearth.answer(QUESTION, settings=ConversationSettings(model=f"remote:hearth2/{smollm2_path.stem}"),
                              sampling={"temperature": 0.0, "max_tokens": 24})
        text = reply.run()
        assert "Paris" in text
        # a Hearth server reports usage: the prompt size comes from it, not from counting
        assert reply.stats.prompt_tokens > 10 and reply.stats.generated_tokens > 0
        assert hearth.ensure_model(f"remote:hearth2/{smollm2_path.stem}").name.startswith(smollm2_path.stem)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_retrieval_and_citations_work_the_same_with_a_remote_model(hearth, llama_server, tmp_path):
    import openai

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "dovra.txt").write_text(
        "The 2021 census of Dovra counted 18,245 residents. Dovra lies on the river Kell.\n", encoding="utf-8")
    hearth.knowledge.index("towns", [docs])
    hearth.remote_servers.add("box", llama_server)
    conv = hearth.new_conversation(settings=ConversationSettings(model="remote:box", collection="towns"))

    def read_from_scratch():
        # The server reuses the longest prompt prefix it still holds; re-reading only the last token
        # of the same prompt takes llama.cpp's one-token path, which rounds differently and can flip
        # a near tie at temperature 0. Another prompt first makes both calls read theirs in full.
        with openai.OpenAI(base_url=llama_server, api_key="unused", max_retries=0, timeout=120) as c:
            c.chat.completions.create(model="any", max_tokens=1, messages=[{"role": "user", "content": "Hello"}])

    read_from_scratch()
    reply = hearth.reply(conv.id, "How many residents did the 2021 census of Dovra count?",
                         sampling={"temperature": 0.0, "max_tokens": 40})
    text = reply.run()
    assert "18,245" in reply.messages[-1].content  # the passage went into the newest user turn
    assert reply.citations and reply.citations[0]["source_path"].endswith("dovra.txt")
    stored = [m for m in hearth.store.thread(conv.id) if m.role == "assistant"][-1]
    assert stored.citations == reply.citations
    read_from_scratch()
    with openai.OpenAI(base_url=llama_server, api_key="unused", max_retries=0, timeout=120) as c:
        direct = c.chat.completions.create(model="any", temperature=0.0, top_p=0.95, max_tokens=40,
                                           messages=[{"role": m.role, "content": m.content} for m in reply.messages])
    # the model's own words (a wrong number would make balanced grounding answer "not found" instead)
    assert (reply.raw_text or text) == direct.choices[0].message.content
