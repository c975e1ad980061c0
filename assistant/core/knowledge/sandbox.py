"""A long-lived parser child process with time, memory and output limits per file.

A decompression bomb, a cyclic page tree or a parser bug can hang or exhaust only the child. The
limits hold on every platform, not only where ``RLIMIT_AS`` exists:

- the parent waits at most ``timeout`` seconds per file and watches the child's memory with
  psutil; past either limit it kills and restarts the child and reports the file as ``timed out``
  or ``too large``;
- the child keeps its own per-file deadline (a thread on every platform, plus ``SIGALRM`` where it
  exists, which needs no interpreter lock) and exits when its parent is gone, so a looping child
  never outlives a killed Hearth;
- extracted text is capped (``max_text_bytes``) in the child, and the parent refuses any answer
  larger than that plus a margin, so a bad file cannot push gigabytes into the app;
- the child blocks every network connection, loopback included.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import threading
import time
from dataclasses import dataclass
from typing import Callable

from . import types as T
from .parsers import ParseResult

log = logging.getLogger("assistant.knowledge")

MB = 1024 * 1024
DEFAULT_TIMEOUT_S = 120.0  # per file, or per OCR page: each page read starts the time limit again
DEFAULT_MAX_TOTAL_S = 3600.0  # a file may never take longer than this, however many pages arrive
DEFAULT_MEMORY_MB = 2048
START_TIMEOUT_S = 120.0
MAX_TEXT_BYTES = 50 * MB  # extracted text per file; more is "too large" (chunking it would stall the app)
RESULT_MARGIN_BYTES = 16 * MB  # page numbers, headings and pickling around the text
WATCH_INTERVAL_S = 0.1  # how often the parent checks the child's memory while it works
CHILD_WATCH_INTERVAL_S = 0.25  # how often the child checks its deadline and its parent
DEADLINE_GRACE_S = 5.0  # the child's own deadline: the parent's timeout plus this
EXIT_DEADLINE = 70
EXIT_PARENT_GONE = 71
_SIGALRM = 14


def text_over(res: ParseResult, cap: int) -> bool:
    """Whether a result's text is larger than ``cap`` bytes of UTF-8 (encodes only when in doubt)."""
    chars = sum(len(s.text) for s in res.sections)
    if chars > cap:
        return True  # every character is at least one byte
    if chars * 4 <= cap:
        return False  # and at most four
    return sum(len(s.text.encode("utf-8", "surrogatepass")) for s in res.sections) > cap


class _ChildWatch(threading.Thread):
    """In the child: exit when the current file runs past its deadline or the parent is gone."""

    def __init__(self, deadline_s: float) -> None:
        super().__init__(name="hearth-parser-watch", daemon=True)
        self.deadline_s = deadline_s
        self.started: float | None = None
        self.ppid = os.getppid()
        try:
            import psutil

            self.parent = psutil.Process(self.ppid)
        except Exception as e:  # psutil missing or the parent already gone: the ppid check still works
            log.debug("parser child: cannot watch the parent with psutil: %s", e)
            self.parent = None

    def parent_alive(self) -> bool:
        if os.name == "posix" and os.getppid() != self.ppid:
            return False  # re-parented: the parent died
        if self.parent is not None:
            try:
                import psutil

                return self.parent.is_running() and self.parent.status() != psutil.STATUS_ZOMBIE
            except Exception:
                return False
        return True

    def run(self) -> None:
        while True:
            time.sleep(CHILD_WATCH_INTERVAL_S)
            if not self.parent_alive():
                os._exit(EXIT_PARENT_GONE)
            started = self.started
            if started is not None and time.monotonic() - started > self.deadline_s:
                os._exit(EXIT_DEADLINE)


PROGRESS = "progress"  # child -> parent: (PROGRESS, pages done, pages to read, "OCR page 3 of 40")
CANCEL = "cancel"  # parent -> child: stop this file between pages


def _takes_progress(fn) -> bool:
    """Whether a parse function accepts ``progress`` and ``cancelled`` (test targets may not)."""
    import inspect

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in params and "cancelled" in params


def _child_main(conn, memory_mb: int, target: str = "", timeout: float = DEFAULT_TIMEOUT_S,
                max_text_bytes: int = MAX_TEXT_BYTES, address_limit: bool = True) -> None:
    """Parser child loop: receive (path, password), send back a pickled ParseResult."""
    from .onnx_export import lower_priority

    lower_priority()  # parsing and OCR yield the cores to the window and the model
    if address_limit:
        try:
            import resource

            limit = memory_mb * MB
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass  # not on this platform: the parent's memory watchdog still applies
    from assistant.core import netguard

    offline = netguard.guard(block=True, allow_loopback=False)  # kept referenced: the guard lasts while it lives
    offline.__enter__()
    import logging as _logging

    _logging.getLogger("pypdf").setLevel(_logging.ERROR)  # warnings about broken files are statuses
    from .parsers import parse_file

    if target:  # another parse function "module:function" (tests use this to simulate hostile files)
        import importlib

        mod, _, fn = target.partition(":")
        parse_file = getattr(importlib.import_module(mod), fn)
    deadline = timeout + DEADLINE_GRACE_S
    watch = _ChildWatch(deadline)
    watch.start()
    try:
        import signal

        alarm = signal.alarm  # POSIX: the default SIGALRM action ends the process, no interpreter lock needed
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    except (ImportError, AttributeError, ValueError):
        alarm = None
    conn.send("ready")  # start-up (imports) does not count against the first file's time limit
    reports_progress = _takes_progress(parse_file)
    cancel_seen = [False]

    def cancelled() -> bool:
        """True once the parent sent "cancel" for this file (read without waiting)."""
        try:
            while not cancel_seen[0] and conn.poll(0):
                cancel_seen[0] = conn.recv() == CANCEL
        except (EOFError, OSError):
            cancel_seen[0] = True
        return cancel_seen[0]

    def progress(done: int, total: int, text: str) -> None:
        """Tell the parent (one more OCR page) and give this file a fresh time limit: a long scan
        goes on as long as pages keep arriving, a page that hangs is still stopped."""
        watch.started = time.monotonic()
        if alarm is not None:
            alarm(int(deadline) + 1)
        conn.send_bytes(pickle.dumps((PROGRESS, done, total, text), protocol=pickle.HIGHEST_PROTOCOL))

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        if job == CANCEL:  # a cancel that came after its file was done
            continue
        path, password = job
        cancel_seen[0] = False
        watch.started = time.monotonic()
        if alarm is not None:
            alarm(int(deadline) + 1)
        try:
            if reports_progress:
                res = parse_file(path, password, progress=progress, cancelled=cancelled)
            else:
                res = parse_file(path, password)
            if res.status == T.INDEXED and text_over(res, max_text_bytes):
                res = ParseResult(T.TOO_LARGE, f"more than {max_text_bytes // MB} MB of text")
        except MemoryError:
            res = ParseResult(T.TOO_LARGE, f"needs more than {memory_mb} MB of memory to read")
        except RecursionError:
            res = ParseResult(T.DAMAGED, "the file's structure refers to itself endlessly")
        except netguard.NetworkBlocked as e:
            res = ParseResult(T.DAMAGED, f"reading it tried to use the network, which is blocked ({e})")
        except Exception as e:  # any parser bug becomes a status for this one file
            res = ParseResult(T.DAMAGED, f"{type(e).__name__}: {e}")
        finally:
            if alarm is not None:
                alarm(0)
            watch.started = None
        try:
            data = pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(ParseResult(T.TOO_LARGE, "the extracted text is too large"))
        conn.send_bytes(data)


@dataclass
class ParserPool:
    """One parser child, started on first use and restarted after a timeout or crash.

    Args:
        timeout: seconds allowed per file; while OCR reads a scan, per page (each page that arrives starts
            it again, up to ``max_total``).
        max_total: seconds allowed per file in all.
        memory_mb: memory allowed to the child (resident memory, watched on every platform;
            also its address space where ``RLIMIT_AS`` exists).
        target: another parse function, ``"module:function"`` (tests).
        max_text_bytes: extracted text allowed per file; more is reported as ``too large``.
        address_limit: also set ``RLIMIT_AS`` where it exists (tests turn it off to check the
            watchdog that other platforms rely on).
    """

    timeout: float = DEFAULT_TIMEOUT_S
    max_total: float = DEFAULT_MAX_TOTAL_S
    memory_mb: int = DEFAULT_MEMORY_MB
    target: str = ""
    max_text_bytes: int = MAX_TEXT_BYTES
    address_limit: bool = True

    def __post_init__(self) -> None:
        self._proc: mp.process.BaseProcess | None = None
        self._ps = None  # psutil view of the child, for the memory watchdog
        self._conn = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=_child_main, name="hearth-parser", daemon=True,
                                 args=(child, self.memory_mb, self.target, self.timeout, self.max_text_bytes,
                                       self.address_limit))
        self._proc.start()
        child.close()
        self._conn = parent
        try:
            import psutil

            self._ps = psutil.Process(self._proc.pid)
        except Exception as e:
            log.warning("cannot watch the parser's memory: %s", e)
            self._ps = None
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
        self._proc, self._conn, self._ps = None, None, None

    def _rss_mb(self) -> float:
        if self._ps is None:
            return 0.0
        try:
            return self._ps.memory_info().rss / MB
        except Exception:  # the child just ended: the pipe says how
            return 0.0

    def parse(self, path: str, password: str | None = None, *,
              progress: "Callable[[int, int, str], None] | None" = None,
              cancel: "threading.Event | None" = None) -> ParseResult:
        """Parse one file in the child, within the time, memory and size limits.

        Args:
            progress: called (in this thread) with (pages done, pages to read, "OCR page 3 of 40") as OCR
                reads a scan; each page also restarts the time limit (up to ``max_total``).
            cancel: once set, OCR stops before its next page (the file is then ``cancelled``).
        """
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._kill()
                self._start()
            assert self._conn is not None and self._proc is not None
            try:
                self._conn.send((path, password))
                started = t0 = time.monotonic()
                cancel_sent = False
                while True:
                    while not self._conn.poll(WATCH_INTERVAL_S):
                        now = time.monotonic()
                        if now - t0 > self.timeout or now - started > self.max_total:
                            limit = self.timeout if now - t0 > self.timeout else self.max_total
                            log.warning("parsing %s took longer than %.0f s; restarting the parser", path, limit)
                            self._kill()
                            return ParseResult(T.TIMED_OUT, f"reading took longer than {limit:.0f} s")
                        if self._rss_mb() > self.memory_mb:
                            log.warning("parsing %s needed more than %d MB; restarting the parser", path,
                                        self.memory_mb)
                            self._kill()
                            return ParseResult(T.TOO_LARGE, f"needs more than {self.memory_mb} MB of memory to read")
                        if cancel is not None and cancel.is_set() and not cancel_sent:
                            self._conn.send(CANCEL)
                            cancel_sent = True
                    try:
                        data = self._conn.recv_bytes(maxlength=self.max_text_bytes + RESULT_MARGIN_BYTES)
                    except OSError as e:
                        if isinstance(e, (EOFError, BrokenPipeError)) or self._proc.exitcode is not None:
                            raise
                        self._kill()  # the oversized message is still in the pipe: start clean
                        log.warning("the parser's answer for %s was too large (%s)", path, e)
                        return ParseResult(T.TOO_LARGE, f"more than {self.max_text_bytes // MB} MB of text")
                    msg = pickle.loads(data)
                    if isinstance(msg, tuple) and len(msg) == 4 and msg[0] == PROGRESS:
                        t0 = time.monotonic()  # a page arrived: the time limit starts again
                        if progress is not None:
                            try:
                                progress(int(msg[1]), int(msg[2]), str(msg[3]))
                            except Exception:  # a face's display error must not lose the file
                                log.exception("progress callback failed")
                        continue
                    return msg
            except (EOFError, OSError, BrokenPipeError) as e:
                proc = self._proc
                if proc is not None:
                    proc.join(2)
                code = proc.exitcode if proc is not None else None
                self._kill()
                log.warning("the parser died on %s (exit %s): %s", path, code, e)
                if code == EXIT_DEADLINE or code == -_SIGALRM:
                    return ParseResult(T.TIMED_OUT, f"reading took longer than {self.timeout:.0f} s")
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
