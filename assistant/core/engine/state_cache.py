"""Saved llama states of the conversations the user left: in RAM first, then on disk with a cap.

Returning to a long conversation restores its KV cache instead of re-reading the whole history.
A state belongs to one model file with one set of adapters; the key says so.

A file on disk is plain data, never unpickled: a fixed header (magic, format version, token
count, state size), the tokens as little-endian int32, then llama.cpp's state bytes. A file
that does not match its header exactly is refused and deleted (the history is then re-read).
"""
from __future__ import annotations

import hashlib
import logging
import os
import stat
import struct
import sys
import tempfile
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("assistant.engine")

_MAGIC = b"HRTHSTAT"
_VERSION = 2
_HEADER = struct.Struct("<8sIIQ")  # magic, version, token count, state bytes
STALE_TMP_S = 600  # a half-written file older than this was left by a crash; newer may be in progress


@dataclass
class SavedState:
    """The tokens a llama context holds and its serialized KV cache."""

    tokens: list[int]
    data: bytes

    @property
    def nbytes(self) -> int:
        return len(self.data) + 4 * len(self.tokens)


class StateCache:
    """An LRU of saved states in RAM that spills the least recently used to a capped disk folder.

    Args:
        folder: where spilled states go (created on demand); None keeps states in RAM only.
        ram_mb: RAM budget for states.
        disk_mb: disk budget; the oldest files are deleted past it.
    """

    def __init__(self, folder: Path | None, ram_mb: int = 1024, disk_mb: int = 2048) -> None:
        self.folder = folder
        self.ram_bytes = ram_mb * 2**20
        self.disk_bytes = disk_mb * 2**20
        self._ram: OrderedDict[str, SavedState] = OrderedDict()
        self._clean_stale_tmp()

    def _clean_stale_tmp(self) -> None:
        """Delete half-written files a crash left behind (they would fill the disk unseen)."""
        if self.folder is None or not self.folder.is_dir():
            return
        now = time.time()
        for p in self.folder.glob("*.tmp"):
            try:
                if now - p.lstat().st_mtime > STALE_TMP_S:
                    p.unlink()
                    log.info("deleted a half-written saved state %s", p)
            except OSError as e:
                log.warning("could not delete the half-written saved state %s: %s", p, e)

    @staticmethod
    def key(model_path: str, adapters: str, conversation_id: str) -> str:
        """A stable key for one conversation on one model with one adapter set."""
        return hashlib.sha256(f"{model_path}\0{adapters}\0{conversation_id}".encode()).hexdigest()[:32]

    def put(self, key: str, state: SavedState) -> None:
        self._ram[key] = state
        self._ram.move_to_end(key)
        while self._ram and sum(s.nbytes for s in self._ram.values()) > self.ram_bytes:
            old_key, old = self._ram.popitem(last=False)
            self._spill(old_key, old)

    def get(self, key: str) -> tuple[SavedState | None, str]:
        """The saved state and where it came from (``"ram"``, ``"disk"`` or ``""``)."""
        if key in self._ram:
            self._ram.move_to_end(key)
            return self._ram[key], "ram"
        path = self._path(key)
        if path is None or not path.exists():
            return None, ""
        try:
            state = self._read(path)
        except (OSError, ValueError) as e:
            log.warning("saved state %s is unusable (%s); it is deleted and the history will be re-read", path, e)
            try:
                path.unlink(missing_ok=True)
            except OSError as err:
                log.warning("could not delete %s: %s", path, err)
            return None, ""
        os.utime(path)  # most recently used: evicted last
        return state, "disk"

    def _read(self, path: Path) -> SavedState:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if st.st_size < _HEADER.size:
            raise ValueError(f"only {st.st_size} bytes, shorter than the header")
        with open(path, "rb") as f:
            magic, version, n_tokens, n_data = _HEADER.unpack(f.read(_HEADER.size))
            if magic != _MAGIC:
                raise ValueError("not a Hearth state file")
            if version != _VERSION:
                raise ValueError(f"format version {version}, this Hearth reads {_VERSION}")
            expected = _HEADER.size + 4 * n_tokens + n_data
            if st.st_size != expected or n_data > self.disk_bytes:
                raise ValueError(f"{st.st_size} bytes where the header says {expected} (truncated or damaged)")
            tokens = array("i")
            tokens.frombytes(f.read(4 * n_tokens))
            if sys.byteorder == "big":
                tokens.byteswap()
            data = f.read(n_data)
        if len(tokens) != n_tokens or len(data) != n_data:
            raise ValueError("the file changed while it was read")
        if n_tokens and min(tokens) < 0:
            raise ValueError("negative token ids")
        return SavedState(tokens.tolist(), data)

    def spill_all(self) -> None:
        """Write every RAM state to disk (before the model is unloaded)."""
        while self._ram:
            k, s = self._ram.popitem(last=False)
            self._spill(k, s)

    def clear_ram(self) -> None:
        self._ram.clear()

    def __contains__(self, key: str) -> bool:
        p = self._path(key)
        return key in self._ram or (p is not None and p.exists())

    def summary(self) -> dict[str, int]:
        disk = list(self.folder.glob("*.state")) if self.folder and self.folder.exists() else []
        return {"ram_states": len(self._ram), "ram_bytes": sum(s.nbytes for s in self._ram.values()),
                "disk_states": len(disk), "disk_bytes": sum(p.stat().st_size for p in disk)}

    def _path(self, key: str) -> Path | None:
        return self.folder / f"{key}.state" if self.folder else None

    def _spill(self, key: str, state: SavedState) -> None:
        path = self._path(key)
        if path is None or state.nbytes > self.disk_bytes:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            tokens = array("i", state.tokens)
            if sys.byteorder == "big":
                tokens.byteswap()
            with os.fdopen(fd, "wb") as f:
                f.write(_HEADER.pack(_MAGIC, _VERSION, len(state.tokens), len(state.data)))
                f.write(tokens.tobytes())
                f.write(state.data)
            os.replace(tmp, path)
        except (OSError, OverflowError) as e:
            log.warning("could not save a conversation state to %s: %s", path, e)
            Path(tmp).unlink(missing_ok=True)
            return
        self._trim_disk()

    def _trim_disk(self) -> None:
        assert self.folder is not None
        files = sorted(self.folder.glob("*.state"), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        while files and total > self.disk_bytes:
            p = files.pop(0)
            total -= p.stat().st_size
            p.unlink(missing_ok=True)
