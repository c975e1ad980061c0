"""The ONNX embedder run in a child process (the window's choice).

Importing ONNX Runtime and creating its inference session each keep the interpreter lock for
50-90 ms in a single C call (measured on 2 cores): in the window's own process that is a GUI
stall, whichever thread does it. :class:`EncoderProcess` has :class:`~.embedders.OnnxEncoder`'s
interface (``tokenize``, ``run``, ``count``, ``dimension``, ``max_seq_length``) and runs one in a
spawned child; the parent waits for each reply in the OS, holding no lock. Token ids go to the
child and unit vectors come back (a batch of 128 vectors is 200 KB through a pipe).

The child runs below Hearth's own priority (:func:`.onnx_export.lower_priority`), as the window's
background jobs do (in the window's process the embedder ran on one of them): with the model
streaming on the other core, an embedder child at the window's priority took the CPU from the GUI
thread (bench_ui while streaming and indexing: 25 pauses over 50 ms, the longest 623 ms). It ends
when its pipe closes (Hearth gone, even killed), and is started again on the next use when it has died (a
call it dies in raises :class:`KnowledgeError` naming the model folder). ``hearth gui`` turns it on
with :func:`.embedders.run_encoders_in_child`; other faces and the tests keep the encoder in
process, where stalls do not matter.
"""
from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from .types import KnowledgeError

log = logging.getLogger("assistant.knowledge")


class EncoderProcess:
    """An :class:`~.embedders.OnnxEncoder` in a child process, called as if it were here.

    Raises:
        KnowledgeError: (making it, or any call) the model could not be loaded, or the child stopped;
            the message names the model folder and the reason.
    """

    def __init__(self, onnx_file: Path, model_dir: Path) -> None:
        self._args = (str(onnx_file), str(model_dir))
        self._lock = threading.Lock()
        self._conn: Any = None
        self._proc: Any = None
        self.starts = 0
        with self._lock:
            self.dimension, self.max_seq_length = self._start()

    def _start(self) -> tuple[int, int]:
        import multiprocessing

        from assistant.core.engine import launcher

        if self._conn is not None:
            self._conn.close()  # the pipe of a child that died between calls
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=serve, args=(child, *self._args), name="hearth-embedder", daemon=True)
        launcher.run(proc.start)  # from Hearth's priority: a background job's would add to the child's
        child.close()
        self._conn, self._proc = parent, proc
        self.starts += 1
        dimension, max_len = self._reply()
        log.info("embedder %s runs in process %s", self._args[1], proc.pid)
        return int(dimension), int(max_len)

    def _reply(self) -> Any:
        try:
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(5)
            code = self._proc.exitcode
            how = (signal.Signals(-code).name if code is not None and code < 0 and -code in signal.valid_signals()
                   else f"exit status {code}")
            self._conn.close()
            raise KnowledgeError(f"The embedding process for {self._args[1]} stopped ({how}); "
                                 "it starts again on the next use.") from None
        if kind == "error":
            raise KnowledgeError(f"The embedding model in {self._args[1]} failed: {value}")
        return value

    def _call(self, op: str, arg: Any) -> Any:
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                log.warning("the embedding process for %s had stopped: starting it again", self._args[1])
                self._start()
            try:
                self._conn.send((op, arg))
            except (OSError, ValueError):  # the pipe broke: the child is gone; _reply says how
                pass
            return self._reply()

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return self._call("tokenize", texts)

    def run(self, ids: list[list[int]]) -> Any:
        return self._call("run", ids)

    def count(self, texts: list[str]) -> list[int]:
        return self._call("count", texts)

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


def serve(conn: Any, onnx_file: str, model_dir: str) -> None:
    """The child: load the encoder, then answer ``(op, argument)`` requests until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is for the parent to handle
    from .embedders import OnnxEncoder
    from .onnx_export import lower_priority

    lower_priority()  # before ONNX Runtime makes its threads: they inherit it

    try:
        enc = OnnxEncoder(Path(onnx_file), Path(model_dir))
    except Exception as e:  # noqa: BLE001 - said to the parent, which raises it
        conn.send(("error", f"{type(e).__name__}: {e}"))
        return
    conn.send(("ok", (enc.dimension, enc.max_seq_length)))
    ops = {"tokenize": enc.tokenize, "run": enc.run, "count": enc.count}
    while True:
        try:
            op, arg = conn.recv()
        except (EOFError, OSError):
            return  # Hearth closed the pipe, or ended
        try:
            conn.send(("ok", ops[op](arg)))
        except Exception as e:  # noqa: BLE001 - said to the parent, which raises it
            conn.send(("error", f"{type(e).__name__}: {e}"))

