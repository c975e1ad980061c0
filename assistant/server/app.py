"""Face 3: an OpenAI-compatible HTTP API on the core facade (FastAPI).

Endpoints (OpenAI's shapes, so the official clients work):

- ``GET /v1/models``: the models Hearth can answer with.
- ``POST /v1/chat/completions``: streamed (SSE) or not; ``temperature``, ``top_p``, ``max_tokens``
  (or ``max_completion_tokens``), ``stop``, ``seed``, ``stream_options.include_usage``.
- ``POST /v1/embeddings``: vectors from the knowledge base's embedder.

Hearth's own additions:

- ``collection`` (a field of the chat request): answer from that document collection; the
  response carries ``citations`` (a list of {number, source_path, page, snippet, cited}) and
  ``support`` (each answer sentence: {text, start, end, supported, checked, source, reason}) at the
  top level (in the last chunk when streaming).
- ``GET /v1/collections``: the collections, with their file and chunk counts.
- ``conversation_id`` (a field of the chat request, optional): keeps the model's state for that
  conversation warm; without it, requests that share the same first turns share a key.

Answers queue for the one engine. Past ``max_queue`` waiting requests the server answers 429
with ``Retry-After``; a request that waits longer than ``wait_timeout`` gets 503. A client that
disconnects cancels its answer at once. Errors use OpenAI's JSON error body.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets as pysecrets
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict

from assistant.core.app import ConversationSettings, Hearth
from assistant.core.engine.types import Message
from assistant.core.errors import Busy, HearthError, in_words

log = logging.getLogger("assistant.server")

_DONE = object()


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: Any = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[ChatMessage]
    stream: bool = False
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    stream_options: StreamOptions | None = None
    collection: str | None = None
    conversation_id: str | None = None


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    input: str | list[str]
    model: str | None = None


def error_body(message: str, kind: str = "invalid_request_error", code: str | None = None,
               param: str | None = None) -> dict:
    """OpenAI's error shape."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _error_response(e: BaseException) -> JSONResponse:
    if isinstance(e, HearthError):
        headers = {"Retry-After": "2"} if isinstance(e, Busy) else None
        return JSONResponse(error_body(e.in_words(), e.code, e.code), status_code=e.http_status, headers=headers)
    log.exception("unexpected error while serving a request", exc_info=e)
    return JSONResponse(error_body(in_words(e), "server_error", "internal_error"), status_code=500)


def _text_of(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise HearthError("a message's content must be a string or a list of text parts")


def _conversation_key(model: str, msgs: list[Message], given: str | None) -> str:
    if given:
        return "api-" + hashlib.sha256(given.encode()).hexdigest()[:24]
    head = [(m.role, m.content) for m in msgs[:2]]
    return "api-" + hashlib.sha256(json.dumps([model, head]).encode()).hexdigest()[:24]


class ServerState:
    """What the routes share: the facade, the queue count and the limits."""

    def __init__(self, hearth: Hearth, api_key: str | None, max_queue: int, wait_timeout: float) -> None:
        self.hearth = hearth
        self.api_key = api_key
        self.max_queue = max_queue
        self.wait_timeout = wait_timeout
        self.in_flight = 0
        self.lock = threading.Lock()
        self._ids: tuple[float, list[tuple[str, str]]] = (0.0, [])

    def enter(self) -> None:
        with self.lock:
            if self.in_flight >= self.max_queue + 1:  # one answering, max_queue waiting
                raise Busy(f"{self.in_flight} requests are already waiting for the model; try again shortly")
            self.in_flight += 1

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def model_ids(self, max_age_s: float = 5.0) -> list[tuple[str, str]]:
        """(id, path) of each model: the default first, then the registered ones.

        Listing reads every model's GGUF header (tens of milliseconds each), so the list is kept
        for a few seconds: a chat request does not pay for it again.
        """
        when, ids = self._ids
        if ids and time.monotonic() - when < max_age_s:
            return ids
        out: list[tuple[str, str]] = []
        try:
            default = self.hearth.default_model_path()
            out.append((Path(default).stem, default))
        except HearthError:
            pass
        try:
            for m in self.hearth.models.list():
                if m.facts is not None and str(m.path) not in {p for _, p in out}:
                    out.append((m.path.stem, str(m.path)))
        except Exception as e:  # a broken registry must not break the model list
            log.warning("could not list registered models: %s", e)
        self._ids = (time.monotonic(), out)
        return out

    def resolve_model(self, requested: str | None) -> str:
        """A request's ``model``: a listed id, else a path to an existing GGUF, else the default."""
        ids = self.model_ids()
        if requested:
            for mid, path in ids:
                if requested in (mid, path):
                    return path
            if requested.endswith(".gguf") and Path(requested).is_file():
                return requested
        if not ids:
            return self.hearth.default_model_path()  # raises the "no model" error in words
        return ids[0][1]


def create_app(hearth: Hearth, *, api_key: str | None = None, cors_origins: list[str] | None = None,
               max_queue: int = 16, wait_timeout: float = 300.0) -> FastAPI:
    """The API on ``hearth``.

    Args:
        hearth: the core facade (shared with the window when it runs there).
        api_key: when set, every request needs ``Authorization: Bearer <api_key>``.
        cors_origins: browser origins allowed to call the API (none by default: CORS off).
        max_queue: requests that may wait for the engine; more get 429.
        wait_timeout: seconds a request may wait for the engine before it gets 503.
    """
    state = ServerState(hearth, api_key, max_queue, wait_timeout)
    app = FastAPI(title="Hearth", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hearth = state
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])

    @app.middleware("http")
    async def check_key(request: Request, call_next: Any) -> Any:
        if state.api_key and request.method != "OPTIONS":
            given = request.headers.get("authorization", "")
            token = given[7:].strip() if given.lower().startswith("bearer ") else ""
            if not pysecrets.compare_digest(token.encode(), state.api_key.encode()):
                return JSONResponse(error_body("a valid API key is required (Authorization: Bearer KEY)",
                                               "invalid_request_error", "invalid_api_key"), status_code=401)
        return await call_next(request)

    @app.exception_handler(HearthError)
    async def hearth_error(_: Request, e: HearthError) -> JSONResponse:
        return _error_response(e)

    @app.exception_handler(Exception)
    async def any_error(_: Request, e: Exception) -> JSONResponse:
        return _error_response(e)

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return JSONResponse(error_body(f"invalid request: {where}: {first.get('msg', 'malformed')}",
                                       param=where or None), status_code=400)

    @app.get("/v1/models")
    async def models() -> dict:
        ids = await asyncio.to_thread(state.model_ids, 0.0)
        return {"object": "list", "data": [{"id": mid, "object": "model", "created": 0, "owned_by": "hearth"}
                                            for mid, _ in ids]}

    @app.get("/v1/collections")
    async def collections() -> dict:
        infos = await asyncio.to_thread(lambda: state.hearth.knowledge.list_collections())
        return {"object": "list", "data": [{"object": "collection", **_plain(asdict(c))} for c in infos]}

    @app.post("/v1/embeddings")
    async def embeddings(req: EmbeddingRequest) -> dict:
        texts = [req.input] if isinstance(req.input, str) else list(req.input)
        if not texts or not all(isinstance(t, str) for t in texts):
            raise HearthError("input must be a string or a list of strings")
        kb = state.hearth.knowledge

        def run() -> tuple[Any, int, str]:
            emb = kb.embedder
            vecs = emb.embed(texts)
            tokens = sum(emb.count_tokens(t) for t in texts)
            return vecs, tokens, getattr(emb, "name", "embedder")

        vecs, tokens, name = await asyncio.to_thread(run)
        return {"object": "list", "model": name,
                "data": [{"object": "embedding", "index": i, "embedding": [float(x) for x in v]}
                         for i, v in enumerate(vecs)],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat(req: ChatRequest, request: Request) -> Any:
        msgs = [Message(m.role, _text_of(m.content)) for m in req.messages if m.role in ("system", "user", "assistant")]
        if not msgs or msgs[-1].role != "user":
            raise HearthError("the last message must be from the user", fix=None)
        model = await asyncio.to_thread(state.resolve_model, req.model)
        cs = ConversationSettings(model=model, collection=req.collection or "")
        sampling: dict[str, Any] = {}
        for key in ("temperature", "top_p", "seed"):
            if getattr(req, key) is not None:
                sampling[key] = getattr(req, key)
        max_tokens = req.max_completion_tokens or req.max_tokens
        if max_tokens is not None:
            sampling["max_tokens"] = max_tokens
        if req.stop:
            sampling["stop"] = [req.stop] if isinstance(req.stop, str) else list(req.stop)
        state.enter()
        try:
            reply = await asyncio.to_thread(
                state.hearth.answer, msgs, settings=cs, sampling=sampling,
                conversation_key=_conversation_key(model, msgs, req.conversation_id))
        except BaseException:
            state.leave()
            raise
        reply.turn_timeout = state.wait_timeout
        run = _Run(reply, state)
        try:
            await run.started()  # queued, then the model loaded: errors so far are plain HTTP errors
        except BaseException:
            run.abandon()
            raise
        cid = "chatcmpl-" + uuid.uuid4().hex
        created = int(time.time())
        name = Path(model).stem
        if req.stream:
            usage = bool(req.stream_options and req.stream_options.include_usage)
            return StreamingResponse(_sse(run, request, cid, created, name, usage),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        try:
            async for _ in run.chunks(request):
                pass
        finally:
            run.abandon()
        if reply.error is not None and not reply.text:
            return _error_response(reply.error)
        body = {"id": cid, "object": "chat.completion", "created": created, "model": name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                             "finish_reason": _finish_reason(reply)}],
                "usage": _usage(reply)}
        if req.collection:
            body["citations"] = reply.citations
            body["support"] = reply.sentences
        return body

    return app


def _plain(d: dict) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}


def _finish_reason(reply: Any) -> str:
    reason = (reply.stats.finish_reason if reply.stats else "") or "stop"
    return "length" if reason == "length" else "stop"


def _usage(reply: Any) -> dict:
    p = reply.stats.prompt_tokens if reply.stats else 0
    c = reply.stats.generated_tokens if reply.stats else 0
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


class _Run:
    """A :class:`Reply` generated on a worker thread, its chunks handed to the event loop."""

    def __init__(self, reply: Any, state: ServerState) -> None:
        self.reply = reply
        self.state = state
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue()
        self._started = self.loop.create_future()
        self._left = False
        reply.on_start = lambda: self.loop.call_soon_threadsafe(self._set_started)
        self.thread = threading.Thread(target=self._work, name="hearth-serve-answer", daemon=True)
        self.thread.start()

    def _set_started(self) -> None:
        if not self._started.done():
            self._started.set_result(None)

    def _fail_start(self, e: BaseException) -> None:
        if not self._started.done():
            self._started.set_exception(e)

    def _work(self) -> None:
        try:
            for chunk in self.reply:
                self.loop.call_soon_threadsafe(self.queue.put_nowait, chunk)
        except BaseException as e:  # reported to the client, in words
            self.loop.call_soon_threadsafe(self._fail_start, e)
            self.loop.call_soon_threadsafe(self.queue.put_nowait, e)
        finally:
            self.loop.call_soon_threadsafe(self._set_started)  # a cancelled wait ends "started" too
            self.loop.call_soon_threadsafe(self.queue.put_nowait, _DONE)
            self.loop.call_soon_threadsafe(self._leave)

    def _leave(self) -> None:
        if not self._left:
            self._left = True
            self.state.leave()

    async def started(self) -> None:
        await self._started

    async def chunks(self, request: Request) -> AsyncIterator[str]:
        """The answer's text chunks; a client that goes away cancels the answer."""
        while True:
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout=0.25)
            except asyncio.TimeoutError:
                if await request.is_disconnected():
                    self.reply.cancel()
                    return
                continue
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                return  # reply.error holds it
            yield item

    def abandon(self) -> None:
        """The client is gone (or the response ended): stop the answer if it still runs."""
        self.reply.cancel()


async def _sse(run: _Run, request: Request, cid: str, created: int, model: str, usage: bool) -> AsyncIterator[str]:
    def event(delta: dict, finish: str | None = None, **extra: Any) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    reply = run.reply
    try:
        yield event({"role": "assistant", "content": ""})
        async for chunk in run.chunks(request):
            yield event({"content": chunk})
        if reply.error is not None:
            e = reply.error
            msg = e.in_words() if isinstance(e, HearthError) else in_words(e)
            yield f"data: {json.dumps(error_body(msg, 'server_error', 'answer_failed'))}\n\n"
        else:
            extra = {"citations": reply.citations, "support": reply.sentences} if reply.settings.collection else {}
            yield event({}, _finish_reason(reply), **extra)
            if usage:
                body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                        "choices": [], "usage": _usage(reply)}
                yield f"data: {json.dumps(body)}\n\n"
        yield "data: [DONE]\n\n"
    finally:  # also when the client disconnects and the response is cancelled
        run.abandon()
