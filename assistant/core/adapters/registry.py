"""The adapter library: LoRA GGUF files the user registered, with their facts and settings.

Stored as one JSON file under ``paths.adapters``, written atomically (temporary file, fsync,
rename), so a crash leaves the previous list intact. Files are referenced, never copied or moved;
removing an adapter leaves its file alone unless the user asks.

Compatibility with a base model is checked by :func:`assistant.core.adapters.validation.validate_adapter`
(the same checks llama.cpp makes, done before llama.cpp sees the file) and cached by the adapter
file's size and mtime and the base model's, so the list can show it without re-reading GGUFs.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.adapters.spec import AdapterError, AdapterSpec
from assistant.core.paths import Paths
from assistant.core.files import sha256_of

log = logging.getLogger("assistant.adapters")

SCALE_MIN, SCALE_MAX = -2.0, 2.0
_FILE_VERSION = 1


def clamp_scale(scale: float) -> float:
    """Scales outside -2..2 make a small model babble; keep them in range."""
    return max(SCALE_MIN, min(SCALE_MAX, float(scale)))


@dataclass
class Adapter:
    """A registered LoRA adapter.

    Attributes:
        id: stable id (from the file's content hash).
        path: absolute path of the GGUF file.
        name: shown to the user (the file name without extension, editable).
        architecture: base architecture it was made for (``general.architecture``).
        rank, alpha: LoRA rank (the largest, when tensors differ) and alpha; each tensor's
            effective scale is scale * alpha / its own rank, as in llama.cpp.
        targets: base tensor kinds it changes (e.g. ``attn_q``, ``attn_v``).
        size_bytes: file size.
        n_pairs: number of lora_a/lora_b tensor pairs.
        enabled, scale: the user's choice, applied to the next answers.
        sha256: content hash when added.
        added_at: time.time() when added.
    """

    id: str
    path: str
    name: str
    architecture: str = ""
    rank: int = 0
    alpha: float = 0.0
    targets: list[str] = field(default_factory=list)
    size_bytes: int = 0
    n_pairs: int = 0
    enabled: bool = False
    scale: float = 1.0
    sha256: str = ""
    added_at: float = 0.0

    def spec(self) -> AdapterSpec:
        """What the engine needs to apply this adapter."""
        return AdapterSpec(path=self.path, scale=self.scale)

    def exists(self) -> bool:
        return Path(self.path).is_file()




def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


class AdapterRegistry:
    """The user's adapters.

    Args:
        paths: Hearth's folders; the list is ``paths.adapters / "adapters.json"``.
    """

    def __init__(self, paths: Paths):
        self.file = paths.adapters / "adapters.json"
        self._adapters: dict[str, Adapter] = {}
        self._checks: dict[str, list[Any]] = {}
        self._lock = threading.RLock()  # the window checks fits in a worker while the user toggles
        self._load()

    # ---- storage ------------------------------------------------------------------------------

    def _load(self) -> None:
        if not self.file.exists():
            return
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            known = {f.name for f in dataclasses.fields(Adapter)}
            for item in data.get("adapters", []):
                a = Adapter(**{k: v for k, v in item.items() if k in known})
                self._adapters[a.id] = a
            self._checks = dict(data.get("checks", {}))
        except (ValueError, TypeError, OSError) as e:
            # Keep the unreadable file for the user instead of overwriting it on the next save.
            bad = self.file.with_suffix(".json.bad")
            log.error("adapter list %s is unreadable (%s); starting empty, kept it as %s", self.file, e, bad)
            os.replace(self.file, bad)
            self._adapters, self._checks = {}, {}

    def _save(self) -> None:
        with self._lock:
            self._save_locked()

    def _save_locked(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": _FILE_VERSION,
                "adapters": [dataclasses.asdict(a) for a in self._adapters.values()],
                "checks": self._checks}
        fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".adapters-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # ---- the list -----------------------------------------------------------------------------

    def list(self) -> list[Adapter]:
        """Registered adapters, in the order they were added."""
        return sorted(self._adapters.values(), key=lambda a: a.added_at)

    def get(self, adapter_id: str) -> Adapter:
        """An adapter by id (or by its file path). Raises KeyError naming it."""
        if adapter_id in self._adapters:
            return self._adapters[adapter_id]
        for a in self._adapters.values():
            if a.path == adapter_id or Path(a.path) == Path(adapter_id).expanduser().resolve():
                return a
        raise KeyError(f"no adapter '{adapter_id}' in the library")

    def add(self, path: str | os.PathLike[str]) -> Adapter:
        """Register an adapter file (read its facts; the file stays where it is).

        Adding the same file twice returns the existing entry.

        Raises:
            AdapterError: the file is missing or is not a LoRA adapter GGUF (names file and reason).
        """
        from assistant.core.adapters.validation import inspect_adapter

        p = Path(path).expanduser().resolve()
        if not p.is_file():
            raise AdapterError(f"{p}: no such file")
        info = inspect_adapter(p)
        sha = sha256_of(p)
        aid = sha[:16]
        if aid in self._adapters:
            existing = self._adapters[aid]
            if existing.path != str(p) and not existing.exists():
                existing.path = str(p)  # the user moved the file: follow it
                self._save()
            return existing
        a = Adapter(id=aid, path=str(p), name=p.stem, architecture=info.architecture,
                    rank=int(info.rank), alpha=float(info.alpha), targets=list(info.targets),
                    size_bytes=int(info.size_bytes), n_pairs=int(info.n_pairs), sha256=sha,
                    added_at=time.time())
        self._adapters[aid] = a
        self._save()
        log.info("adapter added: %s (%s, rank %s)", p, a.architecture, a.rank)
        return a

    def remove(self, adapter_id: str, delete_file: bool = False) -> None:
        """Take an adapter out of the library; delete its file only if asked."""
        a = self.get(adapter_id)
        del self._adapters[a.id]
        self._checks = {k: v for k, v in self._checks.items() if not k.startswith(a.id + "|")}
        self._save()
        if delete_file:
            Path(a.path).unlink(missing_ok=True)
            log.info("adapter file deleted: %s", a.path)

    def set_enabled(self, adapter_id: str, enabled: bool) -> Adapter:
        a = self.get(adapter_id)
        a.enabled = bool(enabled)
        self._save()
        return a

    def set_scale(self, adapter_id: str, scale: float) -> Adapter:
        """Set an adapter's scale, clamped to -2..2. Returns the adapter."""
        a = self.get(adapter_id)
        a.scale = clamp_scale(scale)
        self._save()
        return a

    def rename(self, adapter_id: str, name: str) -> Adapter:
        a = self.get(adapter_id)
        a.name = name.strip() or a.name
        self._save()
        return a

    def active_specs(self) -> list[AdapterSpec]:
        """The enabled adapters, as the engine wants them."""
        return [a.spec() for a in self.list() if a.enabled]

    # ---- compatibility ------------------------------------------------------------------------

    def compatible_with(self, adapter_id: str, base_model_path: str | os.PathLike[str]) -> tuple[bool, str]:
        """Whether an adapter fits a base model, and why not.

        The answer is cached by the adapter file's and model file's size and mtime.

        Returns:
            ``(True, "")`` or ``(False, reason)``; the reason names the problem in one line.
        """
        a = self.get(adapter_id)
        return self._check(Path(a.path), Path(base_model_path), cache_key_prefix=a.id)

    def _check(self, adapter: Path, model: Path, cache_key_prefix: str) -> tuple[bool, str]:
        from assistant.core.adapters.validation import validate_adapter

        try:
            key = f"{cache_key_prefix}|{_stamp(adapter)}|{model.resolve()}|{_stamp(model)}"
        except OSError as e:
            return False, f"{e.filename}: {e.strerror}"
        with self._lock:
            cached = self._checks.get(key)
        if cached is not None:
            return bool(cached[0]), str(cached[1])
        try:
            validate_adapter(adapter, model)
            result: tuple[bool, str] = (True, "")
        except AdapterError as e:
            result = (False, " ".join(str(e).split()))
        with self._lock:
            self._checks[key] = list(result)
            self._save()
        return result


def check_file(adapter_path: str | os.PathLike[str], base_model_path: str | os.PathLike[str]) -> tuple[bool, str]:
    """Check an adapter file against a model without registering it (``hearth adapters check``)."""
    from assistant.core.adapters.validation import validate_adapter

    try:
        validate_adapter(Path(adapter_path), Path(base_model_path))
    except AdapterError as e:
        return False, " ".join(str(e).split())
    return True, ""
