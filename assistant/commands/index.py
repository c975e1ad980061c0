"""`hearth index PATH... [--collection NAME] [--json] [--ask-password | --password-stdin]`: index documents.

Passwords never need to be on the command line (where every user of the machine can read them
in the process list): ``--ask-password`` asks for each file that needs one, ``--password-stdin``
reads them from standard input. ``--password FILE=PW`` still works, with a warning.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

DEFAULT_COLLECTION = "Documents"  # in English; named in the user's language at run time


def default_collection() -> str:
    """The collection used when none is named, in the user's language (as the window names it)."""
    from assistant.core.i18n import default_collection_name

    return default_collection_name()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="index files and folders into a document collection")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders to index")
    p.add_argument("--collection", "-c", default=default_collection(),
                   help=f"collection name (created if missing; default {default_collection()!r})")
    p.add_argument("--json", action="store_true", help="print the per-file report as JSON")
    p.add_argument("--ask-password", action="store_true",
                   help="ask in the terminal (without echo) for the password of each file that needs one")
    p.add_argument("--password-stdin", action="store_true",
                   help="read passwords from standard input: FILE=PASSWORD lines, or one line with a single "
                        "password for every file that needs one")
    p.add_argument("--password", action="append", default=[], metavar="FILE=PASSWORD",
                   help="password for an encrypted file (repeatable; visible to other users in the process list: "
                        "prefer --ask-password or --password-stdin)")
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


PASSWORD_STATUSES = ("needs password", "wrong password")
ASK_TRIES = 3
ARGV_WARNING = ("hearth index: warning: a password given with --password can be read by other users of this "
                "computer (process list, shell history); use --ask-password or --password-stdin instead")


def _key(f: str) -> str:
    p = Path(f).expanduser()
    return str(p.resolve()) if p.exists() else f


def _passwords(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"--password needs FILE=PASSWORD, got {item!r}")
        f, pw = item.split("=", 1)
        out[_key(f)] = pw
    return out


def passwords_from_stdin(text: str) -> dict[str, str]:
    """Passwords read from standard input.

    Lines ``FILE=PASSWORD`` whose FILE exists give that file's password; a single line that is
    not such a pair is one password for every file that needs one (it may contain ``=``).
    """
    from assistant.core.knowledge.indexer import ANY_FILE

    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    pairs: dict[str, str] = {}
    for ln in lines:
        f, sep, pw = ln.partition("=")
        if sep and f and Path(f).expanduser().exists():
            pairs[_key(f)] = pw
        elif len(lines) == 1:
            return {ANY_FILE: ln}
        else:
            raise SystemExit("--password-stdin: each line must be FILE=PASSWORD with an existing FILE "
                             "(or give a single line holding one password)")
    return pairs


def _ask_passwords(kb, args, reports: list, bar) -> list:
    """Ask in the terminal for each file that needs a password, and index it again with the answer."""
    from assistant.core.knowledge import KnowledgeError

    by_path = {r.path: r for r in reports}
    for _ in range(ASK_TRIES):
        locked = [r for r in by_path.values() if r.status in PASSWORD_STATUSES]
        if not locked:
            break
        given: dict[str, str] = {}
        for r in locked:
            hint = " (the last one was wrong)" if r.status == "wrong password" else ""
            pw = getpass.getpass(f"Password for {r.path}{hint} (empty to skip): ")
            if pw:
                given[r.path] = pw
        if not given:
            break
        try:
            again = kb.index(args.collection, [Path(p) for p in given], passwords=given, progress=bar,
                             remember_passwords=args.remember_password)
        except KnowledgeError as e:
            print(f"hearth index: {e.in_words()}", file=sys.stderr)
            break
        by_path.update({r.path: r for r in again})
    return list(by_path.values())


def run(args: argparse.Namespace) -> int:
    from assistant.core.errors import EXIT_USER
    from assistant.core.knowledge import KnowledgeBase, KnowledgeError
    from assistant.core.knowledge.indexer import NOT_FOUND

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
        if args.ask_password and args.password_stdin:
            print("hearth index: give --ask-password or --password-stdin, not both", file=sys.stderr)
            return 2
        if args.ask_password and not sys.stdin.isatty():
            print("hearth index: --ask-password needs a terminal; pipe passwords in with --password-stdin",
                  file=sys.stderr)
            return 2
        passwords = _passwords(args.password)
        if args.password:
            print(ARGV_WARNING, file=sys.stderr)
        if args.password_stdin:
            passwords.update(passwords_from_stdin(sys.stdin.read()))
        bar = ProgressBar()
        try:
            if args.rebuild:
                reports = kb.reindex(args.collection, rebuild=True, progress=bar, cancel=cancel)
                if args.paths:
                    reports += kb.index(args.collection, args.paths, passwords=passwords or None,
                                        progress=bar, cancel=cancel, remember_passwords=args.remember_password)
            else:
                reports = kb.index(args.collection, args.paths, passwords=passwords or None, progress=bar,
                                   cancel=cancel, remember_passwords=args.remember_password)
            if args.ask_password:
                reports = _ask_passwords(kb, args, reports, bar)
        except KeyboardInterrupt:
            cancel.set()
            print("\nstopped; files finished so far stay indexed", file=sys.stderr)
            return 130
        except KnowledgeError as e:
            print(f"hearth index: {e.in_words()}", file=sys.stderr)
            return e.exit_code
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
        missing = [r.path for r in reports if r.status == NOT_FOUND]
        for path in missing:
            print(f"hearth index: {path}: not found", file=sys.stderr)
        return EXIT_USER if missing else 0
    finally:
        kb.close()
