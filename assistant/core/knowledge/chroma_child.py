"""Chroma run in a child process (the window's choice).

Chroma's Rust bindings keep the interpreter lock through each call: in the window's process an
upsert of 128 chunks held it about 500 ms while an answer streamed, a ``count`` waiting behind a
write 100 ms and more, and opening a store 50 ms (bench_ui with a native sampler: every pause the
watchdog could not attribute was one of these). Through :func:`run_chroma_in_child` the window
keeps every collection in one :class:`~.child_service.ChildService`: :class:`ChildCollection` has
the methods Hearth uses of a Chroma collection (``count``, ``get``, ``query``, ``upsert``,
``delete``) and sends each call there; the data stay in the same folders, opened by one process
only. Other faces and the tests keep Chroma in process.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from .child_service import ChildService
from .types import KnowledgeError

log = logging.getLogger("assistant.knowledge")

_IN_CHILD = False
_HOST: ChildService | None = None
_HOST_LOCK = threading.Lock()


def run_chroma_in_child(on: bool = True) -> None:
    """Open the collections opened from now on in a child process (one for all of them)."""
    global _IN_CHILD
    _IN_CHILD = on


def in_child() -> bool:
    return _IN_CHILD


class ChromaHost:
    """In the child: Chroma clients by folder and their collections, opened on first use."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}
        self._cols: dict[tuple[str, str], Any] = {}

    def _col(self, path: str, name: str) -> Any:
        col = self._cols.get((path, name))
        if col is None:
            from .store import open_chroma, open_collection

            if path not in self._clients:
                self._clients[path] = open_chroma(path)
            col = self._cols[(path, name)] = open_collection(self._clients[path], name)
        return col

    def call(self, path: str, name: str, method: str, args: tuple, kwargs: dict) -> Any:
        return getattr(self._col(path, name), method)(*args, **kwargs)

    def delete_collection(self, path: str, name: str) -> None:
        self._col(path, name)  # its folder's client, opened if need be
        self._clients[path].delete_collection(name)
        self.release(path)

    def release(self, path: str) -> None:
        """Forget a folder's client (as the in-process store does when it closes)."""
        for key in [k for k in self._cols if k[0] == path]:
            del self._cols[key]
        self._clients.pop(path, None)


def _failed(text: str, original: BaseException | None) -> BaseException:
    return original if original is not None else KnowledgeError(f"Chroma failed: {text}")


def host() -> ChildService:
    """The child every collection of this process is opened in (started on first use)."""
    global _HOST
    with _HOST_LOCK:
        if _HOST is None:
            _HOST = ChildService(ChromaHost, (), name="hearth-chroma", what="the document index (Chroma)",
                                 failed=_failed)
        return _HOST


def close_host() -> None:
    """End the child (it also ends by itself when this process does)."""
    global _HOST
    with _HOST_LOCK:
        if _HOST is not None:
            _HOST.close()
            _HOST = None


def release(path: str) -> None:
    """Have the child forget a folder's client (a store closed); nothing when no child runs."""
    with _HOST_LOCK:
        h = _HOST
    if h is not None and h.alive():
        try:
            h.call("release", path)
        except KnowledgeError as e:  # it stopped meanwhile: nothing is held
            log.info("%s", e)


class ChildCollection:
    """A Chroma collection in the child, called as if it were here."""

    def __init__(self, path: str, name: str) -> None:
        self.path, self.name = path, name
        host().call("call", path, name, "count", (), {})  # opened now: a damaged store is said here

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return host().call("call", self.path, self.name, method, args, kwargs)

    def count(self) -> int:
        return self._call("count")

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("query", *args, **kwargs)

    def upsert(self, *args: Any, **kwargs: Any) -> None:
        self._call("upsert", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> None:
        self._call("delete", *args, **kwargs)
