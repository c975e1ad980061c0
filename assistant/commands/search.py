"""`hearth search "QUERY" --collection NAME [--k 10] [--mode hybrid|dense|bm25] [--json]`: retrieval only.

Shows the passages a chat would be given for a question (file, page, score, text), without a
model: useful to find something in one's documents and to check what was extracted from them.
"""
from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

from .index import default_collection

TEXT_CHARS = 400  # of each passage in the plain listing (--json always has the whole text)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="find the passages of a document collection that match a question",
                       description="Retrieval only (no model): the passages a chat would be given, best first, "
                                   "with file, page, score and text.")
    p.add_argument("query", help="the question or keywords")
    p.add_argument("--collection", "-c", default=default_collection(),
                   help=f"collection to search (default {default_collection()!r})")
    p.add_argument("--k", "-k", type=int, default=10, help="how many passages (default 10)")
    p.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid",
                   help="meaning and keywords fused (default), meaning only, or keywords only")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _row(rank: int, p) -> dict:
    c = p.citation
    return {"rank": rank, "file": c.source_path, "page": c.page, "heading": c.heading or None,
            "score": round(float(p.score), 6), "relevance": round(float(p.relevance), 4),
            "start": c.start, "end": c.end, "text": p.text}


def run(args: argparse.Namespace) -> int:
    from assistant.core.app import Hearth
    from assistant.core.errors import HearthError

    if args.k < 1:
        raise HearthError(f"--k must be at least 1, not {args.k}")
    if not args.query.strip():
        raise HearthError("the query is empty: give the words or question to search for")
    hearth = Hearth()
    try:
        passages = hearth.retrieve(args.collection, args.query, k=args.k, mode=args.mode)
    finally:
        hearth.close()
    rows = [_row(n, p) for n, p in enumerate(passages, 1)]
    if args.json:
        print(json.dumps({"query": args.query, "collection": args.collection, "mode": args.mode,
                          "passages": rows}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"No passage of '{args.collection}' is relevant to this query.")
        return 0
    for r in rows:
        where = Path(r["file"]).name + (f", page {r['page']}" if r["page"] is not None else "")
        if r["heading"]:
            where += f", {r['heading']}"
        flat = " ".join(r["text"].split())
        if len(flat) > TEXT_CHARS:
            flat = flat[: TEXT_CHARS - 1].rstrip() + "…"
        print(f"[{r['rank']}] {where}  (score {r['score']:.4f})\n    {r['file']}")
        print(textwrap.indent(textwrap.fill(flat, 100), "    "))
    return 0
