"""A model on another server: :class:`RemoteEngine` speaks OpenAI's chat API over HTTP.

It has the surface of :class:`~assistant.core.engine.process.EngineProcess` that the facade uses
(``load`` → :class:`ModelFacts`, ``chat`` → a stream, ``cancel``, ``facts``, ``close``), so a
remote model is one more engine behind :class:`assistant.core.app.Hearth`: Hearth builds the
prompt (system prompt, history, retrieved passages), and the server gets exactly those messages.

The answer streams over server-sent events (``httpx``). A reader thread receives it, so Stop ends
the answer at once whatever the network does, and it shuts the connection so the server stops
generating too. Connect errors are retried with backoff (nothing was sent yet); read errors are
not (the server may already be generating). While a request runs, the network guard lets exactly
this server's host through. Errors are in words: "the server at HOST refused the key", "HOST did
not answer in 30 s".
"""
from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
from typing import Any, Iterator

import httpx

from assistant.core import netguard
from assistant.core.engine.remote_servers import NeedsConsent, RemoteServer, parse_model
from assistant.core.engine.types import (AdapterError, AdapterSpec, AnswerStats, EngineError, LoadOptions, Message,
                                         ModelError, ModelFacts, SamplingParams)

log = logging.getLogger("assistant.engine")

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0  # the longest wait for the next bytes (the first token included)
CONNECT_TRIES = 3
BACKOFF_S = 0.5  # then 1 s, 2 s...
_POLL_S = 0.05


class RemoteError(EngineError):
    """A model server could not be used; the message names the host and why."""


def _fix_key(server: RemoteServer) -> str:
    return f"set the key again with `hearth remote add {server.name} --url {server.url} --key`"


class RemoteStream:
    """An answer streamed from a server: iterate for text chunks; ``stats`` is set when it ends.

    Same surface as :class:`~assistant.core.engine.process.ChatStream`: ``cancel()`` (the partial
    text stays, ``stats.stopped`` is True), ``drain()``, ``finished``.
    """

    def __init__(self, engine: "RemoteEngine", body: dict[str, Any], conversation_id: str | None) -> None:
        self._engine = engine
        self._body = body
        self.conversation_id = conversation_id
        self.stats: AnswerStats | None = None
        self.text = ""
        self.chunks = 0
        self._items: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._cancelled = threading.Event()
        self._done = False
        self._response: httpx.Response | None = None
        self._resp_lock = threading.Lock()
        self._t0 = time.monotonic()
        self._ttft: float | None = None
        self._usage: dict[str, Any] = {}
        self._finish_reason = ""
        self._thread = threading.Thread(target=self._read, name="hearth-remote-answer", daemon=True)
        self._thread.start()

    # -- the reader thread ------------------------------------------------------------------
    def _read(self) -> None:
        try:
            with netguard.allow_hosts([self._engine.server.hostname]):
                self._engine._with_connect_retries(self._stream_once, self._cancelled)
            self._items.put(("end", None))
        except BaseException as e:  # handed to the consumer, which raises it in words
            self._items.put(("error", e))

    def _stream_once(self) -> None:
        eng = self._engine
        with eng.client.stream("POST", "/chat/completions", json=self._body, headers=eng.headers()) as resp:
            with self._resp_lock:
                self._response = resp
            if self._cancelled.is_set():
                return
            if resp.status_code >= 400:
                resp.read()
                raise eng.http_error(resp)
            ended = False
            for line in resp.iter_lines():
                if self._cancelled.is_set():
                    return
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    ended = True
                    break
                try:
                    event = json.loads(data)
                except ValueError:
                    raise RemoteError(f"the server at {eng.server.host} sent something that is not an answer "
                                      f"({data[:80]!r})") from None
                if not isinstance(event, dict):
                    continue
                if event.get("error"):
                    err = event["error"]
                    msg = err.get("message") if isinstance(err, dict) else str(err)
                    raise RemoteError(f"the server at {eng.server.host} stopped the answer: {msg}")
                if isinstance(event.get("usage"), dict):
                    self._usage = event["usage"]
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") or {}
                    text = delta.get("content")
                    if text:
                        if self._ttft is None:
                            self._ttft = time.monotonic() - self._t0
                        self.chunks += 1
                        self._items.put(("chunk", text))
                    if choice.get("finish_reason"):
                        self._finish_reason = choice["finish_reason"]
            if not ended and not self._finish_reason and not self._cancelled.is_set():
                raise RemoteError(f"the server at {eng.server.host} ended the answer before it was complete")

    # -- the consumer -----------------------------------------------------------------------
    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while not self._done:
            if self._cancelled.is_set():
                self._end(stopped=True)
                break
            try:
                kind, value = self._items.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            if kind == "chunk":
                self.text += value
                return value
            if kind == "end":
                self._end(stopped=self._cancelled.is_set())
                break
            self._end(stopped=False)
            if self._cancelled.is_set():
                break
            raise self._engine.in_words(value)
        raise StopIteration

    def _end(self, stopped: bool) -> None:
        self._done = True
        total = time.monotonic() - self._t0
        ttft = self._ttft if self._ttft is not None else total
        usage = self._usage
        generated = int(usage.get("completion_tokens") or 0) or self.chunks
        gen_time = total - ttft
        self.stats = AnswerStats(
            prompt_tokens=int(usage.get("prompt_tokens") or 0), generated_tokens=generated, ttft_s=ttft,
            tokens_per_s=(generated / gen_time) if gen_time > 0 and generated > 1 else 0.0, total_s=total,
            stopped=stopped, finish_reason="cancelled" if stopped else (self._finish_reason or "stop"),
            conversation_id=self.conversation_id)
        self._engine._stream_done(self)

    def cancel(self) -> None:
        """Stop the answer now; the connection is shut so the server stops generating."""
        if self._cancelled.is_set():
            return
        self._cancelled.set()
        with self._resp_lock:
            resp = self._response
        if resp is not None:
            _shut(resp)

    def drain(self) -> None:
        """Consume the rest (after a cancel the stream ends at once)."""
        try:
            for _ in self:
                pass
        except EngineError:
            pass  # the answer ended in an error; the stream is finished either way

    @property
    def finished(self) -> bool:
        return self._done


def _shut(resp: httpx.Response) -> None:
    """Shut the response's socket: a reader blocked on it wakes up, and the server sees the close."""
    stream = resp.extensions.get("network_stream")
    sock = None
    try:
        sock = stream.get_extra_info("socket") if stream is not None else None
    except Exception:  # noqa: BLE001 - a transport without a socket (tests): closing is enough
        sock = None
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the other side


class RemoteEngine:
    """Models on one OpenAI-compatible server (llama.cpp's server, vLLM, Ollama, LM Studio, a Hearth).

    Args:
        server: the server's record (name, URL, default model).
        key: its API key (None: sent without one).
        may_send: asked before each chat whether text may go to the server (see :class:`NeedsConsent`);
            None = always.
        read_timeout, connect_timeout: seconds.
        transport: an ``httpx`` transport (tests).
    """

    def __init__(self, server: RemoteServer, key: str | None = None, *, may_send: Any = None,
                 read_timeout: float = READ_TIMEOUT_S, connect_timeout: float = CONNECT_TIMEOUT_S,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.server = server
        self._key = key
        self._may_send = may_send
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.client = httpx.Client(base_url=server.url.rstrip("/") + "/", transport=transport, trust_env=False,
                                   timeout=httpx.Timeout(read_timeout, connect=connect_timeout))
        self._facts: ModelFacts | None = None
        self._model_id = ""
        self._active: RemoteStream | None = None
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def _with_connect_retries(self, fn: Any, cancelled: threading.Event | None = None) -> Any:
        """Run ``fn``; retry on connect errors only (nothing reached the server), with backoff."""
        delay = BACKOFF_S
        for attempt in range(1, CONNECT_TRIES + 1):
            try:
                return fn()
            except (httpx.ConnectError, httpx.ConnectTimeout) as e:
                if attempt == CONNECT_TRIES or (cancelled is not None and cancelled.is_set()):
                    raise
                log.info("could not connect to %s (%s); trying again in %.1f s", self.server.host, e, delay)
                if cancelled is not None:
                    if cancelled.wait(delay):
                        raise
                else:
                    time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def http_error(self, resp: httpx.Response) -> RemoteError:
        """An HTTP error status in words."""
        host = self.server.host
        detail = ""
        try:
            body = resp.json()
            err = body.get("error") if isinstance(body, dict) else None
            detail = (err.get("message") if isinstance(err, dict) else err) or body.get("detail") or ""
        except (ValueError, AttributeError):
            detail = resp.text[:200]
        if resp.status_code in (401, 403):
            if self._key:
                return RemoteError(f"the server at {host} refused the key", fix=_fix_key(self.server))
            return RemoteError(f"the server at {host} needs a key and none is set", fix=_fix_key(self.server))
        if resp.status_code == 404 and self._model_id:
            return RemoteError(f"the server at {host} has no model {self._model_id!r} ({detail or 'not found'})",
                               fix=f"see the models it has with `hearth remote check {self.server.name}`")
        return RemoteError(f"the server at {host} answered HTTP {resp.status_code}"
                           + (f": {str(detail)[:300]}" if detail else ""))

    def in_words(self, e: BaseException) -> BaseException:
        """Any error of a request, as an error in words (errors already in words pass through)."""
        host = self.server.host
        if isinstance(e, EngineError) or not isinstance(e, Exception):
            return e
        if isinstance(e, httpx.ConnectTimeout):
            out = RemoteError(f"{host} did not answer in {self.connect_timeout:g} s",
                              fix="check that the server is on and reachable from this computer")
        elif isinstance(e, httpx.ConnectError):
            out = RemoteError(f"could not reach the server at {host} ({_reason(e)})",
                              fix="check that the server is running and the address is right "
                                  f"(`hearth remote check {self.server.name}`)")
        elif isinstance(e, httpx.ReadTimeout):
            out = RemoteError(f"{host} did not answer in {self.read_timeout:g} s")
        elif isinstance(e, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            out = RemoteError(f"the server at {host} closed the connection in the middle of the answer ({_reason(e)})")
        elif isinstance(e, netguard.NetworkBlocked):
            out = RemoteError(f"the network guard refused the connection to {host}: {e}")
        elif isinstance(e, httpx.HTTPError):
            out = RemoteError(f"talking to the server at {host} failed: {_reason(e)}")
        else:
            return e
        out.__cause__ = e
        return out

    def _get(self, path: str) -> Any:
        def once() -> httpx.Response:
            return self.client.get(path, headers=self.headers())

        try:
            with netguard.allow_hosts([self.server.hostname]):
                resp = self._with_connect_retries(once)
        except Exception as e:
            raise self.in_words(e) from None
        if resp.status_code >= 400:
            raise self.http_error(resp)
        try:
            return resp.json()
        except ValueError:
            raise RemoteError(f"the server at {self.server.host} is not an OpenAI-compatible server "
                              f"({path} did not answer JSON)", fix="the URL must end in the API's base, e.g. /v1") from None

    # -- the engine surface -----------------------------------------------------------------
    def list_models(self) -> list[str]:
        """The ids of the models the server offers (``GET /models``)."""
        body = self._get("models")
        data = body.get("data") if isinstance(body, dict) else None
        return [str(m["id"]) for m in data or [] if isinstance(m, dict) and m.get("id")]

    @property
    def facts(self) -> ModelFacts | None:
        return self._facts

    @property
    def loaded_model(self) -> str | None:
        return self._facts.path if self._facts else None

    def load(self, model: str, options: LoadOptions | None = None, timeout: float | None = None) -> ModelFacts:
        """Check the server and pick the model (nothing is loaded here: the server has it).

        Args:
            model: ``remote:NAME`` or ``remote:NAME/MODEL_ID``.
            options: local load options; only adapters matter (refused: they need a local model).

        Raises:
            AdapterError: adapters were asked for.
            NeedsConsent: the server is off this machine and the user has not agreed yet (asked before
                any contact, so nothing is sent, not even a name look-up).
            RemoteError: the server cannot be reached, refuses the key, or lacks the model.
        """
        if options is not None and options.adapters:
            self.set_adapters(options.adapters)
        self._check_consent()
        if self._facts is not None and self._facts.path == model:
            return self._facts
        _, model_id = parse_model(model)
        model_id = model_id or self.server.model
        ids = self.list_models()
        if not model_id:
            if not ids:
                raise ModelError(f"the server at {self.server.host} offers no model")
            model_id = ids[0]
        elif ids and model_id not in ids:
            raise ModelError(f"the server at {self.server.host} has no model {model_id!r} "
                             f"(it has: {', '.join(ids[:10])})",
                             fix=f"choose one of those, e.g. remote:{self.server.name}/{ids[0]}")
        self._model_id = model_id
        self._facts = ModelFacts(path=model, name=f"{model_id} (runs on {self.server.host})", architecture="remote",
                                 parameters=None, quantization="", context_length=0, size_bytes=0,
                                 has_chat_template=True, model_type="remote")
        return self._facts

    def chat(self, messages: list[Message], sampling: SamplingParams | None = None,
             conversation_id: str | None = None) -> RemoteStream:
        """Start an answer on the server; iterate the returned stream for text.

        Raises:
            NeedsConsent: the server is off this machine and the user has not agreed to send text there.
            ModelError: no model was chosen (call :meth:`load` first).
        """
        self._check_consent()
        if not self._model_id:
            raise ModelError(f"no model was chosen on the server at {self.server.host}")
        s = sampling or SamplingParams()
        body: dict[str, Any] = {
            "model": self._model_id, "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": s.temperature, "top_p": s.top_p, "max_tokens": s.max_tokens}
        if s.stop:
            body["stop"] = list(s.stop)
        if s.seed is not None and s.seed >= 0:
            body["seed"] = s.seed
        with self._lock:
            if self._active is not None and not self._active.finished:
                self._active.cancel()
            stream = RemoteStream(self, body, conversation_id)
            self._active = stream
        return stream

    def _check_consent(self) -> None:
        if self._may_send is not None and not self._may_send():
            raise NeedsConsent(self.server)

    def _stream_done(self, stream: RemoteStream) -> None:
        with self._lock:
            if self._active is stream:
                self._active = None

    def cancel(self) -> None:
        """Stop the current answer (the request is closed)."""
        stream = self._active
        if stream is not None:
            stream.cancel()

    def set_adapters(self, adapters: list[AdapterSpec]) -> list[dict[str, Any]]:
        """Adapters need a local model: refused with a clear error (an empty list is fine)."""
        if adapters:
            raise AdapterError(f"LoRA adapters need a local model; remote:{self.server.name} runs on "
                               f"{self.server.host}", fix="remove the adapters from this chat, or choose a local model")
        return []

    def unload(self) -> None:
        self._facts = None
        self._model_id = ""

    def close(self) -> None:
        """Stop an answer in progress and close the connections."""
        self.cancel()
        self.client.close()

    def __enter__(self) -> "RemoteEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(e: BaseException) -> str:
    text = str(e).strip()
    low = text.lower()
    if "refused" in low:
        return "connection refused"
    if "name or service not known" in low or "nodename nor servname" in low or "getaddrinfo" in low:
        return "unknown host name"
    return text or type(e).__name__
