"""A long-lived parser child process with a time and memory limit per file.

A decompression bomb, a cyclic page tree or a parser bug can hang or exhaust only the child: the
parent waits at most ``timeout`` seconds per file, then kills and restarts it and reports the file
as ``timed out`` (or ``damaged``/``too large`` when the child died or ran out of memory).
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import threading
from dataclasses import dataclass

from . import types as T
from .parsers import ParseResult

log = logging.getLogger("assistant.knowledge")

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048
START_TIMEOUT_S = 120.0


def _child_main(conn, memory_mb: int, target: str = "") -> None:
    """Parser child loop: receive (path, password), send back a ParseResult."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time limit still applies
    import logging as _logging

    _logging.getLogger("pypdf").setLevel(_logging.ERROR)  # warnings about broken files are statuses
    from .parsers import parse_file

    if target:  # another parse function "module:function" (tests use this to simulate hostile files)
        import importlib

        mod, _, fn = target.partition(":")
        parse_file = getattr(importlib.import_module(mod), fn)
    conn.send("ready")  # start-up (imports) does not count against the first file's time limit

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, password = job
        try:
            res = parse_file(path, password)
        except MemoryError:
            res = ParseResult(T.TOO_LARGE, f"needs more than {memory_mb} MB of memory to read")
        except RecursionError:
            res = ParseResult(T.DAMAGED, "the file's structure refers to itself endlessly")
        except Exception as e:  # any parser bug becomes a status for this one file
            res = ParseResult(T.DAMAGED, f"{type(e).__name__}: {e}")
        try:
            conn.send(res)
        except MemoryError:
            conn.send(ParseResult(T.TOO_LARGE, "the extracted text is too large"))


@dataclass
class ParserPool:
    """One parser child, started on first use and restarted after a timeout or crash.

    Args:
        timeout: seconds allowed per file.
        memory_mb: address-space limit of the child.
    """

    timeout: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    target: str = ""

    def __post_init__(self) -> None:
        self._proc: mp.process.BaseProcess | None = None
        self._conn = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=_child_main, args=(child, self.memory_mb, self.target), daemon=True,
                                 name="hearth-parser")
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(START_TIMEOUT_S) or parent.recv() != "ready":
            self._kill()
            raise T.KnowledgeError("The document parser process did not start; see the log for details.")

    def _kill(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def parse(self, path: str, password: str | None = None) -> ParseResult:
        """Parse one file in the child, within the time and memory limits."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._kill()
                self._start()
            assert self._conn is not None and self._proc is not None
            try:
                self._conn.send((path, password))
                if self._conn.poll(self.timeout):
                    return self._conn.recv()
                log.warning("parsing %s took longer than %.0f s; restarting the parser", path, self.timeout)
                self._kill()
                return ParseResult(T.TIMED_OUT, f"reading took longer than {self.timeout:.0f} s")
            except (EOFError, OSError, BrokenPipeError) as e:
                code = self._proc.exitcode if self._proc is not None else None
                self._kill()
                log.warning("the parser died on %s (exit %s): %s", path, code, e)
                if code is not None and code < 0:
                    return ParseResult(T.DAMAGED, f"the parser crashed on this file (signal {-code})")
                return ParseResult(T.DAMAGED, "the parser crashed on this file")

    def close(self) -> None:
        """Stop the child."""
        with self._lock:
            if self._conn is not None and self._proc is not None and self._proc.is_alive():
                try:
                    self._conn.send(None)
                    self._proc.join(2)
                except (OSError, BrokenPipeError):
                    pass
            self._kill()
