"""One collection on disk: its manifest, its Chroma collection and its BM25 cache.

Layout under ``paths.collections/<id>/``: ``manifest.sqlite3``, ``chroma/`` (a PersistentClient
with telemetry off; we pass our own vectors and never use Chroma's embedding function) and
``bm25.npz`` (the keyword index's base segment) with ``bm25-delta.npz`` (its changes since).
"""
from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from . import types as T
from .bm25 import BM25Index, open_index
from .chunking import embedding_text
from .manifest import Manifest

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("assistant.knowledge")

CHROMA_BATCH = 4000  # below Chroma's max batch size


def open_chroma(path: str):
    """A Chroma client on a folder, telemetry off (chromadb is imported only now)."""
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


def open_collection(client, name: str):
    """A collection of ours on a client: our own vectors (no embedding function), cosine distance."""
    return client.get_or_create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})


class CollectionStore:
    """Manifest + Chroma + BM25 of one collection. Opening reconciles what a crash left behind."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.id = folder.name
        self.manifest = Manifest(folder / "manifest.sqlite3")
        self._client = None
        self._collection = None
        self._bm25: BM25Index | None = None
        self._lock = threading.RLock()
        self._reconciled = False

    @property
    def name(self) -> str:
        return self.manifest.get("name", self.id)

    # -- Chroma -------------------------------------------------------------------------------
    @property
    def chroma(self):
        """The Chroma collection (opened on first use; chromadb is imported only then)."""
        with self._lock:
            if self._collection is None:
                from . import chroma_child

                if chroma_child.in_child():  # the window: Chroma's calls hold the interpreter (chroma_child)
                    self._collection = chroma_child.ChildCollection(str(self.folder / "chroma"), self.id)
                else:
                    self._client = open_chroma(str(self.folder / "chroma"))
                    self._collection = open_collection(self._client, self.id)
            if not self._reconciled:
                self._reconciled = True
                self.reconcile()
            return self._collection

    def upsert(self, chunks: Sequence[T.Chunk], vectors: "np.ndarray", path: str | Sequence[str]) -> None:
        """Write chunks and their vectors to Chroma (in batches Chroma accepts).

        Args:
            path: the source file of all the chunks, or one path per chunk (several files at once).
        """
        col = self.chroma
        paths = [path] * len(chunks) if isinstance(path, str) else list(path)
        for i in range(0, len(chunks), CHROMA_BATCH):
            part = chunks[i:i + CHROMA_BATCH]
            col.upsert(ids=[c.chunk_id for c in part], embeddings=vectors[i:i + CHROMA_BATCH],
                       documents=[c.text for c in part],
                       metadatas=[{"path": p, "page": c.page if c.page is not None else -1, "idx": c.index}
                                  for c, p in zip(part, paths[i:i + CHROMA_BATCH])])

    def delete(self, ids: Sequence[str]) -> None:
        """Delete chunk ids from Chroma (ids that are not there are ignored)."""
        ids = list(ids)
        for i in range(0, len(ids), CHROMA_BATCH):
            self.chroma.delete(ids=ids[i:i + CHROMA_BATCH])

    def all_chroma_ids(self) -> set[str]:
        out: set[str] = set()
        col = self.chroma
        total = col.count()
        for off in range(0, total, 10000):
            out.update(col.get(include=[], limit=10000, offset=off)["ids"])
        return out

    def reconcile(self) -> None:
        """Make Chroma match the manifest after a crash: remove orphans, mark files missing vectors.

        Cheap in the common case: only ids noted as pending are checked, plus a count comparison.
        Ids pending in a process that is still running (indexing this collection right now) are
        its work in progress: they are neither deleted nor taken for orphans.
        """
        col = self._collection
        pending = self.manifest.pending()
        if pending:
            keep = self.manifest.chunk_ids()
            orphans = [i for i in pending if i not in keep]
            if orphans:
                log.info("collection %s: removing %d chunks left by an interrupted run", self.id, len(orphans))
                for i in range(0, len(orphans), CHROMA_BATCH):
                    col.delete(ids=orphans[i:i + CHROMA_BATCH])
            self.manifest.clear_pending(pending)
        _, n_manifest = self.manifest.counts()
        if col.count() != n_manifest:
            have = self.all_chroma_ids()
            want = self.manifest.chunk_ids()
            extra = list(have - want - self.manifest.pending_all())
            if extra:
                log.warning("collection %s: removing %d chunks unknown to the manifest", self.id, len(extra))
                for i in range(0, len(extra), CHROMA_BATCH):
                    col.delete(ids=extra[i:i + CHROMA_BATCH])
            missing = want - have
            if missing:
                rows = self.manifest.chunk_rows(sorted(missing))
                for path in {r[0] for r in rows.values()}:
                    log.warning("collection %s: %s lost vectors; it will be re-indexed", self.id, path)
                    self.manifest.mark_lost(path)

    # -- BM25 ---------------------------------------------------------------------------------
    def bm25(self) -> BM25Index:
        """The keyword index for the current chunk set (cached in memory and on disk, updated in place)."""
        with self._lock:
            self._bm25 = open_index(self.folder, self.manifest, self._bm25)
            return self._bm25

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        """Release the manifest and Chroma."""
        from .chroma_child import ChildCollection, release

        with self._lock:
            self.manifest.close()
            if isinstance(self._collection, ChildCollection):
                release(self._collection.path)
            # Chroma shares one system per path inside the process; dropping our references is enough.
            self._collection = None
            self._client = None

    def destroy(self) -> None:
        """Delete the collection from disk."""
        from .chroma_child import ChildCollection, host

        if self._client is not None:
            self._client.delete_collection(self.id)
        elif isinstance(self._collection, ChildCollection):
            host().call("delete_collection", self._collection.path, self.id)
        self.close()
        shutil.rmtree(self.folder, ignore_errors=False)


__all__ = ["CollectionStore", "embedding_text"]
