"""Logging set-up: one logger per subsystem, a rotating file in the log folder.

llama.cpp's own log (C ``fprintf`` by default) is routed into the ``assistant.engine.llama``
logger through llama-cpp-python's log callback, so a windowed build still records it.
"""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

SUBSYSTEMS = ("assistant.engine", "assistant.knowledge", "assistant.ui", "assistant.cli",
              "assistant.conversations", "assistant.prompts", "assistant.adapters",
              "assistant.models", "assistant.settings", "assistant.evals")

_configured: Path | None = None


def setup(log_file: Path, level: int = logging.INFO, console: bool = False) -> None:
    """Send every ``assistant.*`` logger to a rotating file (5 x 2 MB)."""
    global _configured
    if _configured == log_file:
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    from assistant.core.paths import make_private

    make_private(log_file.parent)  # log lines name the user's files and questions
    root = logging.getLogger("assistant")
    root.setLevel(level)
    for h in list(root.handlers):
        if getattr(h, "_hearth", False):
            root.removeHandler(h)
            h.close()
    fh = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5,
                                              encoding="utf-8")
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"))
    fh._hearth = True  # type: ignore[attr-defined]
    root.addHandler(fh)
    if console:
        ch = logging.StreamHandler()
        ch.setLevel(logging.WARNING)
        ch.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        ch._hearth = True  # type: ignore[attr-defined]
        root.addHandler(ch)
    _configured = log_file


_llama_cb = None  # keep a reference: ctypes callbacks must outlive their registration


def route_llama_logs() -> None:
    """Route llama.cpp's log lines into ``assistant.engine.llama`` (call after importing llama_cpp)."""
    global _llama_cb
    if _llama_cb is not None:
        return
    import ctypes

    import llama_cpp

    logger = logging.getLogger("assistant.engine.llama")
    # ggml_log_level: 1 DEBUG, 2 INFO, 3 WARN, 4 ERROR, 5 CONT (continuation of the previous line)
    levels = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR, 5: logging.DEBUG}

    @llama_cpp.llama_log_callback
    def _cb(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:  # pragma: no cover - C calls it
        msg = text.decode("utf-8", errors="replace").rstrip()
        if msg:
            logger.log(levels.get(level, logging.DEBUG), "%s", msg)

    _llama_cb = _cb
    llama_cpp.llama_log_set(_cb, ctypes.c_void_p(0))
