"""The models on this machine: the embedded default, downloads, and files the user added.

Downloads live in ``paths.models``. A file added from elsewhere on disk stays where it is; only
a reference to it is kept, in ``models.json`` beside the conversations (written atomically).
Every read-modify-write of ``models.json`` holds a lock (a thread lock and a lock on
``models.json.lock`` shared with other Hearth processes), so two models added at the same
moment are both kept.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from assistant.core import paths as hearth_paths
from assistant.core.errors import ModelError
from assistant.core.models.facts import ModelFacts

log = logging.getLogger("assistant.models")

EMBEDDED, DOWNLOADED, ADDED = "embedded", "downloaded", "added"


@dataclass
class InstalledModel:
    """A model Hearth can load.

    Attributes:
        path: the GGUF file.
        facts: what the file says about itself; None when it cannot be read (see ``problem``).
        source: "embedded" (ships with Hearth), "downloaded" (in Hearth's models folder) or
            "added" (a file elsewhere the user pointed to).
        problem: why the model cannot be used now (file moved, damaged), in words.
    """

    path: Path
    facts: ModelFacts | None
    source: str
    problem: str | None = None


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(file: Path) -> threading.Lock:
    key = os.path.normcase(str(file))
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


def _lock_file(f: IO[bytes]) -> None:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        while True:
            try:
                msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)  # retries for ~10 s itself
                return
            except OSError:
                continue
    import fcntl

    fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # released by the system if the process dies


def _unlock_file(f: IO[bytes]) -> None:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(f.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _exclusive(file: Path) -> Iterator[None]:
    """Hold ``file``'s lock against other threads of this process and other processes."""
    file.parent.mkdir(parents=True, exist_ok=True)
    with _thread_lock(file), open(file.with_name(file.name + ".lock"), "a+b") as lf:
        _lock_file(lf)
        try:
            yield
        finally:
            _unlock_file(lf)


_facts_cache: dict[tuple[str, int, int], ModelFacts] = {}
_facts_cache_lock = threading.Lock()


def _facts(path: Path) -> ModelFacts:
    """The file's facts, read once per (path, size, modification time): a GGUF header with its
    vocabulary takes tens of milliseconds to parse, and model lists are read often."""
    from assistant.core.models import gguf_info

    try:
        st = path.stat()
    except OSError:
        return gguf_info.read_model_facts(path)  # raises ModelError in words
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _facts_cache_lock:
        cached = _facts_cache.get(key)
    if cached is not None:
        return dataclasses.replace(cached)
    facts = gguf_info.read_model_facts(path)
    with _facts_cache_lock:
        if len(_facts_cache) > 256:
            _facts_cache.clear()
        _facts_cache[key] = facts
    return dataclasses.replace(facts)


class ModelRegistry:
    """Installed models. Cheap to create; reads the disk on each call.

    Args:
        paths: Hearth's folders (default: resolved from the environment).
    """

    def __init__(self, paths: hearth_paths.Paths | None = None) -> None:
        self.paths = paths or hearth_paths.resolve()
        self.file = self.paths.data / "models.json"

    # -- the reference file -----------------------------------------------------------------
    def _added(self) -> list[str]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, json.JSONDecodeError) as e:
            log.error("%s cannot be read (%s); added models are not listed", self.file, e)
            return []
        return [p for p in data.get("added", []) if isinstance(p, str)] if isinstance(data, dict) else []

    def _save_added(self, added: list[str]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        try:
            json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            pass
        except (OSError, ValueError):  # keep the damaged file for the user instead of overwriting it
            backup = self.file.with_name(f"models.damaged-{int(time.time())}.json")
            os.replace(self.file, backup)
            log.error("%s was damaged; kept as %s", self.file, backup)
        fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".models-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "added": added}, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.file)  # a crash leaves the old file or the new one, never half

    # -- listing ----------------------------------------------------------------------------
    def _candidates(self) -> list[tuple[Path, str]]:
        from assistant.core.models import embedded

        out: list[tuple[Path, str]] = []
        emb = embedded.default_chat_model()
        if emb is not None:
            out.append((emb, EMBEDDED))
        if self.paths.models.is_dir():
            out += [(p, DOWNLOADED) for p in sorted(self.paths.models.glob("*.gguf")) if p.is_file()]
        out += [(Path(p), ADDED) for p in self._added()]
        seen: set[str] = set()
        unique = []
        for p, src in out:
            key = os.path.normcase(str(p.resolve()))
            if key not in seen:
                seen.add(key)
                unique.append((p, src))
        return unique

    def list(self) -> list[InstalledModel]:
        """Every installed model, the embedded default first. Unusable ones carry a ``problem``."""
        out = []
        for p, src in self._candidates():
            try:
                out.append(InstalledModel(p, _facts(p), src))
            except ModelError as e:
                out.append(InstalledModel(p, None, src, str(e)))
        return out

    def find(self, path: str | os.PathLike[str]) -> InstalledModel | None:
        """The installed model at this path, or None."""
        key = os.path.normcase(str(Path(path).expanduser().resolve()))
        for m in self.list():
            if os.path.normcase(str(m.path.resolve())) == key:
                return m
        return None

    # -- changes ----------------------------------------------------------------------------
    def add_from_disk(self, path: str | os.PathLike[str]) -> InstalledModel:
        """Add a GGUF file from anywhere on disk (it stays where it is).

        Raises:
            ModelError: the file is missing, not a GGUF model, damaged or unsupported; the
                message names the file and the reason, and nothing is added.
        """
        p = Path(path).expanduser().resolve()
        facts = _facts(p)  # refuses bad files in words before anything is stored
        key = os.path.normcase(str(p))
        with _exclusive(self.file):  # read, change and write models.json as one step
            for c, src in self._candidates():
                if os.path.normcase(str(c.resolve())) == key:
                    return InstalledModel(c, facts, src)
            added = self._added()
            added.append(str(p))
            self._save_added(added)
        log.info("model added: %s (%s, %s)", p, facts.architecture, facts.quantization)
        return InstalledModel(p, facts, ADDED)

    def remove(self, path: str | os.PathLike[str], delete_file: bool = False) -> None:
        """Take a model off the list.

        Args:
            path: the model file.
            delete_file: also delete the file itself. Without it, an added file is left alone,
                and a downloaded one (which lives in Hearth's folder) is refused.

        Raises:
            ValueError: the embedded model, a download without ``delete_file``, or an unknown path.
        """
        m = self.find(path)
        if m is None:
            raise ValueError(f"{path} is not one of Hearth's models")
        if m.source == EMBEDDED:
            raise ValueError(f"{m.path.name} ships with Hearth and cannot be removed")
        if m.source == DOWNLOADED and not delete_file:
            raise ValueError(f"{m.path.name} was downloaded into Hearth's models folder; "
                             "removing it deletes the file (use delete_file / --delete-file)")
        if m.source == ADDED:
            key = os.path.normcase(str(m.path.resolve()))
            with _exclusive(self.file):
                self._save_added([p for p in self._added() if os.path.normcase(str(Path(p).resolve())) != key])
        if delete_file:
            m.path.unlink(missing_ok=True)
        log.info("model removed: %s%s", m.path, " (file deleted)" if delete_file else "")
