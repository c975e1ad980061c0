"""A collection opened while another index run writes to it loses nothing; a torn keyword cache is
rebuilt (real Chroma, real parser child, hash embedder)."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from assistant.core.knowledge import HashEmbedder, KnowledgeBase
from assistant.core.knowledge.store import CollectionStore


def write_notes(folder: Path, n: int = 6) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"note{i}.txt").write_text(f"Note {i}: the harbour master counts {i} boats at dawn.",
                                             encoding="utf-8")


def test_opening_the_collection_during_a_write_does_not_delete_the_vectors_in_flight(paths, tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    write_notes(docs, 2)
    writer = KnowledgeBase(paths, HashEmbedder())
    writer.index("docs", [docs / "note0.txt"])  # the collection exists, with one file
    in_flight = threading.Event()
    go_on = threading.Event()
    real_upsert = CollectionStore.upsert
    writer_thread: list[threading.Thread] = []

    def upsert_then_pause(self, *a, **kw):
        real_upsert(self, *a, **kw)
        if threading.current_thread() in writer_thread:
            in_flight.set()  # vectors are in Chroma, the manifest commit is next
            go_on.wait(30)

    monkeypatch.setattr(CollectionStore, "upsert", upsert_then_pause)
    t = threading.Thread(target=lambda: writer.index("docs", [docs / "note1.txt"]))
    writer_thread.append(t)
    t.start()
    reader = KnowledgeBase(paths, HashEmbedder())  # another window, or `hearth` in a terminal
    try:
        assert in_flight.wait(60)
        reader.search("docs", "harbour master boats", k=3)  # opening reconciles
        go_on.set()
        t.join(60)
        store = writer._get("docs")
        assert store.manifest.chunk_ids() == store.all_chroma_ids(), "vectors of the running index were deleted"
        hits = writer.search("docs", "harbour master counts 1 boats", k=5, min_score=-1)
        assert any(p.citation.source_path.endswith("note1.txt") for p in hits)
    finally:
        go_on.set()
        reader.close()
        writer.close()


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage", "wrong shape"])
def test_a_torn_keyword_cache_is_rebuilt_and_keyword_search_answers(paths, tmp_path, damage):
    import numpy as np

    docs = tmp_path / "docs"
    write_notes(docs)
    kb = KnowledgeBase(paths, HashEmbedder())
    try:
        kb.index("docs", [docs])
        first = kb.search("docs", "harbour master", k=3, dense=False)
        assert first
        cache = kb._get("docs").folder / "bm25.npz"
    finally:
        kb.close()
    assert cache.exists()
    data = cache.read_bytes()
    if damage == "truncated":
        cache.write_bytes(data[: len(data) // 2])  # what a power cut mid-write left (BadZipFile)
    elif damage == "empty":
        cache.write_bytes(b"")  # EOFError
    elif damage == "garbage":
        cache.write_bytes(os.urandom(len(data)))
    else:
        with np.load(cache) as z:
            parts = {k: z[k] for k in z.files}
        parts["shape"] = np.asarray([1, 1])
        with open(cache, "wb") as f:
            np.savez(f, **parts)
    kb = KnowledgeBase(paths, HashEmbedder())
    try:
        again = kb.search("docs", "harbour master", k=3, dense=False)
        assert [p.chunk_id for p in again] == [p.chunk_id for p in first]
    finally:
        kb.close()
    from assistant.core.knowledge.bm25 import BM25Index

    assert BM25Index.load(cache) is not None  # rewritten whole
    assert not [p for p in cache.parent.iterdir() if p.name.endswith(".tmp")]

