"""`hearth collections ...`: list document collections, add one kept on a Chroma server, re-index or remove one."""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("collections", help="list, add (from a Chroma server) and remove document collections",
                       description="Document collections: local ones (made by `hearth index`) and shared ones kept "
                                   "on a Chroma server (`chroma run`), used by --collection NAME like a local one.")
    csub = p.add_subparsers(dest="collections_command", metavar="ACTION", required=True)
    add = csub.add_parser("add-remote", help="use a collection on a Chroma server (shared with other Hearths)")
    add.add_argument("name", help="the collection's name (the same name on the same server is the same collection)")
    add.add_argument("--url", required=True, help="the Chroma server, e.g. http://HOST:8000")
    add.add_argument("--token", action="store_true",
                     help="the server needs a token: ask for it and keep it in the system keyring")
    add.set_defaults(func=run_add)
    ls = csub.add_parser("list", help="the collections, local and remote")
    ls.add_argument("--json", action="store_true", help="print one JSON object")
    ls.set_defaults(func=run_list)
    rm = csub.add_parser("remove", help="remove a collection (a remote one is only forgotten here; the "
                                        "server keeps it)")
    rm.add_argument("name")
    rm.set_defaults(func=run_remove)
    ri = csub.add_parser("reindex", help="read a collection's files again; rebuilt when it was indexed with "
                                         "another embedder than the one in Settings")
    ri.add_argument("name")
    ri.add_argument("--rebuild", action="store_true", help="drop the whole index first, even with the same embedder")
    ri.set_defaults(func=run_reindex)


def _kb():
    from assistant.core.knowledge import KnowledgeBase

    return KnowledgeBase()


def run_add(args: argparse.Namespace) -> int:
    import getpass

    from assistant.core.errors import HearthError
    from assistant.core.knowledge.remote_store import check_url

    url = check_url(args.url)
    token = None
    if args.token:
        token = getpass.getpass(f"Token for the Chroma server at {url}: ").strip()
        if not token:
            raise HearthError("no token was entered; nothing was added")
    kb = _kb()
    try:
        info = kb.add_remote_collection(args.name, url, token=token)
    finally:
        kb.close()
    print(f"Added '{info.name}' on the Chroma server at {url}{' (token in the keyring)' if token else ''}: "
          f"{info.files} file(s), {info.chunks} chunk(s)"
          + (f", embedder {info.embedder}" if info.embedder else "") + ".")
    print(f"Index into it: hearth index PATH --collection \"{info.name}\"")
    return 0


def run_list(args: argparse.Namespace) -> int:
    kb = _kb()
    try:
        rows = [(c, kb.remote_url(c.name)) for c in kb.list_collections()]
    finally:
        kb.close()
    if args.json:
        print(json.dumps({"collections": [
            {"name": c.name, "remote": url, "embedder": c.embedder, "files": c.files, "chunks": c.chunks}
            for c, url in rows]}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("No collections. Make one with `hearth index PATH --collection NAME`, or "
              "`hearth collections add-remote NAME --url http://HOST:PORT`.")
    for c, url in rows:
        where = f"on the Chroma server at {url}" if url else "on this computer"
        print(f"  {c.name}\n      {where}; {c.files} file(s), {c.chunks} chunk(s)"
              + (f"; embedder {c.embedder}" if c.embedder else ""))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    kb = _kb()
    try:
        url = kb.remote_url(args.name)
        kb.delete_collection(args.name)
    finally:
        kb.close()
    if url:
        print(f"Forgot '{args.name}' and its token here; the Chroma server at {url} still has it.")
    else:
        print(f"Removed the collection '{args.name}' (your files are untouched).")
    return 0


def run_reindex(args: argparse.Namespace) -> int:
    """Re-index one collection with the embedder in Settings (rebuilt when it used another one)."""
    import threading

    from assistant.commands.index import ProgressBar
    from assistant.core.knowledge import embedder_choice
    from assistant.core.knowledge.types import CollectionNotFound

    kb = _kb()
    cancel = threading.Event()
    bar = ProgressBar()
    try:
        info = next((c for c in kb.list_collections() if c.name == args.name), None)
        if info is None:
            raise CollectionNotFound(f"There is no collection named '{args.name}'.")
        new = kb.embedder.name
        rebuild = args.rebuild or bool(info.embedder and info.embedder != new)
        try:
            if rebuild and info.embedder and info.embedder != new:
                print(f"'{args.name}' was indexed with {info.embedder}; rebuilding it with {new}.", file=sys.stderr)
            reports = embedder_choice.reindex_collections(
                kb, [args.name], progress=lambda _n, _i, _t, p: p is not None and bar(p),
                cancel=cancel) if rebuild else {args.name: kb.reindex(args.name, progress=bar, cancel=cancel)}
        except KeyboardInterrupt:
            cancel.set()
            print("\nstopped; files finished so far stay indexed", file=sys.stderr)
            return 130
    finally:
        kb.close()
    counts: dict[str, int] = {}
    for r in reports.get(args.name, []):
        counts[r.status] = counts.get(r.status, 0) + 1
    print("; ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" -> collection '{args.name}' ({new})")
    return 0
