"""Remote models: the engine that talks to an OpenAI-compatible server, the server registry, the CLI.

A scripted SSE server on loopback (real sockets, real httpx) plays the remote; the integration
tests (tests/integration/test_remote_models.py) use llama-cpp-python's own server and a second Hearth.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from assistant.core import netguard, secrets
from assistant.core.app import ConversationSettings, Hearth
from assistant.core.engine import remote as remote_mod
from assistant.core.engine.remote import RemoteEngine, RemoteError
from assistant.core.engine.remote_servers import NeedsConsent, RemoteServer, RemoteServers, key_name, parse_model
from assistant.core.engine.types import AdapterError, Message, ModelError, SamplingParams
from assistant.core.errors import HearthError, NotFound

pytestmark = pytest.mark.network_loopback


class Script:
    """How the scripted server behaves (set by each test)."""

    def __init__(self):
        self.key = None
        self.models = ["tiny-1", "tiny-2"]
        self.words = ["Hello", " from", " the", " box", "."]
        self.usage = None  # a dict to send a usage chunk
        self.mode = "normal"  # normal | silent | die | endless
        self.delay = 0.0
        self.bodies = []
        self.posts = 0
        self.client_gone = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):  # quiet
        pass

    @property
    def script(self) -> Script:
        return self.server.script

    def _authorized(self) -> bool:
        if self.script.key is None:
            return True
        if self.headers.get("Authorization") == f"Bearer {self.script.key}":
            return True
        self._json(401, {"error": {"message": "Invalid API key", "type": "invalid_request_error"}})
        return False

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if not self._authorized():
            return
        self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in self.script.models]})

    def _event(self, body):
        self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
        self.wfile.flush()

    def do_POST(self):
        s = self.script
        s.posts += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        s.bodies.append(body)
        if not self._authorized():
            return
        if s.mode == "silent":
            time.sleep(3)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            words = s.words
            if s.mode == "endless":
                words = (f" w{i}" for i in range(100000))
            for i, w in enumerate(words):
                if s.mode == "die" and i == 2:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._event({"choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]})
                time.sleep(s.delay)
            self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if s.usage:
                self._event({"choices": [], "usage": s.usage})
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            s.client_gone.set()


@pytest.fixture
def box():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.script = Script()
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield server
    server.shutdown()
    server.server_close()


def engine_for(box, key=None, **kw):
    return RemoteEngine(RemoteServer("box", box.url), key, **kw)


QUESTION = [Message("system", "Be brief."), Message("user", "Say hello.")]


def test_answer_streams_the_servers_text_with_its_usage(box):
    box.script.usage = {"prompt_tokens": 21, "completion_tokens": 9, "total_tokens": 30}
    with engine_for(box) as eng:
        facts = eng.load("remote:box")
        assert facts.name.startswith("tiny-1") and "runs on 127.0.0.1" in facts.name
        stream = eng.chat(QUESTION, SamplingParams(temperature=0.2, max_tokens=40, seed=7, stop=["\n\n"]))
        chunks = list(stream)
    assert "".join(chunks) == "Hello from the box."
    assert stream.stats.generated_tokens == 9 and stream.stats.prompt_tokens == 21
    assert stream.stats.finish_reason == "stop" and not stream.stats.stopped and stream.finished
    sent = box.script.bodies[0]
    assert sent["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}]
    assert sent["model"] == "tiny-1" and sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert (sent["temperature"], sent["max_tokens"], sent["seed"], sent["stop"]) == (0.2, 40, 7, ["\n\n"])


def test_without_usage_the_chunks_are_counted(box):
    with engine_for(box) as eng:
        eng.load("remote:box/tiny-2")
        stream = eng.chat(QUESTION)
        list(stream)
    assert stream.stats.generated_tokens == 5
    assert box.script.bodies[0]["model"] == "tiny-2"


def test_a_model_the_server_lacks_is_named_with_the_ones_it_has(box):
    with engine_for(box) as eng, pytest.raises(ModelError) as e:
        eng.load("remote:box/huge-70b")
    assert "huge-70b" in str(e.value) and "tiny-1, tiny-2" in str(e.value)


def test_wrong_key_and_missing_key_are_said_in_words(box):
    box.script.key = "right"
    with engine_for(box, "wrong") as eng, pytest.raises(RemoteError) as e:
        eng.load("remote:box")
    assert str(e.value) == f"the server at 127.0.0.1:{box.server_address[1]} refused the key"
    assert "--key" in e.value.fix
    with engine_for(box) as eng, pytest.raises(RemoteError, match="needs a key"):
        eng.load("remote:box")
    with engine_for(box, "right") as eng:
        eng.load("remote:box")
        assert "".join(eng.chat(QUESTION)) == "Hello from the box."


def test_a_silent_server_times_out_in_words(box):
    with engine_for(box, read_timeout=0.5) as eng:
        eng.load("remote:box")
        box.script.mode = "silent"
        t0 = time.monotonic()
        with pytest.raises(RemoteError) as e:
            list(eng.chat(QUESTION))
    assert "did not answer in 0.5 s" in str(e.value)
    assert time.monotonic() - t0 < 3
    assert box.script.posts == 1  # a read timeout is not retried: the server may be generating


def test_server_gone_mid_answer_is_a_clear_error_and_not_retried(box):
    with engine_for(box) as eng:
        eng.load("remote:box")
        box.script.mode = "die"
        stream = eng.chat(QUESTION)
        got = []
        with pytest.raises(RemoteError) as e:
            for c in stream:
                got.append(c)
    assert got == ["Hello", " from"]
    assert "before it was complete" in str(e.value) or "closed the connection" in str(e.value)
    assert box.script.posts == 1


def test_stop_ends_the_answer_at_once_and_closes_the_request(box):
    box.script.mode, box.script.delay = "endless", 0.02
    with engine_for(box) as eng:
        eng.load("remote:box")
        stream = eng.chat(QUESTION)
        it = iter(stream)
        first = [next(it) for _ in range(3)]
        t0 = time.monotonic()
        stream.cancel()
        rest = list(it)
        assert time.monotonic() - t0 < 0.5
    assert first == [" w0", " w1", " w2"] and len(rest) <= 1
    assert stream.stats.stopped and stream.stats.finish_reason == "cancelled"
    assert box.script.client_gone.wait(5), "the server kept streaming to nobody"


def test_connect_errors_are_retried_with_backoff(monkeypatch):
    monkeypatch.setattr(remote_mod, "BACKOFF_S", 0.2)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    server = None

    def come_up_late():
        nonlocal server
        time.sleep(0.3)
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.script = Script()
        threading.Thread(target=server.serve_forever, daemon=True).start()

    threading.Thread(target=come_up_late).start()
    try:
        with RemoteEngine(RemoteServer("box", f"http://127.0.0.1:{port}/v1")) as eng:
            assert eng.list_models() == ["tiny-1", "tiny-2"]  # it came up during the backoff
    finally:
        time.sleep(0.35)
        if server is not None:
            server.shutdown()
            server.server_close()


def test_a_server_that_is_down_is_said_in_words_after_the_retries(monkeypatch):
    monkeypatch.setattr(remote_mod, "BACKOFF_S", 0.05)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with RemoteEngine(RemoteServer("box", f"http://127.0.0.1:{port}/v1")) as eng, pytest.raises(RemoteError) as e:
        eng.list_models()
    assert str(e.value) == f"could not reach the server at 127.0.0.1:{port} (connection refused)"


def test_adapters_need_a_local_model(box):
    with engine_for(box) as eng, pytest.raises(AdapterError, match="LoRA adapters need a local model"):
        eng.set_adapters([__import__("assistant.core.engine.types", fromlist=["AdapterSpec"]).AdapterSpec("a.gguf")])


def test_the_guard_opens_exactly_the_servers_host_while_talking_to_it():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, netguard._host_allowed("gpu-box.invalid"), netguard._host_allowed("other.invalid")))
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": [{"id": "big"}]})
        return httpx.Response(200, text='data: {"choices":[{"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n'
                                        "data: [DONE]\n\n")

    server = RemoteServer("gpu", "http://gpu-box.invalid:8080/v1", consented=True)
    with RemoteEngine(server, transport=httpx.MockTransport(handler)) as eng:
        eng.load("remote:gpu")
        assert "".join(eng.chat(QUESTION)) == "hi"
    assert seen == [("gpu-box.invalid", True, False)] * 2
    assert not netguard._host_allowed("gpu-box.invalid")  # closed again afterwards


# -- the facade --------------------------------------------------------------------------------
@pytest.fixture
def hearth(hearth_home):
    h = Hearth(hearth_home)
    yield h
    h.close()


def test_a_stored_chat_on_a_remote_model_sends_hearths_prompt_and_keeps_the_answer(hearth, box):
    hearth.remote_servers.add("box", box.url)
    conv = hearth.new_conversation(settings=ConversationSettings(model="remote:box", system_prompt="You are terse."))
    reply = hearth.reply(conv.id, "Say hello.")
    assert reply.run() == "Hello from the box."
    stored = [m for m in hearth.store.thread(conv.id) if m.role == "assistant"][-1]
    assert stored.content == "Hello from the box." and stored.status == "complete"
    assert box.script.bodies[-1]["messages"] == [{"role": "system", "content": "You are terse."},
                                                 {"role": "user", "content": "Say hello."}]
    assert hearth.engine_if_started() is None  # no local model process was started


def test_stop_through_the_facade_keeps_the_partial_answer(hearth, box):
    box.script.mode, box.script.delay = "endless", 0.02
    hearth.remote_servers.add("box", box.url)
    conv = hearth.new_conversation(settings=ConversationSettings(model="remote:box"))
    reply = hearth.reply(conv.id, "Go on forever.")
    for i, _ in enumerate(reply):
        if i == 3:
            reply.cancel()
    stored = [m for m in hearth.store.thread(conv.id) if m.role == "assistant"][-1]
    assert stored.status == "stopped" and stored.content.startswith(" w0 w1 w2 w3")


def test_a_server_off_this_machine_needs_consent_once(hearth, offline, monkeypatch):
    hearth.remote_servers.add("gpu", "http://gpu-box.invalid:8080/v1")
    reply = hearth.answer([Message("user", "a secret question")], settings=ConversationSettings(model="remote:gpu"))
    with pytest.raises(NeedsConsent) as e:
        reply.run()
    assert "gpu-box.invalid:8080" in str(e.value) and "hearth remote allow gpu" in e.value.fix
    assert offline.attempts == []  # nothing was sent, not even a name look-up
    hearth.remote_servers.allow("gpu")
    assert hearth.remote_servers.get("gpu").may_send
    monkeypatch.setattr(RemoteEngine, "load", lambda self, model, options=None: "ok")
    assert hearth.engine_for("remote:gpu").load("remote:gpu") == "ok"  # no longer refused


def test_adapters_on_a_remote_chat_are_refused_in_words(hearth, box):
    hearth.remote_servers.add("box", box.url)
    cs = ConversationSettings(model="remote:box", adapters=[{"path": "/x/style.gguf", "scale": 1.0}])
    with pytest.raises(AdapterError) as e:
        hearth.answer([Message("user", "hi")], settings=cs).run()
    assert "need a local model" in str(e.value) and "127.0.0.1" in str(e.value)


def test_an_unknown_server_is_named(hearth):
    with pytest.raises(NotFound, match="no model server called 'nope'"):
        hearth.answer([Message("user", "hi")], settings=ConversationSettings(model="remote:nope")).run()


# -- the registry and the CLI ------------------------------------------------------------------
def test_registry_keeps_the_key_in_the_keyring_only(paths, memory_keyring):
    servers = RemoteServers(paths)
    servers.add("box", "http://gpu-box:8080/v1/", model="llama-70b", key="s3cret")
    s = servers.get("box")
    assert (s.url, s.model, s.has_key, s.host, s.on_this_machine) == (
        "http://gpu-box:8080/v1", "llama-70b", True, "gpu-box:8080", False)
    assert s.key() == "s3cret" and "s3cret" not in servers.file.read_text()
    servers.remove("box")
    assert servers.list() == [] and secrets.get_secret(key_name("box")) is None
    with pytest.raises(HearthError, match="not a server address"):
        servers.add("x", "gpu-box:8080")
    with pytest.raises(HearthError, match="cannot name a server"):
        servers.add("a/b", "http://h/v1")


def test_model_names_may_carry_a_model_id_with_slashes():
    assert parse_model("remote:box") == ("box", "")
    assert parse_model("remote:box/meta-llama/Llama-3-8B") == ("box", "meta-llama/Llama-3-8B")


def test_cli_add_list_check_allow_remove(box, capsys, monkeypatch, memory_keyring):
    from assistant.cli import main

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "k-123")
    box.script.key = "k-123"
    assert main(["remote", "add", "box", "--url", box.url, "--key"]) == 0
    assert "Added remote:box (on this computer) with its key in the keyring" in capsys.readouterr().out
    assert main(["remote", "check", "box"]) == 0
    out = capsys.readouterr().out
    assert "remote:box/tiny-1" in out and "remote:box/tiny-2" in out
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["remote", "add", "gpu", "--url", "http://gpu-box.invalid:8080/v1"]) == 0
    out = capsys.readouterr().out
    assert "hearth remote allow gpu" in out
    assert main(["remote", "list", "--json"]) == 0
    listed = {s["name"]: s for s in json.loads(capsys.readouterr().out)["servers"]}
    assert listed["box"]["allowed"] and listed["box"]["has_key"] and not listed["gpu"]["allowed"]
    assert main(["remote", "allow", "gpu"]) == 0
    assert main(["remote", "remove", "gpu"]) == 0
    capsys.readouterr()
    assert main(["remote", "check", "gpu"]) == 1
    assert "no model server called 'gpu'" in capsys.readouterr().err


def test_cli_add_asks_before_a_server_off_this_machine(capsys, monkeypatch):
    from assistant.cli import main

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    assert main(["remote", "add", "gpu", "--url", "http://gpu-box.invalid:8080/v1"]) == 0
    assert "gpu-box.invalid:8080 is not this computer" in capsys.readouterr().err
    assert main(["remote", "add", "gpu2", "--url", "http://10.1.2.3:8080/v1", "--yes"]) == 0
    from assistant.core import paths

    servers = RemoteServers(paths.resolve())
    assert servers.get("gpu").may_send and servers.get("gpu2").may_send
