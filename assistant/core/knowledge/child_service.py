"""An object that lives in a child process, its methods called from here as if it were local.

The window's process must never hold the interpreter lock long: its GUI thread needs it every few
milliseconds. Some libraries keep the lock through long native calls (ONNX Runtime's import and
session making, 50-90 ms; Chroma's Rust bindings through every call: an upsert of 128 chunks held
it 500 ms while the window streamed an answer, a ``count`` waiting behind a write 100 ms and
more). In a child they hold the child's lock; the parent waits for the reply in the OS, holding
nothing.

:class:`ChildService` spawns a child that makes the object (``target(*args)``, a module-level
callable) and answers ``(method, args, kwargs)`` requests until its pipe closes (Hearth gone,
even killed). It runs below Hearth's priority (:func:`.onnx_export.lower_priority`): its own
interpreter lock makes that safe (a thread of the window's process must not run lower: preempted
while it holds the window's lock, it makes the window wait). A child that dies is started again on
the next call; a call it dies in raises :class:`KnowledgeError` saying what stopped and how.
"""
from __future__ import annotations

import logging
import pickle
import signal
import threading
from typing import Any, Callable

from .types import KnowledgeError

log = logging.getLogger("assistant.knowledge")


class ChildService:
    """One object made and called in a spawned child process; calls are taken one at a time.

    Args:
        target: makes the object in the child (module-level, so it pickles by name); it may have a
            ``hello()`` method whose value is returned by :meth:`start` (sizes, versions).
        args: for ``target`` (picklable).
        name: the child's process name ("hearth-embedder").
        what: the object in words, for errors and logs ("the embedding model in /path").
        failed: makes the exception raised for an error inside the child, from its text and, when
            it could be sent, the exception itself.

    Raises:
        KnowledgeError: (making it, or any call) the child stopped; or what ``failed`` makes.
    """

    def __init__(self, target: Callable[..., Any], args: tuple, *, name: str, what: str,
                 failed: Callable[[str, BaseException | None], BaseException]) -> None:
        self._target, self._args, self.name, self.what, self._failed = target, args, name, what, failed
        self._lock = threading.Lock()
        self._conn: Any = None
        self._proc: Any = None
        self.starts = 0
        self.hello: Any = None

    def start(self) -> Any:
        """Start the child now (calls start it when needed); returns its ``hello()``."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            return self.hello

    def _start(self) -> None:
        import multiprocessing

        from assistant.core.engine import launcher

        if self._conn is not None:
            self._conn.close()  # the pipe of a child that died between calls
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=serve, args=(child, self._target, self._args), name=self.name, daemon=True)
        launcher.run(proc.start)  # from Hearth's priority: a background job's would add to the child's
        child.close()
        self._conn, self._proc = parent, proc
        self.starts += 1
        self.hello = self._reply()
        log.info("%s runs in process %s", self.what, proc.pid)

    def _reply(self) -> Any:
        try:
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(5)
            code = self._proc.exitcode
            how = (signal.Signals(-code).name if code is not None and code < 0 and -code in signal.valid_signals()
                   else f"exit status {code}")
            self._conn.close()
            raise KnowledgeError(f"The process for {self.what} stopped ({how}); it starts again on the next use.") \
                from None
        if kind == "error":
            text, blob = value
            try:
                original = pickle.loads(blob) if blob is not None else None
            except Exception:  # noqa: BLE001 - an exception type this process cannot rebuild: its text will do
                original = None
            raise self._failed(text, original)
        return value

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``method(*args, **kwargs)`` on the object in the child; its value, or its error raised here."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                if self._proc is not None:
                    log.warning("the process for %s had stopped: starting it again", self.what)
                self._start()
            try:
                self._conn.send((method, args, kwargs))
            except (OSError, ValueError):  # the pipe broke: the child is gone; _reply says how
                pass
            return self._reply()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def close(self) -> None:
        """End the child (it also ends by itself when this process does)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            if self._proc is not None:
                self._proc.join(5)
                if self._proc.is_alive():
                    self._proc.kill()


def _error(e: BaseException) -> tuple[str, bytes | None]:
    try:
        blob: bytes | None = pickle.dumps(e)
        pickle.loads(blob)  # some exceptions pickle but cannot be rebuilt
    except Exception:  # noqa: BLE001 - the text alone goes
        blob = None
    return f"{type(e).__name__}: {e}", blob


def serve(conn: Any, target: Callable[..., Any], args: tuple) -> None:
    """The child: make the object, then answer ``(method, args, kwargs)`` requests until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is for the parent to handle
    from .onnx_export import lower_priority

    lower_priority()  # before the object makes its threads: they inherit it
    try:
        obj = target(*args)
        hello = obj.hello() if hasattr(obj, "hello") else None
    except Exception as e:  # noqa: BLE001 - said to the parent, which raises it
        conn.send(("error", _error(e)))
        return
    conn.send(("ok", hello))
    while True:
        try:
            method, a, kw = conn.recv()
        except (EOFError, OSError):
            return  # Hearth closed the pipe, or ended
        try:
            conn.send(("ok", getattr(obj, method)(*a, **kw)))
        except Exception as e:  # noqa: BLE001 - said to the parent, which raises it
            conn.send(("error", _error(e)))
