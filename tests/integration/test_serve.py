"""`hearth serve`: the official openai client against a real server on loopback, with SmolLM2.

One in-process server (the same :class:`LocalServer` the window starts) serves most tests; one test
starts the real `hearth serve` process as a user would.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from tests.integration.serve_process import start_hearth_serve

pytestmark = [pytest.mark.slow, pytest.mark.network_loopback]

QUESTION = [{"role": "system", "content": "You are a helpful assistant named Hearth."},
            {"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A Hearth (own home, one indexed collection) and a server on a free loopback port."""
    from assistant.core.app import Hearth
    from assistant.server import LocalServer

    home = tmp_path_factory.mktemp("serve-home")
    docs = home / "docs"
    docs.mkdir()
    (docs / "dovra.txt").write_text(
        "The 2021 census of Dovra counted 18,245 residents. Dovra lies on the river Kell.\n", encoding="utf-8")
    hearth = Hearth(home)
    hearth.knowledge.index("towns", [docs])
    server = LocalServer(hearth, "127.0.0.1", 0, max_queue=32, wait_timeout=600).start()
    yield hearth, server
    server.stop()
    hearth.close()


@pytest.fixture
def client(served):
    import openai

    _, server = served
    with openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=300) as c:
        yield c


def test_models_lists_the_default_model(client, smollm2_path):
    ids = [m.id for m in client.models.list().data]
    assert smollm2_path.stem in ids


def test_chat_not_streamed_says_paris_with_usage(client):
    r = client.chat.completions.create(model="any", messages=QUESTION, temperature=0, max_tokens=24)
    assert "Paris" in r.choices[0].message.content
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage.prompt_tokens > 5 and r.usage.completion_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_chat_streamed_says_paris_and_reports_usage(client):
    stream = client.chat.completions.create(model="any", messages=QUESTION, temperature=0, max_tokens=24,
                                            stream=True, stream_options={"include_usage": True})
    text, usage, finish = "", None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for ch in chunk.choices:
            text += ch.delta.content or ""
            finish = ch.finish_reason or finish
    assert "Paris" in text
    assert finish in ("stop", "length")
    assert usage is not None and usage.completion_tokens > 0


def test_stop_sequence_and_max_tokens_are_honoured(client):
    r = client.chat.completions.create(model="any", messages=[{"role": "user", "content": "Count from 1 to 20."}],
                                       temperature=0, max_tokens=3)
    assert r.usage.completion_tokens <= 3 and r.choices[0].finish_reason == "length"


def test_embeddings_have_the_embedder_dimension(client):
    r = client.embeddings.create(model="any", input=["a cat on a mat", "a dog in a fog"])
    assert len(r.data) == 2 and len(r.data[0].embedding) == 384
    assert r.data[0].embedding != r.data[1].embedding


def test_collection_answer_comes_with_citations(client):
    r = client.chat.completions.create(
        model="any", messages=[{"role": "user", "content": "How many residents did the 2021 census of Dovra count?"}],
        temperature=0, max_tokens=40, extra_body={"collection": "towns"})
    body = r.model_dump()
    assert body["citations"], body
    assert body["citations"][0]["source_path"].endswith("dovra.txt")
    assert "18,245" in body["citations"][0]["snippet"]


def test_collections_endpoint_lists_them(served):
    import httpx

    _, server = served
    data = httpx.get(server.url + "/collections", timeout=30).json()["data"]
    assert [c["name"] for c in data] == ["towns"]


def test_unknown_collection_is_an_openai_error_in_words(client):
    import openai

    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="any", messages=[{"role": "user", "content": "hi"}],
                                       extra_body={"collection": "nope"})
    assert "nope" in str(e.value)


def test_disconnect_mid_stream_frees_the_engine_within_a_second(served, client):
    hearth, _ = served
    stream = client.chat.completions.create(model="any", temperature=0.8, seed=3, max_tokens=400, stream=True,
                                            messages=[{"role": "user", "content": "Write a long story about a fox."}])
    got = 0
    for chunk in stream:
        got += 1
        if got >= 3:
            break
    assert hearth._turn.locked()  # the answer was still going
    stream.close()  # the client goes away
    t0 = time.monotonic()
    while hearth._turn.locked() and time.monotonic() - t0 < 5:
        time.sleep(0.02)
    assert not hearth._turn.locked()
    assert time.monotonic() - t0 < 1.5


def test_twenty_concurrent_streams_all_complete_unmixed(client, served, monkeypatch):
    hearth, _ = served
    replies: list = []  # every answer the server asked Hearth for, as Hearth wrote it
    answer = hearth.answer

    def recorded(messages, **kw):
        reply = answer(messages, **kw)
        replies.append((messages[-1].content, reply))
        return reply

    monkeypatch.setattr(hearth, "answer", recorded)
    prompts = ["Name a colour.", "Name a fruit.", "Name an animal.", "Name a city."]
    results: dict[int, tuple[str, set]] = {}
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            stream = client.chat.completions.create(
                model="any", temperature=0, max_tokens=12, stream=True,
                messages=[{"role": "user", "content": prompts[i % 4]}])
            text, ids = "", set()
            for chunk in stream:
                ids.add(chunk.id)
                for ch in chunk.choices:
                    text += ch.delta.content or ""
            results[i] = (text, ids)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert not errors, errors
    assert len(results) == 20
    assert all(len(ids) == 1 for _, ids in results.values())
    # Each stream carries one whole answer Hearth wrote to its own question, and nothing else. (The
    # answers to one question may differ: a prompt read after another one reuses its cached start,
    # and llama.cpp rounds that differently from a fresh read, which can tip a greedy near-tie.)
    assert len(replies) == 20
    for p in range(4):
        streamed = sorted(results[i][0] for i in range(p, 20, 4))
        written = sorted(r.text for q, r in replies if q == prompts[p])
        assert streamed == written and all(t.strip() for t in streamed), prompts[p]


def test_queue_full_gets_429_with_retry_after(tmp_path, smollm2_path):
    import openai

    from assistant.core.app import Hearth
    from assistant.server import LocalServer

    hearth = Hearth(tmp_path / "home")
    server = LocalServer(hearth, "127.0.0.1", 0, max_queue=1).start()
    try:
        with openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=300) as c:
            long = [{"role": "user", "content": "Write a long story about a fox."}]
            first = c.chat.completions.create(model="any", messages=long, max_tokens=400, stream=True)
            next(iter(first))  # answering now
            waiting = threading.Thread(target=lambda: c.chat.completions.create(
                model="any", messages=long, max_tokens=2), daemon=True)
            waiting.start()
            t0 = time.monotonic()
            while server_in_flight(server) < 2 and time.monotonic() - t0 < 10:
                time.sleep(0.02)
            with pytest.raises(openai.RateLimitError) as e:
                c.chat.completions.create(model="any", messages=long, max_tokens=2)
            assert e.value.response.headers.get("retry-after")
            first.close()
            waiting.join(120)
    finally:
        server.stop()
        hearth.close()


def server_in_flight(server) -> int:
    return server._server.config.app.state.hearth.in_flight


def test_other_address_needs_a_key_and_refuses_requests_without_it(tmp_path):
    import openai

    from assistant.core.app import Hearth
    from assistant.core.errors import HearthError
    from assistant.server import LocalServer

    hearth = Hearth(tmp_path / "home")
    with pytest.raises(HearthError, match="API key"):
        LocalServer(hearth, "0.0.0.0", 0)
    server = LocalServer(hearth, "0.0.0.0", 0, api_key="sekrit").start()
    try:
        url = f"http://127.0.0.1:{server.port}/v1"
        with openai.OpenAI(base_url=url, api_key="wrong", max_retries=0) as c:
            with pytest.raises(openai.AuthenticationError):
                c.models.list()
        with openai.OpenAI(base_url=url, api_key="sekrit", max_retries=0) as c:
            assert c.models.list().data
    finally:
        server.stop()
        hearth.close()


def test_hearth_serve_process(tmp_path, smollm2_path):
    """The real command: it prints its URL, answers, and stops on SIGINT."""
    import openai

    proc, url = start_hearth_serve(tmp_path / "home", stdout=subprocess.PIPE)
    try:
        with openai.OpenAI(base_url=url, api_key="x", max_retries=0, timeout=300) as c:
            r = c.chat.completions.create(model=smollm2_path.stem, messages=QUESTION, temperature=0, max_tokens=24)
        assert "Paris" in r.choices[0].message.content
    finally:
        proc.send_signal(2)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("hearth serve did not stop on Ctrl-C")


def test_hearth_serve_on_other_address_without_key_exits_with_reason(tmp_path):
    env = {**os.environ, "HEARTH_HOME": str(tmp_path / "home")}
    r = subprocess.run([sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0", "--port", "0"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "API key" in r.stderr and "--new-key" in r.stderr and "Traceback" not in r.stderr
