"""`hearth eval retrieval` (BEIR retrieval quality) and `hearth eval answers` (answers to a QA set, A/B)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate retrieval (BEIR) or answers (a QA set, A/B)")
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
    a = evsub.add_parser(
        "answers", help="answer a QA set's questions with one or two configurations and score them",
        description="Index the set's docs/, ask each question as a chat would, score the answers (SQuAD/CMRC "
                    "exact and F1, abstentions, citation and retrieval hits, speed) and compare A with B.",
        epilog="configuration keys: model=PATH|NAME, docs=on|off, k=N, retrieval=hybrid|dense|bm25, "
               "template=NAME[@VERSION], system=TEXT, adapter=PATH[:SCALE] (repeatable), temperature=T, max_tokens=N, "
               "grounding=off|balanced|strict, reflect=on|off, compress=on|off")
    a.add_argument("--set", dest="set_dir", type=Path, required=True, metavar="DIR",
                   help="QA set folder: docs/ and questions.jsonl")
    a.add_argument("--limit", type=int, default=None, metavar="N", help="evaluate N items drawn with --seed")
    a.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the sample, sampling and bootstrap")
    a.add_argument("--a", nargs="+", default=[], metavar="KEY=VALUE", help="configuration A (default: docs=on)")
    a.add_argument("--b", nargs="+", default=None, metavar="KEY=VALUE", help="configuration B, compared with A")
    a.add_argument("--report", type=Path, default=None, metavar="FILE.html",
                   help="HTML report (default: in Hearth's data folder, under evals/); items go to FILE.jsonl")
    a.add_argument("--json", action="store_true", help="print one JSON object")
    a.set_defaults(func=run_answers_command)


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


class EtaBar:
    """Answers done, with the time left, on stderr (one line; plain lines when not a terminal)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last = 0.0

    def __call__(self, done: int, total: int, eta_s: float) -> None:
        now = time.monotonic()
        if done < total and now - self.last < (0.2 if self.tty else 10.0):
            return
        self.last = now
        width = 28
        filled = int(width * done / max(total, 1))
        m, sec = divmod(int(eta_s + 0.5), 60)
        line = f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} answers  ETA {m}:{sec:02d}"
        self.stream.write(("\r" + line.ljust(70) + ("\n" if done == total else "")) if self.tty else line + "\n")
        self.stream.flush()


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def run_answers_command(args: argparse.Namespace) -> int:
    from assistant.core.app import Hearth
    from assistant.core.evals.answers import run_answers
    from assistant.core.evals.qa_config import parse_config
    from assistant.core.evals.report import items_path, write_report

    from .index import ProgressBar

    configs = [parse_config(args.a, "a")]
    if args.b is not None:
        configs.append(parse_config(args.b, "b"))
    hearth = Hearth()
    try:
        run = run_answers(args.set_dir, configs, limit=args.limit, seed=args.seed, hearth=hearth,
                          progress=EtaBar(), index_progress=ProgressBar())
        report = args.report or (hearth.paths.data / "evals" /
                                 f"{run.qaset.name}-{time.strftime('%Y%m%d-%H%M%S')}.html")
        path = write_report(run, report)
    finally:
        hearth.close()
    summary = run.summary(str(path))
    if args.json:
        print(json.dumps({k: summary[k] for k in ("set", "n", "a", "b", "paired", "report", "interrupted",
                                                  "seconds", "items_per_minute")}, ensure_ascii=False))
    else:
        names = [k for k in summary["a"]]
        cols = [c.label for c in configs]
        print(f"{run.qaset.name}: {summary['n']} items" + (" (interrupted)" if run.interrupted else "")
              + f", {summary['items_per_minute']} items/min")
        print(f"{'metric':<22}" + "".join(f"{c.upper():>10}" for c in cols))
        for name in names:
            print(f"{name:<22}" + "".join(f"{_fmt(summary[c][name]):>10}" for c in cols))
        p = summary["paired"]
        if p:
            print(f"F1 B - A: {p['f1_diff']:+.3f}  95% interval [{p['ci95'][0]:+.3f}, {p['ci95'][1]:+.3f}]  "
                  f"B better {p['wins']}, equal {p['ties']}, worse {p['losses']}")
        print(f"report: {path}\nitems: {items_path(path)}")
    return 130 if run.interrupted else 0
