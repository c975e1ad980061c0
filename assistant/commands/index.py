"""`hearth index PATH... [--collection NAME] [--json] [--password FILE=PW]`: index documents."""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

DEFAULT_COLLECTION = "Documents"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="index files and folders into a document collection")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders to index")
    p.add_argument("--collection", "-c", default=DEFAULT_COLLECTION,
                   help=f"collection name (created if missing; default {DEFAULT_COLLECTION!r})")
    p.add_argument("--json", action="store_true", help="print the per-file report as JSON")
    p.add_argument("--password", action="append", default=[], metavar="FILE=PASSWORD",
                   help="password for an encrypted PDF (repeatable)")
    p.add_argument("--remember-password", action="store_true",
                   help="store passwords that work in the system keyring")
    p.add_argument("--rebuild", action="store_true",
                   help="drop the collection's index and index everything again (after changing the embedder)")
    p.add_argument("--list", action="store_true", help="list collections and exit")
    p.set_defaults(func=run)


class ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
        self.tty = self.stream.isatty()
        self.last = 0.0
        self.last_phase = ""

    def __call__(self, p) -> None:
        now = time.monotonic()
        if p.phase == self.last_phase and now - self.last < (0.1 if self.tty else 2.0) and p.phase != "done":
            return
        self.last, self.last_phase = now, p.phase
        total = max(p.files_total, 1)
        width = 28
        filled = int(width * min(p.files_done, total) / total)
        name = Path(p.current).name if p.current else ""
        line = (f"[{'#' * filled}{'-' * (width - filled)}] {p.files_done}/{p.files_total} files, "
                f"{p.chunks_done} chunks  {p.phase} {name}")[:120]
        if self.tty:
            self.stream.write("\r" + line.ljust(120) + ("\n" if p.phase == "done" else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _passwords(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"--password needs FILE=PASSWORD, got {item!r}")
        f, pw = item.split("=", 1)
        p = Path(f).expanduser()
        out[str(p.resolve()) if p.exists() else f] = pw
    return out


def run(args: argparse.Namespace) -> int:
    from assistant.core.knowledge import KnowledgeBase, KnowledgeError

    kb = KnowledgeBase()
    cancel = threading.Event()
    try:
        if args.list:
            for c in kb.list_collections():
                print(f"{c.name}\t{c.files} files\t{c.chunks} chunks\t{c.embedder}")
            return 0
        if not args.paths and not args.rebuild:
            print("hearth index: give files or folders to index (or --rebuild)", file=sys.stderr)
            return 2
        bar = ProgressBar()
        try:
            if args.rebuild:
                reports = kb.reindex(args.collection, rebuild=True, progress=bar, cancel=cancel)
                if args.paths:
                    reports += kb.index(args.collection, args.paths, passwords=_passwords(args.password),
                                        progress=bar, cancel=cancel, remember_passwords=args.remember_password)
            else:
                reports = kb.index(args.collection, args.paths, passwords=_passwords(args.password), progress=bar,
                                   cancel=cancel, remember_passwords=args.remember_password)
        except KeyboardInterrupt:
            cancel.set()
            print("\nstopped; files finished so far stay indexed", file=sys.stderr)
            return 130
        except KnowledgeError as e:
            print(f"hearth index: {e}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=2))
        else:
            for r in reports:
                extra = f" ({r.reason})" if r.reason else ""
                chunks = f", {r.chunks} chunks" if r.chunks else ""
                print(f"{r.status:30s} {r.path}{chunks}{extra}")
            counts: dict[str, int] = {}
            for r in reports:
                counts[r.status] = counts.get(r.status, 0) + 1
            print("; ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" -> collection '{args.collection}'")
        return 0
    finally:
        kb.close()
