"""Indexing one more file into a real collection updates the keyword index in place (real MiniLM, Chroma, SciFact)."""
from __future__ import annotations

import json

import pytest

from assistant.core.knowledge import KnowledgeBase
from assistant.core.knowledge import bm25
from assistant.core.knowledge.bm25 import BASE_FILE, DELTA_FILE
from assistant.core.knowledge.embedders import SentenceTransformerEmbedder


@pytest.fixture(scope="module")
def minilm():
    return SentenceTransformerEmbedder()


def scifact(shared_eval, n):
    out = []
    with open(shared_eval / "retrieval" / "scifact" / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out.append((d["_id"], d["title"], d["text"]))
            if len(out) == n:
                return out
    return out


def test_one_more_file_does_not_rebuild_the_keyword_index(paths, shared_eval, minilm, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    corpus = scifact(shared_eval, 31)
    for did, title, text in corpus[:30]:
        (docs / f"{did}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    extra_id, extra_title, extra_text = corpus[30]
    query = extra_title
    kb = KnowledgeBase(paths, minilm)
    try:
        kb.index("sci", [docs])
        assert not any(p.citation.source_path.endswith(f"{extra_id}.txt")
                       for p in kb.search("sci", query, k=5, dense=False))
        folder = kb._get("sci").folder
        base = (folder / BASE_FILE).read_bytes()
        full = bm25.REBUILDS["full"]

        (docs / f"{extra_id}.txt").write_text(f"{extra_title}\n\n{extra_text}\n", encoding="utf-8")
        kb.index("sci", [docs / f"{extra_id}.txt"])
        hits = kb.search("sci", query, k=5, dense=False)
        assert hits[0].citation.source_path.endswith(f"{extra_id}.txt")  # the new file is found by its words
        assert bm25.REBUILDS["full"] == full  # the collection was not re-tokenised ...
        assert (folder / BASE_FILE).read_bytes() == base  # ... and its base segment not rewritten
        assert (folder / DELTA_FILE).exists()

        kb.remove_file("sci", str(docs / f"{corpus[0][0]}.txt"))
        after_remove = kb.search("sci", corpus[0][1], k=5, dense=False)
        assert not any(p.citation.source_path.endswith(f"{corpus[0][0]}.txt") for p in after_remove)
        assert bm25.REBUILDS["full"] == full and (folder / BASE_FILE).read_bytes() == base
        queries = [t for _, t, _ in corpus[1:12]] + [query]
        in_place = [[p.chunk_id for p in kb.search("sci", q, k=5, dense=False)] for q in queries]
    finally:
        kb.close()
    (folder / BASE_FILE).unlink()
    (folder / DELTA_FILE).unlink()
    kb = KnowledgeBase(paths, minilm)
    try:  # a rebuild from scratch gives the same passages in the same order
        assert [[p.chunk_id for p in kb.search("sci", q, k=5, dense=False)] for q in queries] == in_place
        assert bm25.REBUILDS["full"] == full + 1
    finally:
        kb.close()
