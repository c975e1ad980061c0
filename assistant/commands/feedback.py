"""`hearth feedback add|list|export|to-evalset`: rate answers and turn the ratings into data sets."""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feedback", help="rate answers (up/down, a better answer) and export the ratings")
    fsub = p.add_subparsers(dest="feedback_command", metavar="WHAT", required=True)
    a = fsub.add_parser("add", help="rate a stored answer")
    a.add_argument("message_id", metavar="MESSAGE_ID", help="the answer's message id")
    a.add_argument("rating", choices=("up", "down"))
    a.add_argument("--better", metavar="TEXT", help="a better answer (for a down rating)")
    a.set_defaults(func=run_add)
    ls = fsub.add_parser("list", help="list the ratings")
    ls.add_argument("--since", metavar="DATE", help="only ratings from this date (YYYY-MM-DD)")
    ls.add_argument("--json", action="store_true", help="one JSON object a line")
    ls.set_defaults(func=run_list)
    ex = fsub.add_parser("export", help="export ratings for fine-tuning (chat-jsonl, dpo-jsonl) or a sheet (csv)")
    ex.add_argument("--format", required=True, choices=("chat-jsonl", "dpo-jsonl", "csv"))
    ex.add_argument("--since", metavar="DATE", help="only ratings from this date (YYYY-MM-DD)")
    ex.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default: standard output)")
    ex.set_defaults(func=run_export)
    ev = fsub.add_parser("to-evalset", help="turn down-rated answers with a better answer into a QA set")
    ev.add_argument("folder", type=Path, metavar="DIR")
    ev.set_defaults(func=run_to_evalset)


def _open():
    from assistant.core.app import Hearth
    from assistant.core.evals.feedback import FeedbackStore

    hearth = Hearth()
    return hearth, FeedbackStore(hearth.paths.data / "feedback.db")


def run_add(args: argparse.Namespace) -> int:
    hearth, store = _open()
    try:
        fb = store.add(hearth, args.message_id, args.rating, args.better)
    finally:
        store.close()
        hearth.close()
    print(f"{'👍' if fb.rating == 'up' else '👎'} recorded for {fb.message_id}"
          + (" with a better answer" if fb.better else ""))
    return 0


def run_list(args: argparse.Namespace) -> int:
    from assistant.core.evals.feedback import parse_since

    hearth, store = _open()
    try:
        items = store.list(parse_since(args.since))
    finally:
        store.close()
        hearth.close()
    for fb in items:
        if args.json:
            print(json.dumps({"message_id": fb.message_id, "conversation_id": fb.conversation_id,
                              "rating": fb.rating, "better": fb.better, "created": fb.created,
                              "question": fb.context.get("question"), "answer": fb.context.get("answer"),
                              "model": fb.context.get("model")}, ensure_ascii=False))
        else:
            when = datetime.datetime.fromtimestamp(fb.created).strftime("%Y-%m-%d %H:%M")
            q = " ".join(str(fb.context.get("question", "")).split())[:60]
            print(f"{when}  {fb.rating:<4}  {fb.message_id}  {q}" + ("  (better answer given)" if fb.better else ""))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from assistant.core.evals.feedback import export_lines, parse_since

    hearth, store = _open()
    try:
        lines = list(export_lines(store.list(parse_since(args.since)), args.format))
    finally:
        store.close()
        hearth.close()
    text = "".join(line + "\n" for line in lines)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"{len(lines)} lines written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run_to_evalset(args: argparse.Namespace) -> int:
    from assistant.core.evals.feedback import to_evalset

    hearth, store = _open()
    try:
        n = to_evalset(store.list(), args.folder)
    finally:
        store.close()
        hearth.close()
    print(f"{n} questions written to {args.folder}; run `hearth eval answers --set {args.folder}`")
    return 0
