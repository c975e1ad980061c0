"""Watched folders: a polling loop that re-indexes them while Hearth runs.

Polling (stat of every file, hashing only on size/mtime change) works the same on every OS and
network drive, and costs little for the folder sizes a desktop assistant sees.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import types as T

if TYPE_CHECKING:
    from .base import KnowledgeBase

log = logging.getLogger("assistant.knowledge")

QUIET = {T.UNCHANGED}


def poll_once(kb: "KnowledgeBase", on_change: Callable[[str, list[T.FileReport]], None],
              stop: threading.Event | None = None) -> None:
    """One pass over every collection's watched folders."""
    for info in kb.list_collections():
        if stop is not None and stop.is_set():
            return
        folders = [Path(w) for w in info.watched if Path(w).is_dir()]
        if not folders:
            continue
        try:
            before = {f.path: (f.sha256, f.status) for f in kb.files(info.name)}
            reports = kb.index(info.name, folders, cancel=stop)
        except T.KnowledgeError as e:
            log.warning("watching %s: %s", info.name, e)
            continue
        after = {f.path: (f.sha256, f.status) for f in kb.files(info.name)}
        # Only what changed since the last pass: a file still needing a password is not news.
        changed = [r for r in reports if r.status not in QUIET and before.get(r.path) != after.get(r.path)]
        if changed:
            on_change(info.name, changed)


def watch_loop(kb: "KnowledgeBase", on_change: Callable[[str, list[T.FileReport]], None], interval: float,
               stop: threading.Event) -> None:
    """Poll until ``stop`` is set; a failing pass is logged and retried on the next tick."""
    while not stop.is_set():
        try:
            poll_once(kb, on_change, stop)
        except (OSError, RuntimeError) as e:
            log.error("watching folders failed: %s", e)
        stop.wait(interval)
