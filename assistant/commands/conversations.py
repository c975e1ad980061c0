"""`hearth conversations ...`: list, show, export, delete and restore stored chats.

The same store and export code as the window (:mod:`assistant.core.conversations`): a chat
from `hearth chat` or `hearth ask` shows here and in the window; a JSON export is what
File → Import reads. An ID may be given by a unique prefix (the first 8 characters shown by `list`).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("conversations", help="list, show, export, delete and restore stored chats")
    csub = p.add_subparsers(dest="conversations_command", metavar="ACTION", required=True)
    ls = csub.add_parser("list", help="stored chats, pinned and most recent first")
    ls.add_argument("--deleted", action="store_true", help="list the bin instead (deleted chats, kept 30 days)")
    ls.add_argument("--search", metavar="WORDS", default="", help="only chats whose title or text contains this")
    ls.add_argument("--json", action="store_true", help="print one JSON object")
    ls.set_defaults(func=run_list)
    show = csub.add_parser("show", help="print a chat's visible thread")
    show.add_argument("id", help="conversation id (or a unique prefix)")
    show.add_argument("--json", action="store_true", help="print the whole chat (every branch) as JSON")
    show.add_argument("--with-reasoning", action="store_true", help="include the model's thinking")
    show.set_defaults(func=run_show)
    ex = csub.add_parser("export", help="write a chat as Markdown or as JSON (File → Import reads the JSON)")
    ex.add_argument("id", help="conversation id (or a unique prefix)")
    ex.add_argument("--format", choices=("md", "json"), default="md", help="md (the visible thread) or json (all)")
    ex.add_argument("--output", "-o", metavar="FILE", help="write here instead of printing")
    ex.add_argument("--json", action="store_true", help="print a JSON summary of what was written")
    ex.add_argument("--with-reasoning", action="store_true", help="include the model's thinking in Markdown")
    ex.set_defaults(func=run_export)
    rm = csub.add_parser("delete", help="move a chat to the bin (restore it within 30 days)")
    rm.add_argument("id", help="conversation id (or a unique prefix)")
    rm.add_argument("--json", action="store_true", help="print one JSON object")
    rm.set_defaults(func=run_delete)
    rs = csub.add_parser("restore", help="take a chat out of the bin")
    rs.add_argument("id", help="conversation id (or a unique prefix)")
    rs.add_argument("--json", action="store_true", help="print one JSON object")
    rs.set_defaults(func=run_restore)


def _store() -> Any:
    from assistant.core import paths
    from assistant.core.conversations import ConversationStore

    return ConversationStore(paths.resolve().ensure().conversations_db)


def _when(t: float | None) -> str:
    return _dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else ""


def _row(store: Any, c: Any) -> dict:
    return {"id": c.id, "title": c.title, "created": c.created, "updated": c.updated, "pinned": c.pinned,
            "deleted": c.deleted, "messages": len(store.messages(c.id))}


def _find(store: Any, prefix: str, *, in_bin: bool | None = None) -> Any:
    """The conversation an id (prefix) names; ``in_bin`` True/False requires it in / out of the bin."""
    from assistant.core.conversations import ConversationNotFound

    try:
        conv = store.get(store.resolve_id(prefix))
    except ConversationNotFound as e:
        raise ConversationNotFound(str(e), fix="`hearth conversations list` (or `list --deleted`) shows the ids") \
            from None
    if in_bin is True and conv.deleted is None:
        raise ConversationNotFound(f"the conversation {conv.id[:8]} ({conv.title}) is not in the bin")
    if in_bin is False and conv.deleted is not None:
        raise ConversationNotFound(f"the conversation {conv.id[:8]} ({conv.title}) is in the bin",
                                   fix=f"`hearth conversations restore {conv.id[:8]}` brings it back")
    return conv


def run_list(args: argparse.Namespace) -> int:
    with _store() as store:
        convs = store.deleted() if args.deleted else store.list(query=args.search, limit=1_000_000)
        if args.deleted and args.search:
            convs = [c for c in convs if args.search.casefold() in c.title.casefold()]
        if args.json:
            print(json.dumps({"conversations": [_row(store, c) for c in convs]}, indent=2, ensure_ascii=False))
            return 0
        if not convs:
            print("The bin is empty." if args.deleted else "No conversations yet. Start one with `hearth chat`.")
        for c in convs:
            when = f"deleted {_when(c.deleted)}" if args.deleted else _when(c.updated)
            print(f"{c.id[:8]}  {when}  {'📌 ' if c.pinned else ''}{c.title}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    with _store() as store:
        conv = _find(store, args.id)
        if args.json:
            print(json.dumps(store.export_json(conv.id), indent=2, ensure_ascii=False))
        else:
            sys.stdout.write(_markdown(store, conv.id, args.with_reasoning))
    return 0


def _write_atomic(path: Path, text: str) -> None:
    """Write the whole file or nothing (an export cut short must not look complete)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _markdown(store: Any, conv_id: str, with_reasoning: bool) -> str:
    from assistant.core.app import Hearth

    return Hearth(store=store).export_markdown(conv_id, with_reasoning=with_reasoning)


def export_text(store: Any, conv_id: str, fmt: str, with_reasoning: bool = False) -> str:
    """A chat as the text of an export file: "md" (the visible thread) or "json" (everything)."""
    from assistant.core.conversations import export

    if fmt == "json":
        return export.dumps(store.export_json(conv_id))
    return _markdown(store, conv_id, with_reasoning)


def run_export(args: argparse.Namespace) -> int:
    from assistant.core.errors import HearthError

    with _store() as store:
        conv = _find(store, args.id)
        text = export_text(store, conv.id, args.format, args.with_reasoning)
        if not args.output:
            sys.stdout.write(text)
            return 0
        out = Path(args.output).expanduser()
        try:
            _write_atomic(out, text)
        except OSError as e:
            raise HearthError(f"cannot write {out}: {e.strerror or e}") from e
        if args.json:
            print(json.dumps({"id": conv.id, "format": args.format, "output": str(out.resolve())}))
        else:
            print(f"Wrote {out} ({conv.title})", file=sys.stderr)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with _store() as store:
        conv = _find(store, args.id, in_bin=False)
        store.delete(conv.id)
        if args.json:
            print(json.dumps({"id": conv.id, "title": conv.title, "deleted": True}, ensure_ascii=False))
        else:
            print(f"Moved “{conv.title}” to the bin; `hearth conversations restore {conv.id[:8]}` "
                  f"brings it back (within 30 days).")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    with _store() as store:
        conv = _find(store, args.id, in_bin=True)
        store.restore(conv.id)
        if args.json:
            print(json.dumps({"id": conv.id, "title": conv.title, "restored": True}, ensure_ascii=False))
        else:
            print(f"Restored “{conv.title}”.")
    return 0
