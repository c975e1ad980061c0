"""The engine's child process: a loop that serves requests from :class:`EngineProcess`.

Protocol over a duplex pipe, one request at a time. Requests are ``(op, kwargs)``; replies are
``("ok", result)``, ``("error", EngineError)``, and for ``chat`` any number of
``("chunk", text)`` before the final ``("ok", AnswerStats)``. Cancelling goes through a shared
``multiprocessing.Event`` that the answer loop checks between tokens and prompt slices.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("assistant.engine")


def _setup_logging(log_file: str | None) -> None:
    from assistant.core import logs, paths

    target = log_file or str(paths.resolve().log_file)
    try:
        from pathlib import Path

        logs.setup(Path(target))
    except OSError as e:  # a read-only log folder must not stop the engine
        print(f"hearth engine: cannot write the log file {target}: {e}", file=sys.stderr)
    logs.route_llama_logs()


def _wrap(e: BaseException) -> Exception:
    from assistant.core.engine.types import EngineError

    if isinstance(e, EngineError):
        return e
    return EngineError(f"{type(e).__name__}: {e}")


DEFAULT_RUNTIME = "assistant.core.engine.runtime:ModelRuntime"


def worker_main(conn: Connection, cancel_event: Any, log_file: str | None = None,
                runtime: str = DEFAULT_RUNTIME) -> None:
    """Entry point of the child process (spawned; importable in a frozen build).

    Args:
        conn: the child's end of the request pipe.
        cancel_event: set by the parent to stop the current answer or prompt evaluation.
        log_file: Hearth's log file (the parent's), or None for the default location.
        runtime: ``"module:Class"`` of the model runtime (tests pass a scripted one).
    """
    # Ctrl-C in a terminal reaches the whole process group: the parent decides what to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # CUDA numbers GPUs fastest first by default, NVML by PCI bus: make them agree, so the GPU
    # the offload plan measured (gpu.main_gpu) is the one llama.cpp loads on.
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    _exit_with_parent()
    _setup_logging(log_file)
    from assistant.core.netguard import guard

    # The model process never needs the network: nothing in a model file or template can reach it.
    with guard(block=True, allow_loopback=True):
        _serve(conn, cancel_event, runtime)


def _exit_with_parent() -> None:
    """End this process when Hearth is gone, even if the request loop is stuck (a killed parent
    closes no pipe that a looping worker would notice)."""
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent process has ended
        os._exit(0)

    threading.Thread(target=watch, name="hearth-engine-parent-watch", daemon=True).start()


def _serve(conn: Connection, cancel_event: Any, runtime: str) -> None:
    import importlib

    module, _, cls = runtime.partition(":")
    rt = getattr(importlib.import_module(module), cls)()
    log.info("engine worker %d started", os.getpid())
    while True:
        try:
            op, kwargs = conn.recv()
        except (EOFError, OSError):
            break  # the parent went away
        if op == "close":
            _reply(conn, "ok", None, rt)
            break
        try:
            if op == "chat":
                for item in rt.chat(kwargs["messages"], kwargs["sampling"], cancel_event.is_set,
                                    kwargs.get("conversation_id")):
                    if isinstance(item, str):
                        conn.send(("chunk", item))
                    else:
                        conn.send(("ok", item))
                continue
            result = _dispatch(rt, op, kwargs)
        except Exception as e:  # every failure goes back to the caller in words
            log.exception("engine request %s failed", op)
            _reply(conn, "error", _wrap(e), rt)
            continue
        _reply(conn, "ok", result, rt)
    try:
        rt.unload()
    except Exception:  # exiting anyway; the log keeps the reason
        log.exception("unloading the model at exit failed")
    log.info("engine worker %d stopped", os.getpid())


def _reply(conn: Connection, kind: str, value: Any, rt: Any) -> None:
    try:
        conn.send((kind, value))
    except (BrokenPipeError, OSError):
        pass  # the parent is gone; nothing to tell


def _dispatch(rt: Any, op: str, kw: dict[str, Any]) -> Any:
    if op == "load":
        return rt.load(kw["model_path"], kw["options"])
    if op == "unload":
        return rt.unload()
    if op == "set_adapters":
        return rt.set_adapters(kw["adapters"])
    if op == "stats":
        return rt.stats()
    if op == "forget_cache":
        return rt.forget_cache()
    if op == "next_token_logits":
        return rt.next_token_logits(kw["prompt"])
    if op == "count_tokens":
        return rt.message_tokens(kw["messages"])
    if op == "ping":
        return os.getpid()
    raise ValueError(f"unknown engine request {op!r}")
