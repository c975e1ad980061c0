"""Run a BEIR-format retrieval set through Hearth's real indexing and retrieval path.

A BEIR folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl`` (``_id``,
``text``) and ``qrels/<split>.tsv`` (query-id, corpus-id, score). Each document becomes a
Markdown file (title as heading) in a work folder, which is indexed into a collection exactly as a
user's folder would be; queries go through :meth:`KnowledgeBase.search` and the passages are mapped
back to documents (first passage of each document counts).
"""
from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant.core.knowledge import IndexProgress, KnowledgeBase

from .metrics import ndcg_at_k, recall_at_k, reciprocal_rank

log = logging.getLogger("assistant.evals")

MODES = {"fused": (True, True), "dense": (True, False), "bm25": (False, True)}


@dataclass
class BeirSet:
    """A loaded BEIR set (possibly a subset)."""

    corpus: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    name: str = ""


@dataclass
class RetrievalScores:
    """Metrics of one run."""

    ndcg10: float
    recall10: float
    mrr: float
    queries: int
    seconds: float = 0.0
    per_query_ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ndcg@10": round(self.ndcg10, 4), "recall@10": round(self.recall10, 4), "mrr": round(self.mrr, 4),
                "queries": self.queries}


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_beir(folder: Path, split: str = "test", *, limit: int | None = None,
              max_queries: int | None = None) -> BeirSet:
    """Load a BEIR folder.

    Args:
        folder: the set's folder.
        split: the qrels file name without ``.tsv``.
        limit: at most this many documents: those relevant to the kept queries first, then others
            in file order (so a subset is still a fair retrieval problem with distractors).
        max_queries: at most this many queries (in file order).

    Raises:
        FileNotFoundError: with the missing file named.
    """
    folder = Path(folder)
    qrels_file = folder / "qrels" / f"{split}.tsv"
    for f in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_file):
        if not f.exists():
            raise FileNotFoundError(f"BEIR set incomplete: {f} is missing")
    qrels: dict[str, dict[str, int]] = {}
    with open(qrels_file, encoding="utf-8") as f:
        for n, line in enumerate(f):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or (n == 0 and not parts[2].lstrip("-").isdigit()):
                continue
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    docs = _jsonl(folder / "corpus.jsonl")
    corpus = {str(d["_id"]): (d.get("title") or "", d.get("text") or "") for d in docs}
    queries = {str(q["_id"]): q["text"] for q in _jsonl(folder / "queries.jsonl") if str(q["_id"]) in qrels}
    qids = list(queries)
    if max_queries is not None:
        qids = qids[:max_queries]
    if limit is not None and limit < len(corpus):
        keep: dict[str, None] = {}
        kept_q = []
        for q in qids:
            rel = [d for d in qrels[q] if d in corpus]
            if len(keep) + len(rel) > limit * 0.5:
                break
            keep.update(dict.fromkeys(rel))
            kept_q.append(q)
        for d in corpus:
            if len(keep) >= limit:
                break
            keep.setdefault(d, None)
        corpus = {d: corpus[d] for d in keep}
        qids = kept_q
    queries = {q: queries[q] for q in qids if any(d in corpus for d in qrels[q])}
    return BeirSet(corpus, queries, {q: qrels[q] for q in queries}, folder.name)


def write_corpus(data: BeirSet, folder: Path) -> dict[str, str]:
    """Write each document as a Markdown file; returns resolved file path -> document id."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, str] = {}
    for n, (doc_id, (title, text)) in enumerate(data.corpus.items()):
        p = folder / f"doc{n:07d}.md"
        body = f"# {' '.join(title.split())}\n\n{text}\n" if title.strip() else f"{text}\n"
        p.write_text(body, encoding="utf-8")
        out[str(p.resolve())] = doc_id
    return out


def evaluate(kb: KnowledgeBase, collection: str, data: BeirSet, doc_of: dict[str, str], *, mode: str = "fused",
             k: int = 10) -> RetrievalScores:
    """Query every question and score the document ranking."""
    dense, keyword = MODES[mode]
    nd = rc = rr = 0.0
    times: list[float] = []
    t0 = time.perf_counter()
    for qid, text in data.queries.items():
        t = time.perf_counter()
        passages = kb.search(collection, text, k=k * 3, min_score=-1.0, dense=dense, keyword=keyword)
        times.append((time.perf_counter() - t) * 1000)
        ranked: list[str] = []
        for p in passages:
            d = doc_of.get(p.citation.source_path)
            if d is not None and d not in ranked:
                ranked.append(d)
        rel = data.qrels[qid]
        nd += ndcg_at_k(ranked, rel, k)
        rc += recall_at_k(ranked, rel, k)
        rr += reciprocal_rank(ranked, rel)
    n = max(1, len(data.queries))
    return RetrievalScores(nd / n, rc / n, rr / n, len(data.queries), time.perf_counter() - t0, times)


def run_beir(folder: Path, split: str = "test", *, limit: int | None = None, max_queries: int | None = None,
             kb: KnowledgeBase | None = None, modes: tuple[str, ...] = ("fused",), work_dir: Path | None = None,
             progress: Callable[[IndexProgress], None] | None = None) -> dict[str, RetrievalScores]:
    """Index a BEIR set into a fresh collection and evaluate it in the given modes.

    Args:
        folder: the BEIR folder.
        split: qrels split.
        limit, max_queries: subset sizes (see :func:`load_beir`).
        kb: the knowledge base to use (default: a new one with the configured embedder).
        modes: any of "fused", "dense", "bm25".
        work_dir: where to write the documents (default: a temporary folder, removed afterwards).

    Returns:
        Scores per mode.
    """
    data = load_beir(folder, split, limit=limit, max_queries=max_queries)
    own_kb = kb is None
    kb = kb or KnowledgeBase()
    name = f"eval {data.name} {split} {time.strftime('%Y%m%d-%H%M%S')}"
    tmp = tempfile.TemporaryDirectory(prefix="hearth-beir-") if work_dir is None else None
    try:
        docs = Path(tmp.name if tmp else work_dir) / "docs"  # type: ignore[arg-type]
        doc_of = write_corpus(data, docs)
        kb.index(name, [docs], progress=progress)
        return {m: evaluate(kb, name, data, doc_of, mode=m) for m in modes}
    finally:
        try:
            kb.delete_collection(name)
        except Exception as e:  # cleaning up must not hide the result or the real error
            log.warning("could not delete the evaluation collection %s: %s", name, e)
        if own_kb:
            kb.close()
        if tmp is not None:
            tmp.cleanup()
