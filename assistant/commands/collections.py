"""`hearth collections ...`: list document collections, add one kept on a Chroma server, remove one."""
from __future__ import annotations

import argparse
import json


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
