"""Saved llama states of the conversations the user left: in RAM first, then on disk with a cap.

Returning to a long conversation restores its KV cache instead of re-reading the whole history.
A state belongs to one model file with one set of adapters; the key says so.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("assistant.engine")

_MAGIC = b"HEARTH-STATE-1\n"


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
            with open(path, "rb") as f:
                if f.read(len(_MAGIC)) != _MAGIC:
                    raise ValueError("not a Hearth state file")
                tokens = pickle.load(f)
                data = f.read()
        except (OSError, ValueError, pickle.UnpicklingError, EOFError) as e:
            log.warning("saved state %s is unreadable (%s); it will be rebuilt", path, e)
            path.unlink(missing_ok=True)
            return None, ""
        os.utime(path)  # most recently used: evicted last
        return SavedState(list(tokens), data), "disk"

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
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                pickle.dump(state.tokens, f, protocol=pickle.HIGHEST_PROTOCOL)
                f.write(state.data)
            os.replace(tmp, path)
        except OSError as e:
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
