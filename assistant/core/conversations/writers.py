"""Who is writing a "streaming" answer, and whether they still are.

A streaming answer records its writer as ``pid:start-time:store-token``. When a store opens, an
answer whose writer is gone (the process died, or the store was closed) is marked "interrupted";
one still being written by a live Hearth (the window, while ``hearth conversations`` runs) is not.
"""
from __future__ import annotations

import os

_OPEN_STORES: set[str] = set()  # tokens of the stores open in this process
_PROCESS_ID: tuple[int, float] | None = None


def _process_id() -> tuple[int, float]:
    """This process's pid and start time (a pid alone can be reused by another process)."""
    global _PROCESS_ID
    if _PROCESS_ID is None or _PROCESS_ID[0] != os.getpid():
        import psutil

        _PROCESS_ID = (os.getpid(), psutil.Process().create_time())
    return _PROCESS_ID


def writer_id(token: str) -> str:
    """The writer id of the store with this token, in this process."""
    pid, started = _process_id()
    return f"{pid}:{started!r}:{token}"


def opened(token: str) -> None:
    """A store of this process opened (its answers are being written)."""
    _OPEN_STORES.add(token)


def closed(token: str) -> None:
    """A store of this process closed (its unfinished answers were cut off)."""
    _OPEN_STORES.discard(token)


def alive(writer: str | None) -> bool:
    """Whether the store that started a "streaming" answer is still open (so still writing it)."""
    try:
        pid_s, started_s, token = (writer or "").split(":")
        pid, started = int(pid_s), float(started_s)
    except ValueError:  # no writer recorded (an older database): nobody can still be writing
        return False
    if pid == os.getpid():
        return token in _OPEN_STORES
    import psutil

    try:
        proc = psutil.Process(pid)
        return abs(proc.create_time() - started) < 1.0 and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # e.g. access denied: it exists, so assume it is still writing
        return True
