"""Small file helpers shared by the indexer, the adapter registry and the downloader."""
from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path
from typing import Callable, Union

CHUNK = 1 << 20

Cancel = Union[threading.Event, Callable[[], bool], None]


class HashCancelled(Exception):
    """Hashing stopped because the caller cancelled it (nothing is wrong with the file)."""


class NotARegularFile(OSError):
    """The path is a FIFO, a socket, a device or a directory: reading it could block or never end."""


def is_cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def open_regular(path: Path | str) -> int:
    """Open a file for reading only if it is a regular file; returns the descriptor.

    The open itself must not block: a FIFO opened for reading waits for a writer, so it is
    opened non-blocking (where the platform has that) and checked with ``fstat`` before any read.

    Raises:
        NotARegularFile: the path is not a regular file (also after following a link).
        OSError: it cannot be opened.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(str(path), flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(f"{path} is not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def sha256_of(path: Path | str, cancel: Cancel = None) -> str:
    """The file's sha256 as hex, read in 1 MiB blocks (models are gigabytes).

    Only regular files are read, and never more bytes than the size the file had when opened:
    a link to ``/dev/zero`` or a FIFO cannot make this read for ever.

    Args:
        path: the file.
        cancel: an Event or a callable returning True to stop; checked between blocks.

    Raises:
        NotARegularFile: the path is not a regular file.
        HashCancelled: ``cancel`` was set.
        OSError: the file cannot be read.
    """
    h = hashlib.sha256()
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as f:
        left = os.fstat(f.fileno()).st_size
        while left > 0:
            if is_cancelled(cancel):
                raise HashCancelled(str(path))
            block = f.read(min(CHUNK, left))
            if not block:
                break  # the file shrank while being read: hash what was there
            h.update(block)
            left -= len(block)
    return h.hexdigest()
