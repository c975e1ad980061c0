"""The parent side of the engine: :class:`EngineProcess` runs the model in a child process.

A bad model file, a llama.cpp abort or an out-of-memory kill takes down the child, not the app:
the caller gets :class:`EngineCrashed` with the reason in words, and the next call starts a new
child and reloads the last model. No Qt here: the GUI calls this from a worker thread.

Stop never depends on the child's good will: an answer ends within :data:`STOP_ACK_S` of a
cancel whatever the child is doing (loading, rendering a chat template, reading the prompt,
generating); a child that has not acknowledged the cancel :data:`KILL_AFTER_S` after it is
killed, and the next request restarts it and says why. :meth:`EngineProcess.close` returns
within a few seconds even when the child is stuck in native code or an endless loop.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from multiprocessing.connection import wait
from typing import Any, Iterator

from assistant.core.adapters.validation import validate_adapter
from assistant.core.engine import launcher
from assistant.core.engine.types import (AdapterSpec, AnswerStats, EngineCrashed, EngineError, LoadOptions,
                                         Message, ModelFacts, SamplingParams)

log = logging.getLogger("assistant.engine")

STOP_ACK_S = 0.75  # an answer ends this long after Stop at the latest, acknowledged by the child or not
KILL_AFTER_S = 5.0  # a child that has not acknowledged a Stop this long after it is killed
CLOSE_GRACE_S = 1.0  # close(): time for each step (the child's own exit, SIGTERM, SIGKILL)
_POLL_S = 0.05

_SIGNALS = {signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "llama.cpp aborted",
            signal.SIGKILL: "it was killed, perhaps for running out of memory",
            signal.SIGTERM: "it was terminated", getattr(signal, "SIGBUS", -999): "bus error",
            signal.SIGFPE: "arithmetic error", signal.SIGILL: "illegal instruction (a build for another CPU?)"}


def crash_reason(exitcode: int | None) -> str:
    """Say in words why the model process ended."""
    if exitcode is None:
        return "the model process stopped responding"
    if exitcode < 0:
        try:
            sig = signal.Signals(-exitcode)
            what = _SIGNALS.get(sig, sig.name)
        except ValueError:
            what = f"signal {-exitcode}"
        return f"the model process crashed ({what})"
    return f"the model process exited unexpectedly (exit code {exitcode})"


class ChatStream:
    """An answer being streamed: iterate for text chunks; ``stats`` is set when it ends.

    ``cancel()`` stops it within one token (or one prompt slice), and within
    :data:`STOP_ACK_S` at the latest even when the worker does not respond; the text already
    yielded is the partial answer and ``stats.stopped`` is True.
    """

    def __init__(self, engine: "EngineProcess", conversation_id: str | None = None, notice: str = "") -> None:
        self._engine = engine
        self.stats: AnswerStats | None = None
        self.text = ""
        self.chunks = 0
        self.conversation_id = conversation_id
        self._notice = notice  # why the worker was restarted before this answer, if it was
        self._done = False
        self._owner = threading.get_ident()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._done:
            raise StopIteration
        kind, value = self._engine._recv_stream_item(self)
        if kind == "chunk":
            self.text += value
            self.chunks += 1
            return value
        self._finish()
        if kind == "ok":
            if self._notice and not value.restart_reason:
                value.restart_reason = self._notice
            self.stats = value
            raise StopIteration
        raise value

    def cancel(self) -> None:
        """Stop the answer; the partial text stays."""
        if not self._done:
            self._engine._request_stop()

    def _finish(self) -> None:
        self._done = True
        self._engine._stream_done(self)

    def drain(self) -> None:
        """Consume the rest (after a cancel) so the engine is free for the next request."""
        try:
            for _ in self:
                pass
        except EngineError:
            pass  # the request ended in an error; the stream is finished either way

    @property
    def finished(self) -> bool:
        return self._done

    def __del__(self) -> None:  # an abandoned stream must not block the engine
        if not self._done and threading.get_ident() == self._owner:
            try:
                self.cancel()
                self.drain()
            except Exception:  # interpreter shutdown: nothing left to free
                pass


class EngineProcess:
    """One model in one child process.

    Args:
        log_file: where the worker logs (default: Hearth's log file).
        start_timeout: seconds to wait for a restarted worker to reload the model.
        runtime: ``"module:Class"`` owning the model in the worker; tests pass a scripted fake.

    Attributes:
        restarts: how many times a dead or unresponsive worker was replaced.
        restart_reason: why the worker was last killed for not responding (an
            :class:`EngineError` in words), or None; the next answer's
            ``stats.restart_reason`` says it too.
    """

    def __init__(self, log_file: str | None = None, start_timeout: float = 120.0,
                 runtime: str = "assistant.core.engine.runtime:ModelRuntime") -> None:
        self._mp = multiprocessing.get_context("spawn")
        self._cancel_event = self._mp.Event()
        self._abort_wait = threading.Event()
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._proc: Any = None
        self._conn: Any = None
        self._active: ChatStream | None = None
        self._log_file = log_file
        self._start_timeout = start_timeout
        self._runtime = runtime
        self._last: tuple[str, LoadOptions] | None = None
        self._facts: ModelFacts | None = None
        self._cancel_at: float | None = None  # when the current answer was asked to stop
        self._owed_until: float | None = None  # a stopped answer's end is still owed by the worker until then
        self._closing = False
        self._notice = ""  # for the next answer's stats
        self.restarts = 0
        self.restart_reason: EngineError | None = None

    # -- process management -----------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.is_alive() else None

    @property
    def facts(self) -> ModelFacts | None:
        """Facts of the loaded model, or None."""
        return self._facts

    @property
    def loaded_model(self) -> str | None:
        """Path of the loaded model, or None."""
        return self._last[0] if self._last and self._facts else None

    def _start(self) -> None:
        from assistant.core.engine.worker import worker_main

        parent, child = self._mp.Pipe(duplex=True)
        self._proc = self._mp.Process(target=worker_main, name="hearth-engine", daemon=True,
                                      args=(child, self._cancel_event, self._log_file, self._runtime))
        launcher.run(self._proc.start)  # at Hearth's priority, not a background job's
        child.close()
        self._conn = parent
        log.info("engine worker %s started", self._proc.pid)

    def _ensure_worker(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        self._stop_process()
        self._start()
        if self._last is not None:  # the worker died: bring back the model the user had
            self.restarts += 1
            path, options = self._last
            log.info("restarting the engine and reloading %s", path)
            self._facts = None
            self._facts = self._call("load", {"model_path": path, "options": options}, self._start_timeout)

    def _stop_process(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._proc = None

    def _crashed(self) -> EngineCrashed:
        proc = self._proc
        code = None
        if proc is not None:
            proc.join(2)
            code = proc.exitcode
        self._stop_process()
        self._active = None
        reason = crash_reason(code)
        log.error("%s", reason)
        return EngineCrashed(f"{reason}. Hearth is still running; the next question restarts the model.")

    # -- stopping an answer the worker does not give up ------------------------------------------
    def _request_stop(self) -> None:
        if self._cancel_at is None:
            self._cancel_at = time.monotonic()
        self._cancel_event.set()

    def _stop_locally(self, stream: ChatStream) -> tuple[str, Any]:
        """End ``stream`` as stopped without the worker; the worker still owes the real end."""
        t0 = self._cancel_at if self._cancel_at is not None else time.monotonic()
        if self._proc is not None and self._owed_until is None:
            self._owed_until = t0 + KILL_AFTER_S
            threading.Thread(target=self._watchdog, name="hearth-engine-watchdog", daemon=True).start()
        log.info("the answer was stopped before the model process acknowledged it")
        return "ok", AnswerStats(stopped=True, finish_reason="cancelled", generated_tokens=stream.chunks,
                                 conversation_id=stream.conversation_id)

    def _watchdog(self) -> None:
        """Read the end of a stopped answer in the background, or kill the worker at the deadline."""
        try:
            while self._owed_until is not None:
                if self._lock.acquire(timeout=0.5):
                    try:  # one poll at a time: the stopped stream's own thread needs the lock to finish
                        self._settle(once=True)
                    finally:
                        self._lock.release()
                    time.sleep(_POLL_S / 5)  # let a thread waiting for the lock have it
        except Exception:  # a background thread: the log keeps the reason, the next request retries
            log.exception("the engine watchdog failed")

    def _settle(self, limit: float | None = None, once: bool = False) -> None:
        """Wait (lock held) until the worker ends the answer it owes; kill it at the deadline.

        Args:
            limit: wait at most this long (the worker is then killed); None: until the deadline.
            once: poll the worker once and return (the deadline still kills it).
        """
        if self._owed_until is None:
            return
        deadline = self._owed_until if limit is None else min(self._owed_until, time.monotonic() + limit)
        while self._owed_until is not None:
            conn, proc = self._conn, self._proc
            if conn is None or proc is None:
                self._owed_until = None
                return
            left = deadline - time.monotonic()
            if left <= 0 or (self._closing and limit is None):
                self._kill_unresponsive()
                return
            ready = wait([conn, proc.sentinel], min(_POLL_S, left))
            if conn in ready:
                try:
                    kind, _ = conn.recv()
                except (EOFError, OSError):
                    ready = [proc.sentinel]
                else:
                    if kind != "chunk":  # the worker acknowledged the stop; it is free again
                        self._owed_until = None
                    if once:
                        return
                    continue
            if ready:  # the worker died while stopping: the next request starts a new one
                log.warning("%s while stopping an answer", crash_reason(proc.exitcode))
                self._stop_process()
                self._owed_until = None
            if once:
                return

    def _kill_unresponsive(self) -> None:
        self._owed_until = None
        self._stop_process()
        if self._closing:
            return
        err = EngineError(f"The model process did not respond to Stop within {KILL_AFTER_S:.0f} s (it may be stuck "
                          "in a chat template or in llama.cpp), so Hearth ended it; the model is loaded again "
                          "for the next question.")
        log.warning("%s", err)
        self.restart_reason = err
        self._notice = str(err)

    # -- request plumbing ---------------------------------------------------------------------
    def _send(self, op: str, kwargs: dict[str, Any]) -> None:
        try:
            self._conn.send((op, kwargs))
        except (BrokenPipeError, OSError, EOFError, AttributeError):
            raise self._crashed() from None

    def _recv(self, timeout: float | None, stream: ChatStream | None = None) -> tuple[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            conn, proc = self._conn, self._proc
            if conn is None or proc is None:
                if stream is not None and (self._closing or self._cancel_event.is_set()):
                    return self._stop_locally(stream)
                raise EngineError("the model process was stopped before it answered.")
            if stream is not None and self._cancel_event.is_set():
                t0 = self._cancel_at if self._cancel_at is not None else time.monotonic()
                self._cancel_at = t0
                if self._closing or time.monotonic() - t0 >= STOP_ACK_S:
                    return self._stop_locally(stream)
            ready = wait([conn, proc.sentinel], _POLL_S)
            if conn in ready:
                try:
                    return conn.recv()
                except (EOFError, OSError):
                    raise self._crashed() from None
            if ready:  # only the sentinel: the process is gone
                raise self._crashed()
            if stream is not None:
                continue
            if self._abort_wait.is_set() or (deadline is not None and time.monotonic() > deadline):
                why = "cancelled" if self._abort_wait.is_set() else f"took longer than {timeout:.0f} s"
                self._stop_process()
                self._facts = None
                raise EngineError(f"the request was stopped: it {why}. The model process was restarted.")

    def _call(self, op: str, kwargs: dict[str, Any], timeout: float | None = None) -> Any:
        self._send(op, kwargs)
        kind, value = self._recv(timeout)
        if kind == "error":
            raise value
        return value

    def _wait_idle(self) -> None:
        """Wait for another thread's answer to finish; abandon our own unfinished one.

        Also settles a stopped answer whose end the worker still owes (killing the worker if it
        does not come by the deadline), so the next request never queues behind a stuck one.
        """
        self._closing = False
        while self._active is not None:
            if self._active._owner == threading.get_ident():
                stream = self._active
                stream.cancel()
                stream.drain()
            else:
                self._idle.wait(0.5)
        self._settle()

    def _request(self, op: str, kwargs: dict[str, Any], timeout: float | None = None) -> Any:
        with self._lock:
            self._wait_idle()
            self._abort_wait.clear()
            self._ensure_worker()
            return self._call(op, kwargs, timeout)

    def _recv_stream_item(self, stream: ChatStream) -> tuple[str, Any]:
        with self._lock:
            if self._active is not stream:  # the engine was closed under it
                return self._stop_locally(stream)
            try:
                return self._recv(None, stream)
            except EngineError as e:
                return "error", e

    def _stream_done(self, stream: ChatStream) -> None:
        with self._lock:
            if self._active is stream:
                self._active = None
            self._idle.notify_all()

    # -- public API ---------------------------------------------------------------------------
    def load(self, model_path: str, options: LoadOptions | None = None, timeout: float | None = None) -> ModelFacts:
        """Load a model in the worker (blocking). ``cancel()`` from another thread stops it.

        Raises:
            ModelError: the file is unusable (checked before llama.cpp sees it).
            AdapterError: an adapter in ``options.adapters`` was refused.
            EngineCrashed: llama.cpp died while loading.
            EngineError: cancelled or timed out.
        """
        options = options or LoadOptions()
        with self._lock:
            self._wait_idle()
            self._abort_wait.clear()
            if self._proc is None or not self._proc.is_alive():
                self._last = None  # a fresh start: do not reload the old model first
                self._stop_process()
                self._start()
            self._facts = None
            facts = self._call("load", {"model_path": str(model_path), "options": options}, timeout)
            self._last = (str(model_path), options)
            self._facts = facts
            return facts

    def chat(self, messages: list[Message], sampling: SamplingParams | None = None,
             conversation_id: str | None = None) -> ChatStream:
        """Start an answer. Iterate the returned stream for text; it raises EngineCrashed if the worker dies.

        Args:
            messages: the conversation (system first if any, newest user message last).
            sampling: sampling settings (defaults if None).
            conversation_id: which conversation this is; switching saves the old one's state.
        """
        with self._lock:
            self._wait_idle()
            self._abort_wait.clear()
            self._ensure_worker()
            self._cancel_event.clear()
            self._cancel_at = None
            self._send("chat", {"messages": list(messages), "sampling": sampling or SamplingParams(),
                                "conversation_id": conversation_id})
            stream = ChatStream(self, conversation_id, self._notice)
            self._notice = ""
            self._active = stream
            return stream

    def cancel(self) -> None:
        """Stop the current answer (within one token, within a second at most) or a load in progress."""
        self._request_stop()
        if self._active is None:
            self._abort_wait.set()

    def set_adapters(self, adapters: list[AdapterSpec]) -> list[dict[str, Any]]:
        """Apply these adapters with these scales (an empty list removes all), without a reload.

        Raises:
            AdapterError: an adapter is invalid for the loaded model; nothing changed.
        """
        if self.loaded_model:
            for a in adapters:
                validate_adapter(a.path, self.loaded_model)
        result = self._request("set_adapters", {"adapters": list(adapters)})
        if self._last is not None:  # a restart after a crash reloads with the same adapters
            path, options = self._last
            from dataclasses import replace

            self._last = (path, replace(options, adapters=[AdapterSpec(a.path, a.scale) for a in adapters]))
        return result

    def unload(self) -> None:
        """Free the model's memory (the worker stays)."""
        if self._proc is None or not self._proc.is_alive():
            self._facts, self._last = None, None
            return
        self._request("unload", {})
        self._facts, self._last = None, None

    def stats(self) -> dict[str, Any]:
        """Load count, model, context size, adapters, saved conversation states."""
        return self._request("stats", {})

    def count_tokens(self, messages: list[Message]) -> list[int]:
        """Token count of each message's text with the loaded model's tokenizer."""
        return self._request("count_tokens", {"messages": list(messages)})

    def forget_cache(self) -> None:
        """Make the next answer read its prompt from the first token (no prefix of the last one reused)."""
        self._request("forget_cache", {})

    def next_token_logits(self, prompt: str) -> list[float]:
        """Logits over the whole vocabulary for the token after ``prompt`` (raw text, no template)."""
        return self._request("next_token_logits", {"prompt": prompt})

    def close(self) -> None:
        """Stop the worker (the model is freed with it) within a few seconds, whatever it is doing.

        The worker is asked to exit (it saves conversation states first); one that does not within
        :data:`CLOSE_GRACE_S` is terminated, then killed. An answer being read in another thread
        ends as stopped.
        """
        self._closing = True
        self._request_stop()
        self._abort_wait.set()  # a load or request waiting on the worker gives up at once
        got = self._lock.acquire(timeout=2 * CLOSE_GRACE_S)
        if not got:  # a thread holds the lock (stuck writing to a worker that does not read): end the worker
            proc = self._proc
            if proc is not None:
                proc.kill()
            got = self._lock.acquire(timeout=2 * CLOSE_GRACE_S)
        if not got:
            log.error("the engine did not close cleanly: a request thread is still busy")
            return
        try:
            self._shutdown()
        finally:
            self._lock.release()

    def _shutdown(self) -> None:
        if self._active is not None:  # its reader ends it as stopped when it next asks for an item
            self._active = None
            self._idle.notify_all()
            if self._proc is not None and self._owed_until is None:
                self._owed_until = time.monotonic() + KILL_AFTER_S
        self._settle(limit=CLOSE_GRACE_S)  # a worker that ends its answer promptly may exit properly
        proc = self._proc
        if proc is not None and proc.is_alive():
            try:
                self._conn.send(("close", {}))
                if self._conn.poll(CLOSE_GRACE_S):
                    self._conn.recv()
                proc.join(CLOSE_GRACE_S)
            except (OSError, EOFError):
                pass  # it is going away regardless
            if proc.is_alive():
                log.warning("the model process did not exit when asked; terminating it")
                proc.terminate()
                proc.join(CLOSE_GRACE_S)
        self._stop_process()
        self._owed_until = None
        self._facts = None

    def __enter__(self) -> "EngineProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
