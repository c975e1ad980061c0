"""`hearth eval retrieval --beir DIR [--split NAME] [--json] [--limit N]`: measure retrieval quality."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate retrieval on a BEIR-format set")
    evsub = p.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    r = evsub.add_parser("retrieval", help="index a BEIR set and report nDCG@10, recall@10 and MRR")
    r.add_argument("--beir", type=Path, required=True, help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")
    r.add_argument("--split", default="test", help="qrels split (qrels/NAME.tsv; default test)")
    r.add_argument("--limit", type=int, default=None, help="use at most N documents (relevant ones first)")
    r.add_argument("--queries", type=int, default=None, help="use at most N queries")
    r.add_argument("--mode", choices=("fused", "dense", "bm25", "all"), default="fused",
                   help="retrieval signals to use (default: fused dense + BM25)")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(func=run_retrieval)


def run_retrieval(args: argparse.Namespace) -> int:
    from assistant.core.evals.beir import run_beir
    from assistant.core.knowledge import KnowledgeError

    from .index import ProgressBar

    modes = ("fused", "dense", "bm25") if args.mode == "all" else (args.mode,)
    try:
        scores = run_beir(args.beir, args.split, limit=args.limit, max_queries=args.queries, modes=modes,
                          progress=ProgressBar())
    except (FileNotFoundError, KnowledgeError) as e:
        print(f"hearth eval retrieval: {e}", file=sys.stderr)
        return 1
    main = scores[modes[0]]
    out = main.as_dict()
    if len(modes) > 1:
        out["modes"] = {m: s.as_dict() for m, s in scores.items()}
    if args.json:
        print(json.dumps(out))
    else:
        for m, s in scores.items():
            print(f"{args.beir.name} [{args.split}, {m}]: nDCG@10 {s.ndcg10:.4f}  recall@10 {s.recall10:.4f}  "
                  f"MRR {s.mrr:.4f}  ({s.queries} queries)")
    return 0
