"""The knowledge base: named collections of the user's documents, indexed and searchable.

Importing this module is cheap: chromadb, torch and sentence-transformers load on first use.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

from assistant.core.paths import Paths

from . import types as T
from .chunking import Chunker
from .embedders import Embedder
from .indexer import Indexer
from .retrieval import DEFAULT_MIN_RELEVANCE, SearchOptions, search
from .sandbox import ParserPool
from .remote_store import RemoteCollectionStore, is_remote
from .store import CollectionStore

log = logging.getLogger("assistant.knowledge")

CHUNK_TOKENS = 256
OVERLAP_TOKENS = 32


class KnowledgeBase:
    """Collections of indexed documents under ``paths.collections``.

    Args:
        paths: where Hearth keeps data (default: :func:`assistant.core.paths.resolve`).
        embedder: the embedder; default the one in the settings (all-MiniLM-L6-v2), loaded lazily.
    """

    def __init__(self, paths: Paths | None = None, embedder: Embedder | None = None, *,
                 parse_timeout: float | None = None, parse_memory_mb: int | None = None,
                 chunk_tokens: int = CHUNK_TOKENS, overlap_tokens: int = OVERLAP_TOKENS) -> None:
        if paths is None:
            from assistant.core import paths as _p

            paths = _p.resolve().ensure()
        self.paths = paths
        self.root = paths.collections
        self.root.mkdir(parents=True, exist_ok=True)
        self._embedder = embedder
        self._stores: dict[str, CollectionStore] = {}
        self._lock = threading.RLock()  # the collections registry (held briefly)
        self._work = threading.RLock()  # indexing and other changes (held for a whole run)
        pool_kw = {k: v for k, v in (("timeout", parse_timeout), ("memory_mb", parse_memory_mb)) if v is not None}
        self._pool = ParserPool(**pool_kw)
        self.chunk_tokens, self.overlap_tokens = chunk_tokens, overlap_tokens
        self.min_relevance = DEFAULT_MIN_RELEVANCE
        self._watch_thread: threading.Thread | None = None
        self._watch_stop = threading.Event()

    # -- embedder -----------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedder (created on first use)."""
        if self._embedder is None:
            from .embedders import default_embedder

            self._embedder = default_embedder(recorded=self.recorded_embedders())
        return self._embedder

    def recorded_embedders(self) -> list[str]:
        """The embedder each collection (local or on a server) was indexed with, from Hearth's own manifests."""
        return [e for s in self._all_stores() if (e := s.manifest.get("embedder"))]

    def use_embedder(self, embedder: Embedder | None) -> None:
        """Use ``embedder`` from now on (None: the one in the settings, made on next use).

        Waits for a running indexing job; collections indexed with another embedder then need a re-index
        (see :func:`assistant.core.knowledge.embedder_choice.collections_to_reindex`).
        """
        with self._work:
            self._embedder = embedder

    def _chunker(self) -> Chunker:
        e = self.embedder
        batch = getattr(e, "count_tokens_batch", None)
        counter = batch if batch is not None else (lambda texts: [e.count_tokens(t) for t in texts])
        limit = min(self.chunk_tokens, getattr(e, "max_tokens", self.chunk_tokens))
        return Chunker(counter, limit, self.overlap_tokens)

    def _check_embedder(self, store: CollectionStore) -> None:
        """Record the embedder on first use; refuse to mix vectors of another one."""
        m = store.manifest
        e = self.embedder
        recorded = m.get("embedder")
        if not recorded:
            m.set(embedder=e.name, dimension=e.dimension, normalized=int(bool(e.normalized)))
            return
        dim = int(m.get("dimension", "0") or 0)
        if recorded != e.name or (dim and dim != e.dimension) or int(m.get("normalized", "1")) != int(e.normalized):
            if isinstance(store, RemoteCollectionStore):
                raise T.EmbedderMismatch(
                    f"Collection '{store.name}' on the Chroma server at {store.url} was indexed with the embedder "
                    f"{recorded} ({dim} dimensions); this Hearth uses {e.name} ({e.dimension} dimensions), whose "
                    "vectors cannot be compared with them. Nothing was read or written.",
                    fix=f"Use the embedder {recorded} in this Hearth's settings, or add the server's collection "
                        "under another name for this embedder.")
            raise T.EmbedderMismatch(
                f"Collection '{store.name}' was indexed with the embedder {recorded} ({dim} dimensions); the current "
                f"embedder is {e.name} ({e.dimension} dimensions). Re-index it to use the new embedder "
                f"(hearth index --collection \"{store.name}\" --rebuild, or Re-index in the Knowledge panel).")

    # -- collections --------------------------------------------------------------------------
    def _all_stores(self) -> list[CollectionStore]:
        with self._lock:
            for d in sorted(self.root.iterdir()) if self.root.is_dir() else []:
                if not d.is_dir() or d.name in self._stores:
                    continue
                if is_remote(d):
                    self._stores[d.name] = RemoteCollectionStore(d)
                elif (d / "manifest.sqlite3").exists():
                    self._stores[d.name] = CollectionStore(d)
            return [s for s in self._stores.values() if s.folder.exists()]

    def _find(self, name: str) -> CollectionStore | None:
        for s in self._all_stores():
            if s.name == name:
                return s
        return None

    def _get(self, name: str) -> CollectionStore:
        s = self._find(name)
        if s is None:
            raise T.CollectionNotFound(f"There is no collection named '{name}'.")
        return s

    def _info(self, s: CollectionStore) -> T.CollectionInfo:
        files, chunks = s.manifest.counts()
        return T.CollectionInfo(id=s.id, name=s.name, embedder=s.manifest.get("embedder"),
                                dimension=int(s.manifest.get("dimension", "0") or 0), files=files, chunks=chunks,
                                watched=s.manifest.watched())

    def _info_or_unreachable(self, s: CollectionStore) -> T.CollectionInfo:
        try:
            return self._info(s)
        except T.KnowledgeError as e:
            if not isinstance(s, RemoteCollectionStore):
                raise
            log.warning("collection %s: %s", s.name, e)
            return T.CollectionInfo(id=s.id, name=s.name, embedder="", dimension=0, files=0, chunks=0,
                                    watched=s.manifest.watched())

    def list_collections(self) -> list[T.CollectionInfo]:
        """All collections, by name (a remote one whose server does not answer shows no files)."""
        return sorted((self._info_or_unreachable(s) for s in self._all_stores()), key=lambda c: c.name.casefold())

    def remote_url(self, name: str) -> str | None:
        """The Chroma server address of a remote collection, None for a local one."""
        s = self._get(name)
        return s.url if isinstance(s, RemoteCollectionStore) else None

    def add_remote_collection(self, name: str, url: str, token: str | None = None) -> T.CollectionInfo:
        """Use a collection kept on a Chroma server (``chroma run``); created there if missing.

        Every Hearth that adds the same name on the same server shares its files and chunks.

        Args:
            name: the collection's name (also its name on the server when Chroma accepts it).
            url: the server, ``http://HOST:PORT``.
            token: sent as a bearer token; kept in the system keyring, never in a file.

        Raises:
            KnowledgeError: the name is taken here, or the server does not answer (nothing is added).
            NoKeyringError: a token was given but there is no keyring to keep it.
        """
        from assistant.core import secrets

        from .remote_store import token_secret

        name = name.strip()
        if not name:
            raise T.KnowledgeError("A collection needs a name.")
        with self._lock:
            if self._find(name) is not None:
                raise T.KnowledgeError(f"A collection named '{name}' already exists.")
            cid = "remote-" + uuid.uuid4().hex[:16]
            s = RemoteCollectionStore.create(self.root / cid, name, url)
            try:
                if token:
                    secrets.set_secret(token_secret(cid), token)
                s.chroma  # connect now: a wrong address is said here, not at the first search
                info = self._info(s)
            except BaseException:
                s.destroy()
                raise
            self._stores[cid] = s
            return info

    def create_collection(self, name: str) -> T.CollectionInfo:
        """Create an empty collection; ``name`` can be anything the user likes (Chinese too)."""
        name = name.strip()
        if not name:
            raise T.KnowledgeError("A collection needs a name.")
        with self._lock:
            if self._find(name) is not None:
                raise T.KnowledgeError(f"A collection named '{name}' already exists.")
            cid = "hearth-" + uuid.uuid4().hex[:16]  # Chroma accepts only [a-zA-Z0-9._-]
            s = CollectionStore(self.root / cid)
            s.manifest.set(name=name, created=time.time())
            self._stores[cid] = s
            return self._info(s)

    def rename_collection(self, name: str, new_name: str) -> None:
        """Rename a collection (only the name the user sees changes)."""
        new_name = new_name.strip()
        with self._lock:
            s = self._get(name)
            if not new_name:
                raise T.KnowledgeError("A collection needs a name.")
            if new_name != name and self._find(new_name) is not None:
                raise T.KnowledgeError(f"A collection named '{new_name}' already exists.")
            s.manifest.set(name=new_name)

    def delete_collection(self, name: str) -> None:
        """Delete a collection and its index (the user's files are untouched)."""
        with self._work, self._lock:
            s = self._get(name)
            self._stores.pop(s.id, None)
            s.destroy()

    # -- files --------------------------------------------------------------------------------
    def index(self, name: str, sources: list[Path], *, passwords: dict[str, str] | None = None,
              progress: Callable[[T.IndexProgress], None] | None = None, cancel: threading.Event | None = None,
              remember_passwords: bool = False) -> list[T.FileReport]:
        """Index files and folders into a collection (created if missing).

        Unchanged files are skipped, changed ones replaced, files gone from an indexed folder removed.

        Args:
            name: the collection.
            sources: files and folders.
            passwords: PDF passwords by path (or file name).
            progress: called with :class:`IndexProgress` as work proceeds.
            cancel: set it to stop after the current step; what is done so far stays indexed.
            remember_passwords: store passwords that worked in the OS keyring.

        Returns:
            One :class:`FileReport` per file.
        """
        with self._work:
            s = self._find(name)
            if s is None:
                self.create_collection(name)
                s = self._get(name)
            self._check_embedder(s)
            return Indexer(s, self.embedder, self._pool, self._chunker()).run(
                [Path(p) for p in sources], passwords=passwords, progress=progress, cancel=cancel,
                remember_passwords=remember_passwords)

    def reindex(self, name: str, *, rebuild: bool = False, **kw) -> list[T.FileReport]:
        """Re-check every known file and watched folder of a collection.

        Args:
            rebuild: drop the whole index first (needed after changing the embedder).
            **kw: as for :meth:`index`.
        """
        with self._work:
            s = self._get(name)
            from .indexer import SKIPPED

            # Skipped paths (FIFOs, links out of a folder) come back only through their folder's
            # scan: named one by one they would be judged as if the user had picked them.
            known = [Path(f.path) for f in s.manifest.files() if f.status != SKIPPED]
            if rebuild and isinstance(s, RemoteCollectionStore):
                raise T.KnowledgeError(
                    f"Collection '{name}' is shared on the Chroma server at {s.url}; Hearth does not drop a shared "
                    "index.", fix="Delete the collection on the server (or add one under another name), then index.")
            if rebuild:
                watched = s.manifest.watched()
                self.delete_collection(name)
                self.create_collection(name)
                for w in watched:
                    self.watch(name, Path(w))
                s = self._get(name)
            sources = known + [Path(w) for w in s.manifest.watched()]
            return self.index(name, sources, **kw)

    def remove_file(self, name: str, path: str) -> None:
        """Take one file out of a collection."""
        with self._work:
            s = self._get(name)
            key = str(Path(path).resolve()) if Path(path).exists() else path
            if s.manifest.file(key) is None:
                raise T.KnowledgeError(f"{path} is not in the collection '{name}'.")
            s.chroma  # opening reconciles first
            Indexer(s, self.embedder, self._pool, self._chunker()).remove(key)

    def files(self, name: str) -> list[T.SourceFile]:
        """The manifest rows of a collection."""
        return self._get(name).manifest.files()

    def watch(self, name: str, folder: Path, enabled: bool = True) -> None:
        """Add (or remove) a folder whose changes are indexed while Hearth runs."""
        s = self._find(name)
        if s is None:
            self.create_collection(name)
            s = self._get(name)
        s.manifest.set_watched(str(Path(folder).expanduser().resolve()), enabled)

    def start_watching(self, on_change: Callable[[str, list[T.FileReport]], None], interval: float = 5.0) -> None:
        """Poll watched folders in a background thread; ``on_change(collection, reports)`` on changes."""
        from .watcher import watch_loop

        self.stop_watching()
        self._watch_stop = threading.Event()
        self._watch_thread = threading.Thread(target=watch_loop, args=(self, on_change, interval, self._watch_stop),
                                              name="hearth-watch", daemon=True)
        self._watch_thread.start()

    def stop_watching(self) -> None:
        """Stop the polling thread (waits for the current pass)."""
        self._watch_stop.set()
        if self._watch_thread is not None:
            self._watch_thread.join(60)
            self._watch_thread = None

    # -- retrieval ----------------------------------------------------------------------------
    def search(self, name: str, query: str, k: int = 5, *, mmr: bool = False,
               min_score: float | None = None, dense: bool = True, keyword: bool = True) -> list[T.Passage]:
        """The ``k`` passages most relevant to ``query``, best first.

        Args:
            min_score: minimum cosine relevance (default :attr:`min_relevance`); passages below it are
                dropped unless they contain most of the query's keywords. An empty list means "nothing
                relevant" (see :data:`NO_RELEVANT_PASSAGES`).
            mmr: diversify with maximal marginal relevance.
            dense, keyword: which signals to use (both by default, fused by reciprocal rank).
        """
        s = self._get(name)
        self._check_embedder(s)
        opts = SearchOptions(mmr=mmr, dense=dense, keyword=keyword,
                             min_score=self.min_relevance if min_score is None else min_score)
        return search(s, self.embedder, query, k, opts)

    def close(self) -> None:
        """Stop watching, stop the parser child, close the collections (and Chroma's child, if it runs)."""
        from . import chroma_child

        self.stop_watching()
        self._pool.close()
        with self._lock:
            for s in self._stores.values():
                s.close()
            self._stores.clear()
        chroma_child.close_host()  # Chroma finishes its writes and exits (else it is ended at exit)
